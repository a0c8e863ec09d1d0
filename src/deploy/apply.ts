// Apply: run a Plan's changes, in the plan's order, and nothing else. The only writer to AWS.
//
// - Refuses a plan that still holds Unknowns.
// - Resolves Refs from the ARNs of matched resources (change.arn) and from creates as they return.
// - Creates carry the ownership tags in the create call itself; a create that finds a same-named
//   resource left by a crashed apply adopts it only if it carries this cluster's and stack's tags.
// - Updates and deletes of load balancers, target groups and security groups re-check the cluster tag
//   of the observed spec and refuse anything else.
// - Replacements of target groups and security groups are create-before-destroy: the old resource is
//   deleted after every other change, once nothing points at it.
// - Stops at the first failing change and reports it; a later reconcile re-observes and converges.
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ResourceKind } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange, ApplyDeps, ApplyFailure, ApplyLogger, ApplyPlan, ApplyResult } from './apply-types.ts';
import type { ApplyContext } from './apply-context.ts';
import { keyOf } from './apply-context.ts';
import { awsErrorCode, findUnknowns, resolveTiming } from './apply-support.ts';
import { applyLoadBalancer } from './apply-load-balancer.ts';
import { applyTargetGroup } from './apply-target-group.ts';
import { applyListener } from './apply-listener.ts';
import { RulePriorityBook, applyListenerRule, seedRulePriorities } from './apply-listener-rule.ts';
import { applySecurityGroup } from './apply-security-group.ts';
import { applyBinding } from './apply-binding.ts';

export * from './apply-types.ts';

const APPLIERS: Record<ResourceKind, (c: ApplyChange, ctx: ApplyContext) => Promise<void>> = {
  LoadBalancer: applyLoadBalancer,
  TargetGroup: applyTargetGroup,
  Listener: applyListener,
  ListenerRule: applyListenerRule,
  SecurityGroup: applySecurityGroup,
  TargetGroupBinding: applyBinding,
};

const silent: ApplyLogger = { info: () => undefined, warn: () => undefined };

export async function applyPlan(plan: ApplyPlan, deps: ApplyDeps): Promise<ApplyResult> {
  assertApplyable(plan);
  const ctx: ApplyContext = {
    elbv2: deps.elbv2,
    ec2: deps.ec2,
    clusterName: deps.clusterName,
    externalManagedTags: deps.externalManagedTags ?? [],
    stackId: plan.stackId,
    kube: deps.kube,
    log: deps.logger ?? silent,
    timing: resolveTiming(deps.timing),
    resources: new Map(),
    rules: new RulePriorityBook(),
    deferred: [],
    warnings: [],
    ...(deps.oidcClients ? { oidcClients: deps.oidcClients } : {}),
    ...(deps.addons ? { addons: deps.addons } : {}),
    ...(deps.shieldOnDelete ? { shieldOnDelete: true } : {}),
    ...(deps.onTargetGroupCreated ? { onTargetGroupCreated: deps.onTargetGroupCreated } : {}),
  };
  seedExisting(ctx, plan, deps);
  seedRulePriorities(ctx.rules, plan.changes);

  let applied = 0;
  const fail = (resource: string, action: ApplyChange['action'], err: unknown): ApplyResult => {
    ctx.log.warn('apply stopped', { resource, action, error: err instanceof Error ? err.message : String(err) });
    return { ...summary(ctx), applied, errors: [toFailure(resource, action, err)] };
  };

  for (const [index, change] of plan.changes.entries()) {
    if (deps.signal?.aborted) throw new ApplyError('Aborted', `apply aborted before change ${index + 1} of ${plan.changes.length}`);
    const applier = APPLIERS[change.kind];
    try {
      if (!applier) throw new ApplyError('InvalidChange', `${keyOf(change)}: apply does not know kind ${change.kind}`);
      if (change.action !== 'noop') ctx.log.info(`${change.action}${change.phase ? ` (${change.phase})` : ''} ${keyOf(change)}`, { reason: change.reason });
      await applier(change.action === 'replace' && change.phase ? { ...change, action: change.phase } : change, ctx);
    } catch (err) {
      return fail(keyOf(change), change.action, err);
    }
    if (change.action !== 'noop') applied++;
    deps.onChangeApplied?.(change, index);
  }
  for (const d of ctx.deferred) {
    try {
      await d.run();
    } catch (err) {
      return fail(d.resource, 'replace', err);
    }
  }
  const result = summary(ctx);
  const dnsName = result.dnsName ?? await describeDnsName(ctx, LB_KEY);
  const frontendNlbDnsName = result.frontendNlbDnsName ?? await describeDnsName(ctx, FRONTEND_NLB_KEY);
  return { ...result, ...(dnsName ? { dnsName } : {}), ...(frontendNlbDnsName ? { frontendNlbDnsName } : {}), applied };
}

/** Throws unless every value in the plan is known. */
export function assertApplyable(plan: ApplyPlan): void {
  const unknowns = [...new Set(plan.changes.flatMap((c) => findUnknowns(c.after)))];
  if (!plan.complete || unknowns.length) {
    const what = unknowns.length ? `: ${unknowns.join(', ')}` : '';
    throw new ApplyError('IncompletePlan', `plan for stack ${plan.stackId} is incomplete (values known only after discovery${what}); run it with discovery before applying`);
  }
}

function seedExisting(ctx: ApplyContext, plan: ApplyPlan, deps: ApplyDeps): void {
  for (const c of plan.changes) {
    // a replaced resource answers Refs only once its new half exists
    if (!c.arn || c.action === 'create' || c.action === 'replace') continue;
    const dnsName = c.kind === 'LoadBalancer' ? deps.observed?.loadBalancers.find((lb) => lb.arn === c.arn)?.dnsName?.toLowerCase() : undefined;
    ctx.resources.set(keyOf(c), { arn: c.arn, ...(c.kind === 'SecurityGroup' ? { groupId: c.arn } : {}), ...(dnsName ? { dnsName } : {}) });
  }
}

// the stack's own load balancer (an ALB, or a Service's NLB) and an Ingress stack's frontend NLB
const LB_KEY = 'LoadBalancer/LoadBalancer';
const FRONTEND_NLB_KEY = 'LoadBalancer/FrontendNlb';

function summary(ctx: ApplyContext): { arns: Map<string, string>; dnsName?: string; frontendNlbDnsName?: string; warnings?: readonly string[] } {
  const arns = new Map([...ctx.resources].map(([k, r]) => [k, r.arn]));
  const dnsName = ctx.resources.get(LB_KEY)?.dnsName;
  const frontend = ctx.resources.get(FRONTEND_NLB_KEY)?.dnsName;
  return {
    arns, ...(dnsName ? { dnsName } : {}), ...(frontend ? { frontendNlbDnsName: frontend } : {}),
    ...(ctx.warnings.length ? { warnings: [...ctx.warnings] } : {}),
  };
}

/** A load balancer whose DNS name neither the observed state nor a create supplied: one read. */
async function describeDnsName(ctx: ApplyContext, key: string): Promise<string | undefined> {
  const lb = ctx.resources.get(key);
  if (!lb) return undefined;
  const out = await ctx.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.arn] }));
  return out.LoadBalancers?.[0]?.DNSName?.toLowerCase();
}

function toFailure(resource: string, action: ApplyChange['action'], err: unknown): ApplyFailure {
  const code = err instanceof ApplyError ? err.code : awsErrorCode(err) ?? 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return { resource, action, code, message, cause: err };
}
