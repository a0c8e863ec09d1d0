// create-acm-cert (ADR 0018): the certificate an Ingress asks for (names, resource ID, tags, private CA), ACM's rules
// on the names (10 domain names by default, 253 characters per name, 64 for the domain name, wildcard as a whole
// first label), the gate, explicit certificates winning, and which certificate the HTTPS listener gets.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  ACM_MAX_DOMAIN_NAMES, ACM_MAX_NAME_LENGTH, acmNameProblem, certificateRequestOf, certificateRequests,
} from '../../../src/ingress/acm-certificates.ts';
import { buildStacks, groupMembers, type BuildConfig } from '../../../src/ingress/index.ts';
import { PCA_ARN } from '../../../src/ingress/annotations/values.ts';
import { findResource, type ManagedCertificate } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const ON: BuildConfig = { ...CONFIG, featureGates: { EnableCertificateManagement: true } };
const svc = service('svc');
const PCA = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012';
const ARN = (x: string): string => `arn:aws:acm:us-east-1:123456789012:certificate/${x}`;
const hash8 = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

const web = (annotations: Record<string, string> = {}, hosts = ['www.example.com', 'api.example.com'], tls: string[] = []) =>
  ingress('web', { ns: 'shop', annotations: { [A('create-acm-cert')]: 'true', ...annotations }, rules: hosts.map((h) => rule(h, path('/', 'svc'))), ...(tls.length ? { tls: [{ hosts: tls }] } : {}) });
const svcIn = service('svc', { ns: 'shop' });
const build = (ing = web(), config = ON, managed?: ManagedCertificate[]) =>
  buildStacks(snapshot({ ingresses: [ing], services: [svcIn, svc] }), { ...FACTS, ...(managed ? { managedCertificates: managed } : {}) }, config);
const requestOf = (ing = web(), config = ON) => certificateRequestOf(config, 'shop/web', one(one(groupMembers(snapshot({ ingresses: [ing] }), config).groups).members));
const managed = (arn: string, status: string, names = ['api.example.com', 'www.example.com'], resourceId = `amazon_issued/api.example.com-${hash8('shop/web')}`): ManagedCertificate => ({
  arn, resourceId, domainName: names[0] as string, subjectAlternativeNames: names, status, type: 'AMAZON_ISSUED', inUseBy: [],
  validationRecords: [{ domainName: 'api.example.com', name: '_x.api.example.com.', type: 'CNAME', value: '_y.acm-validations.aws.' }],
});

describe('create-acm-cert: the certificate an Ingress asks for', () => {
  it('names: rules and tls hosts, lower-case, sorted, unique; domain name the first; upstream resource ID and tags', () => {
    const { request, issues } = requestOf(web({ [A('tags')]: 'team=a' }, ['www.example.com', 'API.example.com'], ['www.example.com', 'cdn.example.com']));
    assert.deepEqual(issues, []);
    assert.deepEqual(request?.subjectAlternativeNames, ['api.example.com', 'cdn.example.com', 'www.example.com']);
    assert.equal(request?.domainName, 'api.example.com');
    assert.equal(request?.resourceId, `amazon_issued/api.example.com-${hash8('shop/web')}`);
    assert.equal(request?.certificateAuthorityArn, undefined);
    assert.deepEqual(request?.tags, { team: 'a', 'elbv2.k8s.aws/cluster': 'demo', 'ingress.k8s.aws/stack': 'shop/web', 'ingress.k8s.aws/resource': request?.resourceId });
  });

  it('a private CA: resource ID "private/…", the CA ARN; an empty acm-pca-arn is unset (as upstream)', () => {
    assert.equal(requestOf(web({ [A('acm-pca-arn')]: PCA })).request?.certificateAuthorityArn, PCA);
    assert.match(requestOf(web({ [A('acm-pca-arn')]: PCA })).request?.resourceId ?? '', /^private\/api\.example\.com-/);
    assert.equal(requestOf(web({ [A('acm-pca-arn')]: '' })).request?.certificateAuthorityArn, undefined);
  });

  it('--default-pca-arn: the CA of an Ingress without acm-pca-arn; the annotation wins (as upstream)', () => {
    const DEFAULT = 'arn:aws:acm-pca:us-west-2:210987654321:certificate-authority/default-ca';
    const withDefault = { ...ON, defaultPcaArn: DEFAULT };
    assert.equal(requestOf(web(), withDefault).request?.certificateAuthorityArn, DEFAULT);
    assert.match(requestOf(web(), withDefault).request?.resourceId ?? '', /^private\//);
    assert.equal(requestOf(web({ [A('acm-pca-arn')]: PCA }), withDefault).request?.certificateAuthorityArn, PCA);
    assert.equal(requestOf(web({ [A('acm-pca-arn')]: '' }), withDefault).request?.certificateAuthorityArn, DEFAULT, 'an empty annotation is unset');
  });

  it('a wildcard domain name is spelled "wildcard" in the resource ID (tag values take no "*")', () => {
    assert.equal(requestOf(web({}, ['*.example.com'])).request?.resourceId, `amazon_issued/wildcard.example.com-${hash8('shop/web')}`);
  });

  it('refused: no host, more than 10 names (ACM default quota), a bad name; each naming its field', () => {
    const none = build(web({}, []));
    assert.deepEqual(none.issues.map((i) => [i.field, i.code]), [[A('create-acm-cert'), 'InvalidCertificateRequest']]);
    const many = build(web({}, Array.from({ length: 11 }, (_, i) => `h${i}.example.com`)));
    assert.deepEqual(many.issues.map((i) => i.code), ['AwsLimitExceeded']);
    assert.match(many.issues[0]?.reason ?? '', /11 hosts; an ACM certificate covers at most 10 domain names/);
    const bad = build(web({}, ['a.*.example.com']));
    assert.deepEqual(bad.issues.map((i) => [i.field, i.code]), [['spec.rules[0].host', 'InvalidCertificateRequest']]);
    assert.match(bad.issues[0]?.reason ?? '', /wildcard only as its whole first label/);
  });

  it('the domain name is the first name of at most 64 characters (the common name); none: refused', () => {
    const long = `${'a'.repeat(60)}.example.com`;
    assert.equal(requestOf(web({}, [long, 'z.example.com'])).request?.domainName, 'z.example.com');
    assert.match(build(web({}, [long])).issues[0]?.reason ?? '', /over 64 characters/);
  });

  it('property: every name ACM takes is accepted, every name over 253 characters or with an inner "*" is not', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    // at most 6 labels of 22 characters: under 253
    fc.assert(fc.property(fc.array(label, { minLength: 2, maxLength: 6 }), fc.boolean(), (labels, wild) => {
      const name = `${wild ? '*.' : ''}${labels.join('.')}`;
      assert.equal(acmNameProblem(name), undefined, name);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.integer({ min: ACM_MAX_NAME_LENGTH + 1, max: 400 }), (n) => {
      const name = `${'a.'.repeat(Math.ceil(n / 2)).slice(0, n - 4)}.com`;
      assert.match(acmNameProblem(name) ?? '', /characters long; ACM takes at most 253/);
    }), { numRuns: 100 });
    fc.assert(fc.property(fc.array(label, { minLength: 2, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), (labels, at) => {
      const xs = [...labels];
      xs.splice(Math.min(at, xs.length), 0, '*');
      assert.match(acmNameProblem(xs.join('.')) ?? '', /wildcard only as its whole first label|at least two labels/);
    }), { numRuns: 300 });
  });

  it('property: any number of distinct hosts up to 10 gives one request covering exactly them; over 10 none', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), { minLength: 1, maxLength: 14 }), (labels) => {
      const hosts = labels.map((l) => `${l}.example.com`);
      const { request, issues } = requestOf(web({}, hosts));
      if (hosts.length <= ACM_MAX_DOMAIN_NAMES) {
        assert.deepEqual(issues, []);
        assert.deepEqual(request?.subjectAlternativeNames, [...hosts].sort());
        assert.equal(request?.domainName, [...hosts].sort()[0]);
      } else {
        assert.equal(request, undefined);
        assert.deepEqual(issues.map((i) => i.code), ['AwsLimitExceeded']);
      }
    }), { numRuns: 300 });
  });

  it('property: create-acm-cert takes Go booleans; acm-pca-arn takes private CA ARNs only', () => {
    fc.assert(fc.property(fc.constantFrom('true', 'TRUE', 'True', 't', 'T', '1', 'false', 'FALSE', 'False', 'f', 'F', '0'), (v) => {
      const r = build(web({ [A('create-acm-cert')]: v }), ON, []);
      const on = ['true', 'TRUE', 'True', 't', 'T', '1'].includes(v);
      // true: requested, waiting for it; false: an HTTP-only Ingress, nothing asked for
      assert.deepEqual(r.issues.map((i) => i.code), on ? ['CertificatePending'] : []);
    }), { numRuns: 50 });
    fc.assert(fc.property(fc.string(), (v) => {
      const r = build(web({ [A('create-acm-cert')]: v }));
      if (!['true', 'TRUE', 'True', 't', 'T', '1', 'false', 'FALSE', 'False', 'f', 'F', '0'].includes(v)) {
        assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('create-acm-cert'), 'InvalidAnnotation']]);
      }
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.constantFrom('aws', 'aws-cn', 'aws-us-gov'), fc.stringMatching(/^[a-z]{2}-[a-z]+-[0-9]$/), fc.stringMatching(/^[0-9]{12}$/), fc.uuid(), (p, region, account, id) => {
      const arn = `arn:${p}:acm-pca:${region}:${account}:certificate-authority/${id}`;
      assert.ok(PCA_ARN.test(arn), arn);
      assert.equal(requestOf(web({ [A('acm-pca-arn')]: arn })).request?.certificateAuthorityArn, arn);
    }), { numRuns: 200 });
    fc.assert(fc.property(fc.string({ minLength: 1 }), (v) => {
      fc.pre(!PCA_ARN.test(v));
      const r = build(web({ [A('acm-pca-arn')]: v }));
      assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('acm-pca-arn'), 'InvalidAnnotation']]);
    }), { numRuns: 300 });
  });
});

describe('create-acm-cert: the gate and the listener certificate', () => {
  it('gate off (upstream default): an Issue naming the gate, nothing requested', () => {
    const r = build(web(), CONFIG);
    assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('create-acm-cert'), 'FeatureGateDisabled']]);
    assert.match(r.issues[0]?.reason ?? '', /--feature-gates=EnableCertificateManagement=true/);
    assert.deepEqual(certificateRequests(CONFIG, 'shop/web', groupMembers(snapshot({ ingresses: [web()] }), CONFIG).groups[0]?.members ?? []), []);
    // "false" asks for nothing, with or without the gate
    assert.deepEqual(build(web({ [A('create-acm-cert')]: 'false', [A('certificate-arn')]: ARN('x') }), CONFIG).issues, []);
  });

  it('certificate-arn (or IngressClassParams certificateArn) wins, as upstream: nothing requested, the explicit one attached', () => {
    const ing = web({ [A('certificate-arn')]: ARN('mine') });
    const r = build(ing, ON, []);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(findResource(one(r.stacks), 'Listener', '443')?.spec.certificates, [ARN('mine')]);
    assert.deepEqual(certificateRequests(ON, 'shop/web', groupMembers(snapshot({ ingresses: [ing] }), ON).groups[0]?.members ?? []), []);
  });

  it('ISSUED: attached to HTTPS:443 (the default listen port with a certificate); not read (plan offline): known after issuance', () => {
    const issued = build(web(), ON, [managed(ARN('new'), 'ISSUED')]);
    assert.deepEqual(issued.issues, []);
    const l = one(issued.stacks).resources.filter((x) => x.kind === 'Listener');
    assert.deepEqual(l.map((x) => x.id), ['443']);
    assert.deepEqual(findResource(one(issued.stacks), 'Listener', '443')?.spec.certificates, [ARN('new')]);
    const offline = build(web(), ON);
    assert.deepEqual(findResource(one(offline.stacks), 'Listener', '443')?.spec.certificates, [{ $unknown: `discovery:acm-certificate:amazon_issued/api.example.com-${hash8('shop/web')}` }]);
  });

  it('PENDING_VALIDATION: the Ingress waits (CertificatePending naming the certificate and its DNS record); plan shows it known after issuance', () => {
    const r = build(web(), ON, [managed(ARN('p'), 'PENDING_VALIDATION')]);
    assert.deepEqual(r.issues.map((i) => i.code), ['CertificatePending']);
    assert.match(r.issues[0]?.reason ?? '', new RegExp(`${ARN('p')} for api\\.example\\.com, www\\.example\\.com is PENDING_VALIDATION; ACM validates it by DNS: CNAME _x\\.api\\.example\\.com\\. -> _y\\.acm-validations\\.aws\\.`));
    assert.deepEqual(r.stacks, []);
    const plan = build(web(), { ...ON, previewCertificates: true }, [managed(ARN('p'), 'PENDING_VALIDATION')]);
    assert.deepEqual(plan.issues, []);
    assert.match(plan.notes.map((n) => n.message).join('\n'), /is PENDING_VALIDATION.*left out until it is ISSUED/);
  });

  it('hosts changed: the ISSUED certificate for the old names keeps serving until the new one is ISSUED; a FAILED one does not count', () => {
    const old = managed(ARN('old'), 'ISSUED', ['www.example.com']);
    const r = build(web(), ON, [old, managed(ARN('new'), 'PENDING_VALIDATION')]);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(findResource(one(r.stacks), 'Listener', '443')?.spec.certificates, [ARN('old')]);
    assert.deepEqual(build(web(), ON, [managed(ARN('f'), 'FAILED')]).issues.map((i) => i.code), ['CertificatePending']);
  });
});
