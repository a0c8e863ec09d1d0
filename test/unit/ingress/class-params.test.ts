// IngressClassParams values get the checks of their annotation counterparts; a bad one is an Issue on every
// Ingress of the class, naming the IngressClassParams and the field, and none of them is planned.
import assert from 'node:assert/strict';
import { buildStacks, type IngressClassParamsObject } from '../../../src/ingress/index.ts';
import { paramsValueProblems } from '../../../src/ingress/class-params.ts';
import type { IngressClassParamsSpec } from '../../../src/model/index.ts';
import { CONFIG, FACTS, albClass, ingress, path, rule, service, snapshot } from './fixtures.ts';

const cls = albClass('with-params', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } });
const params = (spec: IngressClassParamsSpec): IngressClassParamsObject => ({ metadata: { name: 'p' }, spec });
const web = (name: string, ns = 'default') => ingress(name, { ns, className: 'with-params', rules: [rule(`${name}.example.com`, path('/', 'svc'))] });

describe('IngressClassParams values', () => {
  it('inboundCIDRs ["x", "10.0.0.0/33"]: every Ingress of the class is refused, naming the IngressClassParams and each field', () => {
    const ings = [web('a'), web('b', 'shop')];
    const r = buildStacks(snapshot({
      ingresses: ings, services: [service('svc'), service('svc', { ns: 'shop' })], ingressClasses: [cls], ingressClassParams: [params({ inboundCIDRs: ['x', '10.0.0.0/33'] })],
    }), FACTS, CONFIG);
    assert.deepEqual(r.stacks, []);
    assert.equal(r.groups.every((g) => g.blocked), true);
    assert.deepEqual(r.issues.map((i) => [i.object.namespace, i.object.name, i.field, i.code]), [
      ['default', 'a', 'IngressClassParams(p).spec.inboundCIDRs[0]', 'InvalidIngressClassParams'],
      ['default', 'a', 'IngressClassParams(p).spec.inboundCIDRs[1]', 'InvalidIngressClassParams'],
      ['shop', 'b', 'IngressClassParams(p).spec.inboundCIDRs[0]', 'InvalidIngressClassParams'],
      ['shop', 'b', 'IngressClassParams(p).spec.inboundCIDRs[1]', 'InvalidIngressClassParams'],
    ]);
    assert.equal(r.issues[1]?.reason, 'IngressClassParams(p): spec.inboundCIDRs[1]: expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32, got "10.0.0.0/33"');
  });

  const rows: [string, IngressClassParamsSpec, string, RegExp][] = [
    ['a prefix list that is no ID', { prefixListsIDs: ['my-list'] }, 'spec.prefixListsIDs[0]', /expected a managed prefix list ID such as pl-0123456789abcdef0, got "my-list"/],
    ['a certificate that is no ACM or IAM ARN', { certificateArn: ['arn:aws:s3:::bucket/x'] }, 'spec.certificateArn[0]', /expected an ACM certificate ARN/],
    ['a custom SSL policy', { sslPolicy: 'my-policy' }, 'spec.sslPolicy', /expected a predefined security policy/],
    ['a tag value with a newline', { tags: [{ key: 'team', value: 'a\nb' }] }, 'spec.tags[0]', /the value of tag "team" contains U\+000A/],
    ['a tag with a trailing space', { tags: [{ key: 'team ', value: 'a' }] }, 'spec.tags[0]', /leading or trailing space/],
    ['a reserved tag key', { tags: [{ key: 'elbv2.k8s.aws/cluster', value: 'x' }] }, 'spec.tags[0]', /reserved for the controller/],
    ['an attribute value out of range', { loadBalancerAttributes: [{ key: 'idle_timeout.timeout_seconds', value: '0' }] },
      'spec.loadBalancerAttributes[0]', /idle_timeout.timeout_seconds: expected an integer in \[1, 4000\], got "0"/],
    ['an unknown attribute', { loadBalancerAttributes: [{ key: 'idle.timeout', value: '60' }] }, 'spec.loadBalancerAttributes[0]', /is not one AWS knows/],
    ['access logs on without a bucket', { loadBalancerAttributes: [{ key: 'access_logs.s3.enabled', value: 'true' }] }, 'spec.loadBalancerAttributes', /needs access_logs.s3.bucket/],
    ['an empty subnet', { subnets: { ids: ['subnet-1', ' '] } }, 'spec.subnets.ids[1]', /must not be empty/],
  ];
  for (const [what, spec, field, reason] of rows) {
    it(`refuses ${what}`, () => {
      const problems = paramsValueProblems(spec);
      assert.deepEqual(problems.map((p) => p.field), [field]);
      assert.match(problems[0]?.reason ?? '', reason);
    });
  }

  it('accepts the values the annotations accept', () => {
    assert.deepEqual(paramsValueProblems({
      inboundCIDRs: ['10.0.0.0/8', '2001:db8::/32'], prefixListsIDs: ['pl-0123abcd'], sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      certificateArn: ['arn:aws:acm:eu-west-1:123456789012:certificate/abc', 'arn:aws:iam::123456789012:server-certificate/web'],
      tags: [{ key: 'team', value: 'shop web' }], loadBalancerAttributes: [{ key: 'access_logs.s3.enabled', value: 'true' }, { key: 'access_logs.s3.bucket', value: 'logs' }],
      subnets: { ids: ['subnet-1', 'public-a'] },
    }), []);
  });
});
