// Hand-made stacks, and observed state made from a stack the way AWS (and the upstream controller) would
// report it: ARNs, every attribute with AWS defaults, forward weights and stickiness filled in.
import { createHash } from 'node:crypto';
import {
  isRef, isUnknown, ref, stackTags, type Action, type ListenerRuleSpec, type ObservedState, type Ref, type Resource, type Stack,
} from '../../../src/model/index.ts';
import type { ObservedBinding } from '../../../src/plan/index.ts';

export const CLUSTER = 'demo';
export const STACK_ID = 'default/shop';

const h = (s: string, n: number): string => createHash('sha256').update(s).digest('hex').slice(0, n);
const tags = (id: string, extra: Record<string, string> = {}): Record<string, string> => ({ ...stackTags(CLUSTER, STACK_ID, id), ...extra });

export const forward = (tgId: string): Action => ({ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: ref('TargetGroup', tgId) }] } });
export const fixed404: Action = { type: 'fixed-response', fixedResponseConfig: { statusCode: '404', contentType: 'text/plain' } };

export function rule(port: number, priority: number, host: string, path: string, action: Action): Resource {
  const spec: ListenerRuleSpec = {
    listener: ref('Listener', String(port)),
    priority,
    conditions: [
      { field: 'host-header', hostHeaderConfig: { values: [host] } },
      { field: 'path-pattern', pathPatternConfig: { values: [path] } },
    ],
    actions: [action],
    tags: tags(`${port}:${priority}`),
  };
  return { kind: 'ListenerRule', id: `${port}:${priority}`, spec };
}

export function targetGroup(id: string, port: number, name = `k8s-default-${h(id, 8)}-${h(id, 10)}`): Resource {
  return {
    kind: 'TargetGroup', id,
    spec: {
      name, targetType: 'instance', port, protocol: 'HTTP', protocolVersion: 'HTTP1', ipAddressType: 'ipv4', vpcId: 'vpc-0001',
      healthCheck: {
        enabled: true, port: 'traffic-port', protocol: 'HTTP', path: '/', intervalSeconds: 15, timeoutSeconds: 5,
        healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: { httpCode: '200' },
      },
      attributes: {},
      tags: tags(id),
    },
  };
}

export function binding(tgId: string, tgName: string, service: string): Resource {
  return {
    kind: 'TargetGroupBinding', id: tgId,
    spec: {
      name: tgName, namespace: 'default', labels: { 'ingress.k8s.aws/stack-namespace': 'default', 'ingress.k8s.aws/stack-name': 'shop' },
      targetGroupARN: ref('TargetGroup', tgId), targetType: 'instance', serviceRef: { name: service, port: 80 }, ipAddressType: 'ipv4',
    },
  };
}

export const TG_API = 'default/shop-api:80';
export const TG_WEB = 'default/shop-web:80';

/** SG, two TGs, LB, listener 80 with a 404 default, two rules, two bindings: every value known */
export function shopStack(overrides: { resources?: (rs: Resource[]) => Resource[] } = {}): Stack {
  const resources: Resource[] = [
    {
      kind: 'SecurityGroup', id: 'ManagedLBSecurityGroup',
      spec: {
        groupName: 'k8s-default-shop-0123456789', description: '[k8s] Managed SecurityGroup for LoadBalancer', vpcId: 'vpc-0001',
        ingress: [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }], tags: tags('ManagedLBSecurityGroup'),
      },
    },
    {
      kind: 'LoadBalancer', id: 'LoadBalancer',
      spec: {
        name: 'k8s-default-shop-9876543210', type: 'application', scheme: 'internal', ipAddressType: 'ipv4',
        subnets: ['subnet-a', 'subnet-b'], securityGroups: [ref('SecurityGroup', 'ManagedLBSecurityGroup', 'groupId')],
        attributes: {}, tags: tags('LoadBalancer'),
      },
    },
    {
      kind: 'Listener', id: '80',
      spec: { loadBalancer: ref('LoadBalancer', 'LoadBalancer'), port: 80, protocol: 'HTTP', certificates: [], defaultActions: [fixed404], tags: tags('80') },
    },
    rule(80, 1, 'api.example.com', '/*', forward(TG_API)),
    rule(80, 2, 'shop.example.com', '/*', forward(TG_WEB)),
    targetGroup(TG_API, 30081),
    targetGroup(TG_WEB, 30082),
    binding(TG_API, 'k8s-default-api', 'api'),
    binding(TG_WEB, 'k8s-default-web', 'web'),
  ];
  return { id: STACK_ID, members: ['default/shop'], resources: overrides.resources ? overrides.resources(resources) : resources };
}

const REGION_ACCOUNT = 'us-west-2:123456789012';

const LB_DEFAULT_ATTRIBUTES = {
  'access_logs.s3.enabled': 'false', 'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '60',
  'routing.http2.enabled': 'true', 'routing.http.drop_invalid_header_fields.enabled': 'false',
};
const TG_DEFAULT_ATTRIBUTES = {
  'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false', 'stickiness.type': 'lb_cookie',
  'load_balancing.algorithm.type': 'round_robin', 'slow_start.duration_seconds': '0',
};

/** what AWS reports back for an action: weight 1, stickiness off, redirect defaults */
function asAwsReports(a: Action): Action {
  if (a.type === 'forward') {
    return { type: 'forward', forwardConfig: { targetGroups: a.forwardConfig.targetGroups.map((t) => ({ targetGroupArn: t.targetGroupArn, weight: t.weight ?? 1 })), targetGroupStickinessConfig: { enabled: false } } };
  }
  if (a.type === 'redirect') return { type: 'redirect', redirectConfig: { protocol: '#{protocol}', port: '#{port}', host: '#{host}', path: '/#{path}', query: '#{query}', ...a.redirectConfig } };
  return a;
}

function resolveDeep(v: unknown, arns: Map<string, Record<string, string>>): unknown {
  if (isRef(v)) {
    const r = v as Ref;
    const got = arns.get(`${r.$ref.kind}/${r.$ref.id}`)?.[r.field];
    if (got === undefined) throw new Error(`unresolvable ref ${JSON.stringify(r)}`);
    return got;
  }
  if (isUnknown(v)) throw new Error(`observedFromStack needs a stack without Unknowns: ${JSON.stringify(v)}`);
  if (Array.isArray(v)) return v.map((x) => resolveDeep(x, arns));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveDeep(x, arns)]));
  return v;
}

export interface Observed {
  readonly state: ObservedState;
  readonly bindings: ObservedBinding[];
  /** ARN (or group ID) of each resource, by "Kind/id" */
  readonly arns: Map<string, Record<string, string>>;
}

/** the state AWS would hold after applying `stack`, tagged and named as the upstream controller does */
export function observedFromStack(stack: Stack, extraTags: Record<string, string> = {}): Observed {
  const arns = new Map<string, Record<string, string>>();
  const lb = stack.resources.find((r) => r.kind === 'LoadBalancer');
  const lbName = lb?.kind === 'LoadBalancer' ? lb.spec.name : 'none';
  const lbPath = `app/${lbName}/${h(stack.id + 'lb', 16)}`;
  for (const r of stack.resources) {
    const key = `${r.kind}/${r.id}`;
    const hash = h(stack.id + key, 16);
    if (r.kind === 'SecurityGroup') arns.set(key, { arn: `sg-${hash}`, groupId: `sg-${hash}` });
    if (r.kind === 'LoadBalancer') arns.set(key, { arn: `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:loadbalancer/${lbPath}`, dnsName: `internal-${lbName}.elb.amazonaws.com` });
    if (r.kind === 'TargetGroup') arns.set(key, { arn: `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:targetgroup/${r.spec.name}/${hash}` });
    if (r.kind === 'Listener') arns.set(key, { arn: `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:listener/${lbPath}/${hash}` });
    if (r.kind === 'ListenerRule') arns.set(key, { arn: `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:listener-rule/${lbPath}/${hash}` });
  }
  const state: { -readonly [K in keyof ObservedState]: unknown[] } = { loadBalancers: [], listeners: [], rules: [], targetGroups: [], securityGroups: [] };
  const bindings: ObservedBinding[] = [];
  for (const r of stack.resources) {
    const own = arns.get(`${r.kind}/${r.id}`) ?? {};
    const allTags = 'tags' in r.spec ? { ...r.spec.tags, ...extraTags } : {};
    switch (r.kind) {
      case 'SecurityGroup':
        state.securityGroups.push({ arn: own.arn, groupId: own.groupId, tags: allTags, spec: resolveDeep(r.spec, arns) });
        break;
      case 'LoadBalancer':
        state.loadBalancers.push({ arn: own.arn, dnsName: own.dnsName, tags: allTags, attributes: { ...LB_DEFAULT_ATTRIBUTES, ...r.spec.attributes }, spec: resolveDeep(r.spec, arns) });
        break;
      case 'TargetGroup':
        state.targetGroups.push({ arn: own.arn, tags: allTags, attributes: { ...TG_DEFAULT_ATTRIBUTES, ...r.spec.attributes }, spec: resolveDeep(r.spec, arns) });
        break;
      case 'Listener': {
        const spec = resolveDeep({ ...r.spec, defaultActions: r.spec.defaultActions.map(asAwsReports) }, arns) as { loadBalancer: string };
        state.listeners.push({ arn: own.arn, loadBalancerArn: spec.loadBalancer, tags: allTags, spec });
        break;
      }
      case 'ListenerRule': {
        const spec = resolveDeep({ ...r.spec, actions: r.spec.actions.map(asAwsReports) }, arns) as { listener: string };
        state.rules.push({ arn: own.arn, listenerArn: spec.listener, tags: allTags, spec });
        break;
      }
      case 'TargetGroupBinding':
        bindings.push({ namespace: r.spec.namespace, name: r.spec.name, spec: resolveDeep(r.spec, arns) as ObservedBinding['spec'] });
        break;
    }
  }
  return { state: state as unknown as ObservedState, bindings, arns };
}

export const arnOf = (o: Observed, key: string): string => {
  const a = o.arns.get(key)?.arn;
  if (!a) throw new Error(`no arn for ${key}`);
  return a;
};

/** replace one resource of a stack (by kind and id) */
export function withResource(stack: Stack, kind: Resource['kind'], id: string, edit: (r: Resource) => Resource | undefined): Stack {
  const resources = stack.resources.flatMap((r) => (r.kind === kind && r.id === id ? (edit(r) ? [edit(r) as Resource] : []) : [r]));
  return { ...stack, resources };
}
