// The corpus's independent checker must itself catch what AWS refuses; a checker that never fires proves nothing.
import assert from 'node:assert/strict';
import { awsRuleViolations, DEFAULT_ACCOUNT } from './aws-rules.ts';

const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const LB = { name: 'k8s-ok-1234567890', scheme: 'internal', subnets: ['subnet-a', 'subnet-b'], attributes: {}, tags: { team: 'a' } };
const TG = {
  name: 'k8s-ns-svc-0123456789', port: 30080, protocol: 'HTTP', protocolVersion: 'HTTP1', targetType: 'instance', attributes: {}, tags: {},
  healthCheck: { enabled: true, port: 'traffic-port', protocol: 'HTTP', path: '/', intervalSeconds: 15, timeoutSeconds: 5, healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: { httpCode: '200' } },
};
const forward = (...ids: string[]) => [{ type: 'forward', forwardConfig: { targetGroups: ids.map((id) => ({ targetGroupArn: { $ref: { kind: 'TargetGroup', id }, field: 'arn' } })) } }];
const listener = (port: number, extra: object = {}) => ({ loadBalancer: 'lb', port, protocol: 'HTTP', certificates: [], defaultActions: forward('tg'), tags: {}, ...extra });
const rule = (priority: number, extra: object = {}) => ({
  listener: { $ref: { kind: 'Listener', id: '80' }, field: 'arn' }, priority, conditions: [{ field: 'path-pattern', pathPatternConfig: { values: [`/p${priority}`] } }],
  actions: forward('tg'), tags: {}, ...extra,
});
const doc = (resources: [kind: string, spec: object][]) => ({
  plans: [{ stackId: 's', changes: resources.map(([kind, after], i) => ({ action: 'create', kind, id: kind === 'TargetGroup' ? 'tg' : `${kind}-${i}`, after })) }],
});
const ok: [string, object][] = [['LoadBalancer', LB], ['TargetGroup', TG], ['Listener', listener(80)]];

describe('the corpus\'s AWS-rule checker', () => {
  it('passes a plan AWS takes', () => {
    assert.deepEqual(awsRuleViolations(doc([...ok, ['ListenerRule', rule(1)]])), []);
  });

  const cases: [string, [string, object][], RegExp][] = [
    ['101 rules', times(101, (i): [string, object] => ['ListenerRule', rule(i + 1)]), /101 listener rules, quota 100/],
    ['51 listeners', times(50, (i): [string, object] => ['Listener', listener(8000 + i)]), /51 listeners, quota 50/],
    ['6 condition values', [['ListenerRule', rule(1, { conditions: [{ field: 'path-pattern', pathPatternConfig: { values: times(6, (i) => `/${i}`) } }] })]], /6 condition values/],
    ['6 wildcards', [['ListenerRule', rule(1, { conditions: [{ field: 'path-pattern', pathPatternConfig: { values: ['/a*b*c*', '/d*e*f*'] } }] })]], /6 wildcards/],
    ['two source-ip conditions', [['ListenerRule', rule(1, { conditions: [
      { field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } }, { field: 'source-ip', sourceIpConfig: { values: ['10.1.0.0/16'] } }] })]], /2 source-ip conditions/],
    ['a host without a dot', [['ListenerRule', rule(1, { conditions: [{ field: 'host-header', hostHeaderConfig: { values: ['localhost'] } }] })]], /host-header "localhost"/],
    ['a path with a space', [['ListenerRule', rule(1, { conditions: [{ field: 'path-pattern', pathPatternConfig: { values: ['/a b'] } }] })]], /path-pattern "\/a b"/],
    ['a target group twice in a forward', [['ListenerRule', rule(1, { actions: forward('tg', 'tg') })]], /a target group twice/],
    ['26 extra certificates', [['Listener', listener(443, { protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-2016-08',
      certificates: times(27, (i) => `arn:aws:acm:us-west-2:1:certificate/${i}`) })]], /26 certificates besides the defaults/],
    ['a custom SSL policy', [['Listener', listener(443, { protocol: 'HTTPS', sslPolicy: 'mine', certificates: ['arn:aws:acm:us-west-2:1:certificate/x'] })]], /no predefined policy/],
    ['51 tags', [['LoadBalancer', { ...LB, tags: Object.fromEntries(times(51, (i) => [`k${i}`, 'v'])) }]], /51 tags/],
    ['a tag value with a comma', [['LoadBalancer', { ...LB, tags: { team: 'a,b' } }]], /tag value of "team"/],
    ['a control character in a tag', [['TargetGroup', { ...TG, tags: { a: 'x\u0001' } }]], /tag value of "a"/],
    ['idle_timeout.timeout_seconds=abc', [['LoadBalancer', { ...LB, attributes: { 'idle_timeout.timeout_seconds': 'abc' } }]], /attribute idle_timeout.timeout_seconds="abc"/],
    ['an unknown attribute', [['LoadBalancer', { ...LB, attributes: { 'idle.timeout': '1' } }]], /attribute idle.timeout is not one AWS lists/],
    ['deregistration delay 3601', [['TargetGroup', { ...TG, attributes: { 'deregistration_delay.timeout_seconds': '3601' } }]], /deregistration_delay/],
    ['a target group port -1', [['TargetGroup', { ...TG, port: -1 }]], /port -1/],
    ['61 IPv4 inbound rules', [['SecurityGroup', { groupName: 'g', description: 'd', tags: {},
      ingress: times(61, (i) => ({ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: `10.${i}.0.0/16` })) }]], /61 IPv4 and 0 IPv6 inbound rules/],
    ['a bad CIDR', [['SecurityGroup', { groupName: 'g', description: 'd', tags: {}, ingress: [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '10.0.0.0/33' }] }]], /no IPv4 CIDR/],
  ];
  for (const [what, resources, found] of cases) {
    it(`finds ${what}`, () => {
      const v = awsRuleViolations(doc([...ok, ...resources]));
      assert.ok(v.some((x) => found.test(x)), v.join('\n') || '(nothing found)');
    });
  }

  it('101 target groups on one ALB, its own and those named by ARN', () => {
    const arns = times(100, (i) => ({ targetGroupArn: `arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/t${i}/x` }));
    const action = [{ type: 'forward', forwardConfig: { targetGroups: arns.slice(0, 5) } }];
    const rules = times(20, (i): [string, object] => ['ListenerRule', rule(i + 1, { actions: [{ type: 'forward', forwardConfig: { targetGroups: arns.slice(5 * i, 5 * i + 5) } }] })]);
    assert.ok(awsRuleViolations(doc([...ok, ['ListenerRule', rule(99, { actions: action })], ...rules])).some((x) => /101 target groups/.test(x)));
  });

  it('takes the raised quotas it is given', () => {
    const many = times(101, (i): [string, object] => ['ListenerRule', rule(i + 1)]);
    assert.deepEqual(awsRuleViolations(doc([...ok, ...many]), { ...DEFAULT_ACCOUNT, rules: 150 }), []);
  });
});
