// Snapshot + discovered facts → one Stack per IngressGroup. Pure: no I/O, no clock, no exceptions for user input.
import {
  type ArnOrRef, type DiscoveredFacts, type Issue, type Known, type Note, type Resource, type Stack, type Steps, type TargetGroup,
  type TargetGroupBinding, type TargetGroupBindingSpec, runSteps,
} from '../model/index.ts';
import { DEFAULTS, PREFIX } from './annotations/index.ts';
import { groupLimitIssues } from './aws-limits.ts';
import { buildFrontendNlb } from './build-frontend-nlb.ts';
import { buildListenersSteps, resolveMutualAuthentication } from './build-listeners.ts';
import {
  buildLoadBalancer, buildManagedSecurityGroup, loadBalancerAddons, loadBalancerSecurityGroups, resolveSecurityGroups, resolveWebAcl,
} from './build-load-balancer.ts';
import { type MemberContribution, compileMember } from './build-member.ts';
import type { TargetGroupPlan } from './build-target-groups.ts';
import { type BuildContext, type Sink, indexServices, withDefaultTags } from './context.ts';
import { type IngressGroup, groupMembersSteps } from './group.ts';
import { addMember, conflictsOf, emptyState, type GroupState, validateGroup } from './merge.ts';
import { normalizeSnapshot, normalizeSnapshotSteps } from './normalize.ts';
import type { BuildConfig, BuildResult, Contest, DeployedLoadBalancers, GroupOutcome, Snapshot } from './snapshot.ts';
import { append, compareStrings, dedupe, gateOn, issue } from './snapshot.ts';
import { MIN_AZS, resolveSubnets } from './subnets.ts';
import { compareSeniority, firstBecause, pinnedGroups, refusedUses, type Seniority, seniorityOf } from './tenancy.ts';

/** `deployed`: each stack's load balancer DNS name as AWS reports it, to tell members deployed already (ADR 6). */
export const buildStacks = (snapshot: Snapshot, facts: DiscoveredFacts, config: BuildConfig, deployed: DeployedLoadBalancers = new Map()): BuildResult =>
  runSteps(buildStacksSteps(snapshot, facts, config, deployed));

/** `buildStacks` as steps (src/model/steps.ts): one per Ingress grouped, per member compiled and merged */
export function* buildStacksSteps(rawSnapshot: Snapshot, facts: DiscoveredFacts, config: BuildConfig, deployed: DeployedLoadBalancers = new Map()): Steps<BuildResult> {
  const snapshot = yield* normalizeSnapshotSteps(rawSnapshot);
  const grouping = yield* groupMembersSteps(snapshot, config);
  const services = indexServices(snapshot.services);
  const stacks: Stack[] = [];
  const issues: Issue[] = [];
  const notes: Note[] = [];
  const groups: GroupOutcome[] = [];
  for (const m of grouping.ungrouped) append(issues, m.issues);
  for (const g of grouping.groups) {
    const dns = deployed.get(g.key);
    const ctx: BuildContext = { config, facts, snapshot, group: g.id, stackId: g.key, services, ...(dns !== undefined ? { loadBalancerDnsName: dns } : {}) };
    const r = yield* buildGroupSteps(ctx, g);
    append(issues, r.issues);
    append(notes, r.notes);
    if (r.stack) stacks.push(r.stack);
    groups.push(r.outcome);
  }
  return { stacks, issues: dedupe(issues), notes: dedupe(notes), groups };
}

interface GroupBuild {
  readonly stack?: Stack;
  readonly issues: Issue[];
  readonly notes: Note[];
  readonly outcome: GroupOutcome;
}

/** Builds one group's stack; members with Issues are left out, the rest are planned. */
export const buildGroup = (ctx: BuildContext, g: IngressGroup): GroupBuild => runSteps(buildGroupSteps(ctx, g));

function* buildGroupSteps(rawCtx: BuildContext, g: IngressGroup): Steps<GroupBuild> {
  const snapshot = normalizeSnapshot(rawCtx.snapshot);
  const ctx = snapshot === rawCtx.snapshot ? rawCtx : { ...rawCtx, snapshot, services: indexServices(snapshot.services) };
  const issues: Issue[] = [];
  const notes: Note[] = [];
  const contests: Contest[] = [];
  const outcome = (members: readonly string[], blocked: boolean, usesBackendSecurityGroup = false): GroupOutcome => ({
    id: g.key, explicit: g.id.explicit, finalizer: g.finalizer, members,
    excluded: excludedKeys(g, members),
    inactive: g.inactive.map((i) => `${i.metadata?.namespace || 'default'}/${i.metadata?.name ?? ''}`),
    blocked, usesBackendSecurityGroup, contests: dedupe(contests),
  });
  if (g.members.length === 0) {
    return { stack: { id: g.key, members: [], resources: [] }, issues, notes, outcome: outcome([], false) };
  }

  // 1. each member on its own, with the uses only a member deployed already may keep (ADR 6)
  const seniority = new Map<string, Seniority>(g.members.map((m) => [m.key, seniorityOf(m, g.finalizer, ctx.loadBalancerDnsName)]));
  const pinned = pinnedGroups(ctx.snapshot);
  const compiled: MemberContribution[] = [];
  for (const raw of g.members) {
    yield;
    const refused = refusedUses(raw, seniority.get(raw.key)?.deployed ?? false, ctx.config, pinned);
    const m = refused.length > 0 ? { ...raw, issues: [...raw.issues, ...refused] } : raw;
    const sink: Sink = { issues: [], notes: [] };
    const c = compileMember(ctx, m, sink);
    append(issues, sink.issues);
    append(notes, sink.notes);
    if (c) compiled.push(c);
  }

  // 2. who joins is decided in order of seniority, never by group.order: the member in the group first keeps a
  //    contested value or host. Whole-group checks (then AWS's limits on the load balancer) may reject more
  //    members, then the merge runs again without them.
  const senior = (c: MemberContribution): Seniority => seniority.get(c.member.key) ?? { key: c.member.key, deployed: false };
  const bySeniority = [...compiled].sort((a, b) => compareSeniority(senior(a), senior(b)));
  const rejected = new Set<string>();
  let state: GroupState = emptyState();
  for (let round = 0; round <= compiled.length; round++) {
    state = emptyState();
    for (const c of bySeniority) {
      yield;
      if (rejected.has(c.member.key)) continue;
      const holder = (key: string): string => {
        const first = seniority.get(key) ?? { key, deployed: false };
        return `Ingress ${key}, in group ${g.key} first (${firstBecause(first, senior(c))})`;
      };
      const conflicts = conflictsOf(state, c, holder);
      if (conflicts.length === 0) { addMember(state, c); continue; }
      for (const x of conflicts) {
        issues.push(x.issue);
        contests.push({ newcomer: c.member.key, holder: x.holder, what: x.what });
      }
      rejected.add(c.member.key);
    }
    const invalid = validateGroup(state);
    const late = invalid.size > 0 ? invalid : groupLimitIssues(ctx, state);
    if (late.size === 0) break;
    for (const [key, found] of late) { append(issues, found); rejected.add(key); }
  }
  // the stack is built from the accepted members in group order: group.order orders their rules
  const accepted = new Set(state.accepted.map((c) => c.member.key));
  state = emptyState();
  for (const c of compiled) {
    yield;
    if (accepted.has(c.member.key)) addMember(state, c);
  }
  const memberByKey = new Map(g.members.map((m) => [m.key, m]));
  for (const x of dedupe(contests)) {
    const holder = memberByKey.get(x.holder);
    if (holder) notes.push({ object: holder.ref, subject: `group ${g.key}`, message: `keeps ${x.what} against Ingress ${x.newcomer}, which is left out (it came later)` });
  }
  const members = state.accepted.map((c) => c.member.key);
  if (members.length === 0) return { issues, notes, outcome: outcome([], true) };

  // 3. group-wide facts: a failure here blocks the group (its AWS resources are left as they are)
  const blockAll = (field: string, code: string, reason: string): GroupBuild => {
    for (const c of state.accepted) issues.push(issue(c.member.ref, field, code, reason));
    return { issues, notes, outcome: outcome([], true) };
  };
  const scheme = state.scheme?.excl.value ?? ctx.config.defaultScheme;
  const subnetSource = state.subnets?.excl.value ?? { kind: 'discover' as const };
  const subnets = resolveSubnets(subnetSource, scheme, ctx.facts.subnets, {
    clusterName: ctx.config.clusterName,
    clusterTagCheck: gateOn(ctx.config, 'SubnetsClusterTagCheck'),
    minZones: gateOn(ctx.config, 'ALBSingleSubnet') ? 1 : MIN_AZS,
  });
  if (!subnets.ok) return blockAll(state.subnets?.excl.field ?? `${PREFIX}subnets`, 'SubnetsNotFound', `group ${g.key}: ${subnets.reason}`);
  let userGroups: Known<ArnOrRef>[] | undefined;
  if (state.securityGroups) {
    const sgs = resolveSecurityGroups(ctx, state.securityGroups.excl.value);
    if (!sgs.ok) return blockAll(state.securityGroups.excl.field, 'SecurityGroupNotFound', `group ${g.key}: ${sgs.reason}`);
    userGroups = sgs.groups;
  }
  const sg = loadBalancerSecurityGroups(ctx, userGroups, state.manageBackendSecurityGroupRules?.excl.value);
  if ('error' in sg) return blockAll(state.manageBackendSecurityGroupRules?.excl.field ?? `${PREFIX}security-groups`, 'BackendSecurityGroupDisabled', `group ${g.key}: ${sg.error}`);
  const managed = userGroups === undefined;
  let wafv2WebAclArn: Known<string> | undefined;
  if (state.wafv2Acl) {
    const acl = resolveWebAcl(ctx, state.wafv2Acl.excl.value);
    if (!acl.ok) return blockAll(state.wafv2Acl.excl.field, 'WebAclNotFound', `group ${g.key}: ${acl.reason}`);
    wafv2WebAclArn = acl.arn;
  }

  const mtls = resolveMutualAuthentication(ctx, state);
  if (!mtls.ok) return blockAll(mtls.failure.field, 'TrustStoreNotFound', `group ${g.key}: ${mtls.failure.reason}`);

  // 4. resources
  const userTags = withDefaultTags(ctx.config, Object.fromEntries([...state.tags.entries()].map(([k, v]) => [k, v.value])));
  const ipAddressType = state.ipAddressType?.excl.value ?? DEFAULTS.ipAddressType;
  const resources: Resource[] = [];
  if (managed) resources.push(buildManagedSecurityGroup(ctx, state, ipAddressType, userTags));
  const bare = buildLoadBalancer(ctx, state, subnets.subnets, sg.groups, userTags);
  const alb = { ...bare, spec: { ...bare.spec, ...loadBalancerAddons(state, wafv2WebAclArn) } };
  resources.push(alb);
  const built = yield* buildListenersSteps(ctx, state, userTags, mtls.byPort);
  append(resources, built.listeners);
  append(resources, built.rules);
  append(notes, built.notes);
  const frontend = buildFrontendNlb(ctx, state, alb, built.listeners, userTags);
  if ('failure' in frontend) return blockAll(frontend.failure.field, frontend.failure.code, `group ${g.key}: frontend NLB: ${frontend.failure.reason}`);
  append(resources, frontend.resources);
  append(notes, frontend.notes);
  const tgs = new Map<string, TargetGroupPlan>();
  for (const c of state.accepted) for (const tg of c.targetGroups) tgs.set(tg.id, tg);
  const sorted = [...tgs.values()].sort((a, b) => compareStrings(a.id, b.id));
  for (const tg of sorted) resources.push({ kind: 'TargetGroup', id: tg.id, spec: tg.spec } satisfies TargetGroup);
  for (const tg of sorted) {
    yield;
    resources.push({ kind: 'TargetGroupBinding', id: tg.id, spec: bindingSpec(tg, sg.ruleSource) } satisfies TargetGroupBinding);
  }
  return { stack: { id: g.key, members, resources }, issues, notes, outcome: outcome(members, false, sg.usesBackendSecurityGroup) };
}

/** active members left out of the stack, in group order */
function excludedKeys(g: IngressGroup, members: readonly string[]): string[] {
  const planned = new Set(members);
  return g.members.map((m) => m.key).filter((k) => !planned.has(k));
}

/** one rule per target port (traffic, health check), from the group the load balancer reaches its targets with */
function bindingSpec(tg: TargetGroupPlan, source: Known<ArnOrRef> | undefined): TargetGroupBindingSpec {
  if (source === undefined) return tg.binding;
  return {
    ...tg.binding,
    networking: {
      ingress: tg.targetPorts.map((port) => ({
        from: [{ securityGroup: { groupID: source } }],
        ports: [{ protocol: 'TCP' as const, port }],
      })),
    },
  };
}
