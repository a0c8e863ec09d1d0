// Specs and plan pieces shared by the apply unit tests.
import type { HealthCheck, ListenerRuleSpec, ListenerSpec, LoadBalancerSpec, SecurityGroupSpec, TargetGroupBindingSpec, TargetGroupSpec } from '../../../src/model/index.ts';
import { ref, stackTags } from '../../../src/model/index.ts';
import type { ApplyChange, ApplyPlan, BindingWriter, ResolvedBindingSpec } from '../../../src/deploy/apply.ts';

export const CLUSTER = 'unit-cluster';
export const STACK = 'shop/web';
export const tagsFor = (id: string, extra: Record<string, string> = {}): Record<string, string> => ({ ...stackTags(CLUSTER, STACK, id), ...extra });

export const healthCheck: HealthCheck = {
  enabled: true, port: 'traffic-port', protocol: 'HTTP', path: '/healthz', intervalSeconds: 15, timeoutSeconds: 5,
  healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: { httpCode: '200-399' },
};

export const sgSpec = (over: Partial<SecurityGroupSpec> = {}): SecurityGroupSpec => ({
  groupName: 'k8s-shop-web-abc1234567', description: '[k8s] Managed SecurityGroup for LoadBalancer', vpcId: 'vpc-1',
  ingress: [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }],
  tags: tagsFor('ManagedLBSecurityGroup'), ...over,
});

export const tgSpec = (over: Partial<TargetGroupSpec> = {}): TargetGroupSpec => ({
  name: 'k8s-shop-web-0123456789', targetType: 'ip', port: 8080, protocol: 'HTTP', protocolVersion: 'HTTP1', ipAddressType: 'ipv4',
  vpcId: 'vpc-1', healthCheck, attributes: {}, tags: tagsFor('shop/web-web:80'), ...over,
});

export const lbSpec = (over: Partial<LoadBalancerSpec> = {}): LoadBalancerSpec => ({
  name: 'k8s-shop-web-9876543210', type: 'application', scheme: 'internet-facing', ipAddressType: 'ipv4',
  subnets: ['subnet-a', 'subnet-b'], securityGroups: [ref('SecurityGroup', 'ManagedLBSecurityGroup', 'groupId')],
  attributes: {}, tags: tagsFor('LoadBalancer'), ...over,
});

export const forwardTo = (tg: ReturnType<typeof ref> | string) => ({ type: 'forward' as const, forwardConfig: { targetGroups: [{ targetGroupArn: tg }] } });

export const listenerSpec = (over: Partial<ListenerSpec> = {}): ListenerSpec => ({
  loadBalancer: ref('LoadBalancer', 'LoadBalancer'), port: 80, protocol: 'HTTP', certificates: [],
  defaultActions: [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '404', contentType: 'text/plain' } }],
  tags: tagsFor('80'), ...over,
});

export const ruleSpec = (over: Partial<ListenerRuleSpec> = {}): ListenerRuleSpec => ({
  listener: ref('Listener', '80'), priority: 1,
  conditions: [{ field: 'path-pattern', pathPatternConfig: { values: ['/api/*'] } }],
  actions: [forwardTo(ref('TargetGroup', 'shop/web-web:80'))], tags: tagsFor('80:1'), ...over,
});

export const bindingSpec = (): TargetGroupBindingSpec => ({
  name: 'k8s-shop-web-0123456789', namespace: 'shop', labels: { 'ingress.k8s.aws/stack-namespace': 'shop' },
  targetGroupARN: ref('TargetGroup', 'shop/web-web:80'), targetType: 'ip', serviceRef: { name: 'web', port: 80 }, ipAddressType: 'ipv4',
});

export const plan = (changes: ApplyChange[], complete = true): ApplyPlan => ({ formatVersion: '1', stackId: STACK, changes, complete });

export const create = (kind: ApplyChange['kind'], id: string, after: unknown): ApplyChange => ({ action: 'create', kind, id, after, reason: 'test' });

export class FakeBindings implements BindingWriter {
  readonly upserts: ResolvedBindingSpec[] = [];
  readonly deletes: string[] = [];
  async upsert(spec: ResolvedBindingSpec): Promise<void> { this.upserts.push(spec); }
  async delete(namespace: string, name: string): Promise<void> { this.deletes.push(`${namespace}/${name}`); }
}

export const ARN = {
  lb: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-shop-web-9876543210/50dc6c495c0c9188',
  tg: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/k8s-shop-web-0123456789/73e2d6bc24d8a067',
  listener: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/k8s-shop-web-9876543210/50dc6c495c0c9188/f2f7dc8efc522ab2',
  rule: (n: number) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/k8s-shop-web-9876543210/50dc6c495c0c9188/f2f7dc8efc522ab2/${String(n).padStart(16, '0')}`,
  sg: 'sg-0123456789abcdef0',
};

/** Timing for retry tests: no real waiting, a clock that advances with each sleep. */
export function fastTiming(budgetMs = 1_000): { targetGroupDeleteTimeoutMs: number; securityGroupDeleteTimeoutMs: number; sleep: (ms: number) => Promise<void>; now: () => number; slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    targetGroupDeleteTimeoutMs: budgetMs, securityGroupDeleteTimeoutMs: budgetMs, slept,
    sleep: async (ms) => { slept.push(ms); t += ms; },
    now: () => t,
  };
}
