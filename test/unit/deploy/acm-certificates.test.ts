// deploy/acm-certificates (ADR 0018) against a mocked ACM: the exact RequestCertificate (DNS or private CA, tags in the
// call, an idempotency token), no second request for a certificate there already, deletion only of this stack's
// certificates no request wants and nothing uses, and a listing that started before a request or a delete not
// hiding it (another group's reconcile runs meanwhile).
import assert from 'node:assert/strict';
import {
  ACMClient, DeleteCertificateCommand, DescribeCertificateCommand, ListCertificatesCommand, ListTagsForCertificateCommand, RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import { mockClient } from 'aws-sdk-client-mock';
import { CertificateManager } from '../../../src/deploy/acm-certificates.ts';
import type { CertificateRequest } from '../../../src/ingress/index.ts';

const ARN = (x: string): string => `arn:aws:acm:us-east-1:123456789012:certificate/${x}`;
const PCA = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/ca';
const tagsOf = (stack: string, resource: string, cluster = 'demo') =>
  ({ 'elbv2.k8s.aws/cluster': cluster, 'ingress.k8s.aws/stack': stack, 'ingress.k8s.aws/resource': resource });
const request = (resourceId: string, names: string[], ca?: string): CertificateRequest => ({
  resourceId, domainName: names[0] as string, subjectAlternativeNames: names, ...(ca ? { certificateAuthorityArn: ca } : {}),
  tags: { team: 'a', ...tagsOf('shop/web', resourceId) },
});

describe('deploy: ACM certificates of create-acm-cert', () => {
  const acm = new ACMClient({ region: 'us-east-1' });
  const mock = mockClient(ACMClient);
  /** ARN → [tags, status, names] */
  let certs: Map<string, [Record<string, string>, string, string[]]>;

  beforeEach(() => {
    mock.reset();
    certs = new Map();
    mock.on(ListCertificatesCommand).callsFake(() => ({ CertificateSummaryList: [...certs.keys()].map((CertificateArn) => ({ CertificateArn })) }));
    mock.on(ListTagsForCertificateCommand).callsFake((i: { CertificateArn: string }) =>
      ({ Tags: Object.entries(certs.get(i.CertificateArn)?.[0] ?? {}).map(([Key, Value]) => ({ Key, Value })) }));
    mock.on(DescribeCertificateCommand).callsFake((i: { CertificateArn: string }) => {
      const c = certs.get(i.CertificateArn);
      return { Certificate: { CertificateArn: i.CertificateArn, DomainName: c?.[2][0], SubjectAlternativeNames: c?.[2], Status: c?.[1], Type: 'AMAZON_ISSUED',
        DomainValidationOptions: (c?.[2] ?? []).map((d) => ({ DomainName: d, ResourceRecord: { Name: `_v.${d}.`, Type: 'CNAME', Value: '_x.acm-validations.aws.' } })) } };
    });
    let n = 0;
    mock.on(RequestCertificateCommand).callsFake((i: { Tags: { Key: string; Value: string }[]; SubjectAlternativeNames: string[] }) => {
      const arn = ARN(`new-${++n}`);
      certs.set(arn, [Object.fromEntries(i.Tags.map((t) => [t.Key, t.Value])), 'PENDING_VALIDATION', i.SubjectAlternativeNames]);
      return { CertificateArn: arn };
    });
    mock.on(DeleteCertificateCommand).callsFake((i: { CertificateArn: string }) => { certs.delete(i.CertificateArn); return {}; });
  });
  after(() => { mock.restore(); acm.destroy(); });

  it('requests a missing certificate with DNS validation, its tags and an idempotency token; never waits for it', async () => {
    const m = new CertificateManager(acm, { clusterName: 'demo' });
    const r = await m.ensure('shop/web', [request('amazon_issued/a.example.com-1', ['a.example.com', 'b.example.com'])]);
    const calls = mock.commandCalls(RequestCertificateCommand);
    assert.equal(calls.length, 1);
    const input = calls[0]?.args[0].input;
    assert.equal(input?.DomainName, 'a.example.com');
    assert.deepEqual(input?.SubjectAlternativeNames, ['a.example.com', 'b.example.com']);
    assert.equal(input?.ValidationMethod, 'DNS');
    assert.equal(input?.CertificateAuthorityArn, undefined);
    assert.match(input?.IdempotencyToken ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(input?.Tags, [
      { Key: 'team', Value: 'a' }, { Key: 'elbv2.k8s.aws/cluster', Value: 'demo' }, { Key: 'ingress.k8s.aws/stack', Value: 'shop/web' },
      { Key: 'ingress.k8s.aws/resource', Value: 'amazon_issued/a.example.com-1' }]);
    assert.deepEqual(r.requested, [ARN('new-1')]);
    assert.equal(r.managed[0]?.status, 'PENDING_VALIDATION');
    assert.deepEqual(r.managed[0]?.validationRecords.map((v) => v.name), ['_v.a.example.com.', '_v.b.example.com.']);
    // a second reconcile requests nothing more
    await m.ensure('shop/web', [request('amazon_issued/a.example.com-1', ['a.example.com', 'b.example.com'])]);
    assert.equal(mock.commandCalls(RequestCertificateCommand).length, 1);
  });

  it('a private CA: CertificateAuthorityArn, no ValidationMethod', async () => {
    await new CertificateManager(acm, { clusterName: 'demo' }).ensure('shop/web', [request('private/a.example.com-1', ['a.example.com'], PCA)]);
    const input = mock.commandCalls(RequestCertificateCommand)[0]?.args[0].input;
    assert.equal(input?.CertificateAuthorityArn, PCA);
    assert.equal(input?.ValidationMethod, undefined);
  });

  it('deletes only this cluster\'s and this stack\'s certificates that no request wants and no listener uses', async () => {
    certs.set(ARN('mine-unwanted'), [tagsOf('shop/web', 'amazon_issued/old-1'), 'ISSUED', ['old.example.com']]);
    certs.set(ARN('mine-in-use'), [tagsOf('shop/web', 'amazon_issued/x-1'), 'ISSUED', ['x.example.com']]);
    certs.set(ARN('mine-wanted'), [tagsOf('shop/web', 'amazon_issued/a.example.com-1'), 'ISSUED', ['a.example.com']]);
    certs.set(ARN('other-stack'), [tagsOf('shop/other', 'amazon_issued/old-1'), 'ISSUED', ['old.example.com']]);
    certs.set(ARN('other-cluster'), [tagsOf('shop/web', 'amazon_issued/old-1', 'prod'), 'ISSUED', ['old.example.com']]);
    certs.set(ARN('untagged'), [{}, 'ISSUED', ['old.example.com']]);
    const m = new CertificateManager(acm, { clusterName: 'demo' });
    const wanted = [request('amazon_issued/a.example.com-1', ['a.example.com'])];
    const { managed } = await m.ensure('shop/web', wanted);
    assert.deepEqual(managed.map((c) => c.arn).sort(), [ARN('mine-in-use'), ARN('mine-unwanted'), ARN('mine-wanted')]);
    assert.deepEqual(await m.release(managed, wanted, new Set([ARN('mine-in-use')])), [ARN('mine-unwanted')]);
    assert.deepEqual(mock.commandCalls(DeleteCertificateCommand).map((c) => c.args[0].input.CertificateArn), [ARN('mine-unwanted')]);
  });

  it('never deletes a certificate ACM reports in use', async () => {
    certs.set(ARN('used'), [tagsOf('shop/web', 'amazon_issued/old-1'), 'ISSUED', ['old.example.com']]);
    mock.on(DescribeCertificateCommand).resolves({ Certificate: { CertificateArn: ARN('used'), Status: 'ISSUED', InUseBy: ['arn:aws:elasticloadbalancing:…'] } });
    const m = new CertificateManager(acm, { clusterName: 'demo' });
    const { managed } = await m.ensure('shop/web', []);
    assert.deepEqual(await m.release(managed, [], new Set()), []);
    assert.equal(mock.commandCalls(DeleteCertificateCommand).length, 0);
  });

  it('in use only by the stack\'s own load balancer (ACM\'s InUseBy lags its listeners): deleted once no listener of the stack uses it', async () => {
    const lb = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-shop-web-1a2b3c4d5e/50dc6c495c0c9188';
    certs.set(ARN('ours'), [tagsOf('shop/web', 'amazon_issued/old-1'), 'ISSUED', ['old.example.com']]);
    mock.on(DescribeCertificateCommand).resolves({ Certificate: { CertificateArn: ARN('ours'), Status: 'ISSUED',
      InUseBy: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/k8s-shop-web-1a2b3c4d5e/50dc6c495c0c9188/f2f7dc8efc522ab2'] } });
    const m = new CertificateManager(acm, { clusterName: 'demo' });
    const { managed } = await m.ensure('shop/web', []);
    assert.deepEqual(await m.release(managed, [], new Set([ARN('ours')]), [lb]), [], 'a listener of the stack still has it');
    assert.deepEqual(await m.release(managed, [], new Set(), [lb]), [ARN('ours')]);
  });

  it('a FAILED certificate is requested again (a new idempotency token, not the failed one handed back) and then deleted', async () => {
    const wanted = [request('amazon_issued/a.example.com-1', ['a.example.com'])];
    await new CertificateManager(acm, { clusterName: 'demo' }).ensure('shop/web', wanted);
    certs = new Map([[ARN('failed'), [tagsOf('shop/web', 'amazon_issued/a.example.com-1'), 'FAILED', ['a.example.com']]]]);
    const m = new CertificateManager(acm, { clusterName: 'demo' });
    const r = await m.ensure('shop/web', wanted);
    assert.equal(r.requested.length, 1);
    const tokens = mock.commandCalls(RequestCertificateCommand).map((c) => c.args[0].input.IdempotencyToken);
    assert.equal(tokens.length, 2);
    assert.notEqual(tokens[0], tokens[1]);
    assert.deepEqual(await m.release(r.managed, wanted, new Set()), [ARN('failed')]);
  });

  it('a listing cached before a request (another group listed meanwhile) still shows the new certificate, and not a deleted one', async () => {
    const m = new CertificateManager(acm, { clusterName: 'demo' });
    const wanted = [request('amazon_issued/a.example.com-1', ['a.example.com'])];
    await m.observe('shop/other');
    const { requested } = await m.ensure('shop/web', wanted);
    assert.deepEqual((await m.observe('shop/web')).map((c) => c.arn), requested);
    const managed = await m.observe('shop/web');
    await m.release(managed, [], new Set());
    assert.deepEqual(await m.observe('shop/web'), []);
    assert.equal(mock.commandCalls(ListCertificatesCommand).length, 1, 'one listing in the minute');
  });
});
