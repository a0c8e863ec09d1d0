// AWS's limits, checked by the builder: each refusal is an Issue naming the Ingress, the field and the limit;
// a limit on the whole load balancer leaves out the member that does not fit (in group order), not the group.
import assert from 'node:assert/strict';
import type { V1HTTPIngressPath } from '@kubernetes/client-node';
import { AWS_DEFAULT_QUOTAS, describeLimit, limitsOf, ruleConditionsProblem } from '../../../src/ingress/aws-limits.ts';
import { buildStacks, type IngressClassParamsObject } from '../../../src/ingress/index.ts';
import type { Issue } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, albClass, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const svc = service('svc');
const CERT = (i: number) => `arn:aws:acm:us-east-1:123456789012:certificate/c${i}`;
const paths = (n: number, prefix = 'p'): V1HTTPIngressPath[] => Array.from({ length: n }, (_, i) => path(`/${prefix}${i}`, 'svc', 80, 'Exact'));
const member = (name: string, order: number, annotations: Record<string, string>, n = 1) =>
  ingress(name, { annotations: { [A('group.name')]: 'shop', [A('group.order')]: String(order), ...annotations }, rules: [rule(`${name}.example.com`, ...paths(n))] });
const build = (ings: ReturnType<typeof ingress>[], config = CONFIG, extra: Partial<Parameters<typeof snapshot>[0]> = {}) =>
  buildStacks(snapshot({ ingresses: ings, services: [svc, ...(extra.services ?? [])], ...extra }), FACTS, config);
const summary = (issues: readonly Issue[]) => issues.map((i) => [i.object.name, i.field, i.code]);
const ports = (from: number, n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ HTTP: from + i })));

describe('AWS limits: messages', () => {
  it('name the limit, its number and, for a quota, the flag that raises it', () => {
    assert.equal(describeLimit(limitsOf().rules), 'ALB listener rules (default rules not counted): at most 100 per load balancer (AWS quota, --max-rules-per-load-balancer)');
    assert.equal(describeLimit(limitsOf().targetGroups), 'ALB target groups: at most 100 per load balancer (AWS limit)');
    assert.equal(limitsOf({ ...AWS_DEFAULT_QUOTAS, rulesPerLoadBalancer: 250 }).rules.max, 250);
  });
});

describe('AWS limits: the whole load balancer, member by member in group order', () => {
  it('rules: the member that would take the ALB past 100 rules is left out; the ones before and after it that fit stay', () => {
    const r = build([member('a', 1, {}, 60), member('b', 2, {}, 41), member('c', 3, {}, 40)]);
    const stack = one(r.stacks);
    assert.deepEqual(stack.members, ['default/a', 'default/c']);
    assert.equal(byKind(stack, 'ListenerRule').length, 100);
    const i = one(r.issues);
    assert.deepEqual(summary([i]), [['b', 'spec.rules', 'AwsLimitExceeded']]);
    assert.match(i.reason, /with this Ingress the load balancer of group shop would have listener rules: 101; ALB listener rules \(default rules not counted\): at most 100 per load balancer \(AWS quota, --max-rules-per-load-balancer\)/);
  });

  it('rules: a raised quota (--max-rules-per-load-balancer) lets them all in', () => {
    const r = build([member('a', 1, {}, 60), member('b', 2, {}, 41)], { ...CONFIG, quotas: { ...AWS_DEFAULT_QUOTAS, rulesPerLoadBalancer: 150 } });
    assert.deepEqual(r.issues, []);
    assert.equal(byKind(one(r.stacks), 'ListenerRule').length, 101);
  });

  it('rules: an HTTP listener that redirects to HTTPS (ssl-redirect) has no rules, so they are not counted', () => {
    const https = { [A('listen-ports')]: '[{"HTTP": 80}, {"HTTPS": 443}]', [A('certificate-arn')]: CERT(1), [A('ssl-redirect')]: '443' };
    const r = build([member('a', 1, https, 60), member('b', 2, https, 40)]);
    assert.deepEqual(r.issues, []);
    assert.equal(byKind(one(r.stacks), 'ListenerRule').length, 100);
  });

  it('listeners: one Ingress with 51 listen ports is refused on its own; a second member past 50 in all is left out', () => {
    const alone = build([member('a', 1, { [A('listen-ports')]: ports(8000, 51) })]);
    assert.deepEqual(summary(alone.issues), [['a', A('listen-ports'), 'AwsLimitExceeded']]);
    assert.match(one(alone.issues).reason, /this Ingress asks for listen ports: 51; ALB listeners: at most 50 per load balancer \(AWS quota, --max-listeners-per-load-balancer\)/);
    const two = build([member('a', 1, { [A('listen-ports')]: ports(8000, 30) }), member('b', 2, { [A('listen-ports')]: ports(9000, 21) }),
      member('c', 3, { [A('listen-ports')]: ports(8000, 20) })]);
    assert.deepEqual(one(two.stacks).members, ['default/a', 'default/c']);
    assert.deepEqual(summary(two.issues), [['b', A('listen-ports'), 'AwsLimitExceeded']]);
  });

  it('target groups: past 100 per load balancer the member that adds the 101st is left out, naming its backend', () => {
    const services = Array.from({ length: 101 }, (_, i) => service(`s${i}`));
    const backends = (from: number, n: number) => Array.from({ length: n }, (_, i) => path(`/t${from + i}`, `s${from + i}`, 80, 'Exact'));
    const a = ingress('a', { annotations: { [A('group.name')]: 'shop', [A('group.order')]: '1' }, rules: [rule('a.example.com', ...backends(0, 50))] });
    const b = ingress('b', { annotations: { [A('group.name')]: 'shop', [A('group.order')]: '2' }, rules: [rule('b.example.com', ...backends(50, 51))] });
    const r = build([a, b], { ...CONFIG, quotas: { ...AWS_DEFAULT_QUOTAS, rulesPerLoadBalancer: 1000 } }, { services });
    assert.deepEqual(one(r.stacks).members, ['default/a']);
    const i = one(r.issues);
    assert.deepEqual(summary([i]), [['b', 'spec.rules[0].http.paths[0].backend', 'AwsLimitExceeded']]);
    assert.match(i.reason, /target groups: 101; ALB target groups: at most 100 per load balancer \(AWS limit\)/);
  });

  it('certificates: 26 SNI certificates on one listener are too many; the default certificate is not counted', () => {
    const certs = (n: number) => Array.from({ length: n }, (_, i) => CERT(i)).join(',');
    const ok = build([member('a', 1, { [A('certificate-arn')]: certs(26) })]);
    assert.deepEqual(ok.issues, []);
    const r = build([member('a', 1, { [A('certificate-arn')]: certs(27) })]);
    assert.deepEqual(summary(r.issues), [['a', A('certificate-arn'), 'AwsLimitExceeded']]);
    assert.match(one(r.issues).reason, /certificates besides the default ones: 26; ALB certificates .* at most 25 per load balancer \(AWS quota, --max-certificates-per-load-balancer\)/);
  });

  it('inbound rules: ports × CIDRs of the managed security group stay within 60 per IP version', () => {
    const cidrs = (n: number, v6 = false) => Array.from({ length: n }, (_, i) => (v6 ? `2001:db8:${i.toString(16)}::/48` : `10.${i}.0.0/16`)).join(',');
    const over = build([member('a', 1, { [A('listen-ports')]: '[{"HTTP": 80}, {"HTTP": 8080}]', [A('inbound-cidrs')]: cidrs(31) })]);
    assert.deepEqual(summary(over.issues), [['a', A('inbound-cidrs'), 'AwsLimitExceeded']]);
    assert.match(one(over.issues).reason, /IPv4 inbound rules in its managed security group: 62; inbound rules: at most 60 per security group and IP version \(AWS quota, --max-inbound-rules-per-security-group\)/);
    // IPv4 and IPv6 are counted apart: 30 + 30 of each on two ports is 60 of each
    const dual = build([member('a', 1, { [A('ip-address-type')]: 'dualstack', [A('listen-ports')]: '[{"HTTP": 80}, {"HTTP": 8080}]', [A('inbound-cidrs')]: `${cidrs(30)},${cidrs(30, true)}` })]);
    assert.deepEqual(dual.issues, []);
    const sg = one(byKind(one(dual.stacks), 'SecurityGroup'));
    assert.equal(sg.spec.ingress.length, 120);
    // user-given security groups: no managed group, nothing to count
    const own = build([member('a', 1, { [A('security-groups')]: 'sg-1', [A('listen-ports')]: '[{"HTTP": 80}, {"HTTP": 8080}]', [A('inbound-cidrs')]: cidrs(31) })]);
    assert.deepEqual(own.issues, []);
  });

  it('tags: 47 of the user\'s and the controller\'s 3 fit on the load balancer; the member that brings the 48th key is left out', () => {
    const tags = (from: number, n: number) => Array.from({ length: n }, (_, i) => `k${from + i}=v`).join(',');
    const r = build([member('a', 1, { [A('tags')]: tags(0, 40) }), member('b', 2, { [A('tags')]: tags(40, 8) }), member('c', 3, { [A('tags')]: tags(40, 7) })]);
    assert.deepEqual(one(r.stacks).members, ['default/a', 'default/c']);
    assert.deepEqual(summary(r.issues), [['b', A('tags'), 'AwsLimitExceeded']]);
    assert.match(one(r.issues).reason, /would carry tags: 51; tags \(the controller's 3 included\): at most 50 per resource \(AWS limit\)/);
    const lb = one(byKind(one(r.stacks), 'LoadBalancer'));
    assert.equal(Object.keys(lb.spec.tags).length, 50);
  });

  it('tags: --default-tags count too, on every resource', () => {
    const defaultTags = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`d${i}`, 'v']));
    const r = build([member('a', 1, { [A('tags')]: 'x=1,y=2,z=3' })], { ...CONFIG, defaultTags });
    assert.deepEqual(summary(r.issues), [['a', A('tags'), 'AwsLimitExceeded']]);
  });

  it('IngressClassParams certificates and prefix lists are named as the field at fault', () => {
    const params: IngressClassParamsObject = {
      metadata: { name: 'p' },
      spec: { certificateArn: Array.from({ length: 27 }, (_, i) => CERT(i)), prefixListsIDs: Array.from({ length: 61 }, (_, i) => `pl-${i.toString(16).padStart(8, '0')}`) },
    };
    const ing = ingress('a', { className: 'with-params', rules: [rule('a.example.com', path('/', 'svc'))] });
    const cls = albClass('with-params', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc], ingressClasses: [cls], ingressClassParams: [params] }), FACTS, CONFIG);
    assert.deepEqual(summary(r.issues), [
      ['a', 'IngressClassParams(p).spec.certificateArn', 'AwsLimitExceeded'],
      ['a', 'IngressClassParams(p).spec.prefixListsIDs', 'AwsLimitExceeded'],
    ]);
  });
});

describe('AWS limits: one rule, one action, one target group', () => {
  it('condition values: host + Prefix path (2 values) + 3 more hosts from conditions.<svc> is 6, one too many', () => {
    const conditions = JSON.stringify([{ field: 'host-header', hostHeaderConfig: { values: ['b.example.com', 'c.example.com', 'd.example.com'] } }]);
    const ing = ingress('a', { annotations: { [A('conditions.svc')]: conditions }, rules: [rule('a.example.com', path('/x', 'svc'))] });
    const r = build([ing]);
    const i = one(r.issues);
    assert.deepEqual(summary([i]), [['a', A('conditions.svc'), 'AwsLimitExceeded']]);
    assert.match(i.reason, /^spec\.rules\[0\]\.http\.paths\[0\]: the rule has condition values: host-header 4, path-pattern 2, in all 6; ALB rule condition values: at most 5 per rule \(AWS limit\)$/);
  });

  it('wildcards: at most 5 * and ? in one rule', () => {
    const r = build([ingress('a', { rules: [rule('*.example.com', path('/a*/b*/c*/d*/e*', 'svc', 80, 'ImplementationSpecific'))] })]);
    assert.deepEqual(summary(r.issues), [['a', 'spec.rules[0].http.paths[0]', 'AwsLimitExceeded']]);
    assert.match(one(r.issues).reason, /wildcards: 6; ALB rule condition wildcards \(\* and \?\): at most 5 per rule/);
  });

  it('a rule takes one source-ip condition, not two', () => {
    assert.equal(ruleConditionsProblem([
      { field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } }, { field: 'source-ip', sourceIpConfig: { values: ['192.168.0.0/16'] } },
    ]), 'the rule has more than one source-ip condition; a rule takes at most one (AWS limit)');
    assert.equal(ruleConditionsProblem([
      { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'a', values: ['1'] } }, { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'b', values: ['2'] } },
    ]), undefined);
  });

  it('a forward action naming the same target group twice is refused', () => {
    const action = JSON.stringify({ type: 'forward', forwardConfig: { targetGroups: [{ serviceName: 'svc', servicePort: 80, weight: 1 }, { serviceName: 'svc', servicePort: 80, weight: 2 }] } });
    const ing = ingress('a', { annotations: { [A('actions.split')]: action }, rules: [rule('a.example.com', path('/', 'split', 'use-annotation'))] });
    const r = build([ing]);
    assert.deepEqual(summary(r.issues), [['a', A('actions.split'), 'InvalidAnnotation']]);
    assert.match(one(r.issues).reason, /names the target group of backend default\/a-svc:80 twice; AWS takes each target group once per action/);
  });

  it('a Service whose nodePort (instance) or targetPort (ip) is no port is refused, naming the Service', () => {
    const plan = (spec: object, annotations: Record<string, string> = {}) => buildStacks(snapshot({
      ingresses: [ingress('a', { annotations, rules: [rule('a.example.com', path('/', 'svc'))] })], services: [{ ...service('svc'), spec }],
    }), FACTS, CONFIG);
    const instance = plan({ type: 'NodePort', ports: [{ port: 80, nodePort: -1, targetPort: 8080 }] });
    assert.deepEqual(summary(instance.issues), [['a', 'spec.rules[0].http.paths[0].backend', 'InvalidService']]);
    assert.match(one(instance.issues).reason, /Service default\/svc port 80 has nodePort -1; a target group port must be in \[1, 65535\]/);
    const ip = plan({ type: 'ClusterIP', ports: [{ port: 80, targetPort: 70000 }] }, { [A('target-type')]: 'ip' });
    assert.match(one(ip.issues).reason, /has targetPort 70000/);
  });

  it('a target group with more than 50 tags (Service tags, default tags and the controller\'s) is refused', () => {
    const tagged = service('svc', { annotations: { [A('tags')]: Array.from({ length: 48 }, (_, i) => `k${i}=v`).join(',') } });
    const r = buildStacks(snapshot({ ingresses: [ingress('a', { rules: [rule('a.example.com', path('/', 'svc'))] })], services: [tagged] }), FACTS, CONFIG);
    assert.deepEqual(summary(r.issues), [['a', A('tags'), 'AwsLimitExceeded']]);
    assert.match(one(r.issues).reason, /the target group of Service default\/svc port 80 would carry tags: 51/);
  });
});

describe('AWS formats: Ingress hosts and paths', () => {
  const cases: [string, string | undefined, string, string, RegExp][] = [
    ['a host without a dot', 'localhost', '/', 'spec.rules[0].host', /ALB host-header: expected a host name with at least one "\." and only letters after the last "\.", got "localhost"/],
    ['a host that is an IP address', '10.0.0.1', '/', 'spec.rules[0].host', /only letters after the last "\."/],
    ['a path with a space', 'a.example.com', '/a b', 'spec.rules[0].http.paths[0].path', /ALB path-pattern "\/a b": expected a path of letters, digits/],
    ['a Prefix path whose "/*" pattern is 129 characters', 'a.example.com', `/${'p'.repeat(126)}`, 'spec.rules[0].http.paths[0].path',
      /ALB path-pattern "\/p+\.\.\." \(made from this path\): is 129 characters long; at most 128 are allowed/],
  ];
  for (const [what, host, p, field, reason] of cases) {
    it(`refuses ${what}`, () => {
      const r = build([ingress('a', { rules: [rule(host, path(p, 'svc'))] })]);
      assert.deepEqual(r.issues.map((i) => [i.field, i.code === 'InvalidHost' || i.code === 'InvalidPath']), [[field, true]]);
      assert.match(one(r.issues).reason, reason);
    });
  }
});
