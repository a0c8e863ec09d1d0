// Snapshot + discovered facts → one Stack per IngressGroup. Pure: no I/O, no clock, no exceptions for user input.
import {
  type ArnOrRef, type DiscoveredFacts, type Issue, type Known, type Note, type Resource, type Stack, type TargetGroup,
  type TargetGroupBinding, type TargetGroupBindingSpec,
} from '../model/index.ts';
import { DEFAULTS, PREFIX } from './annotations/index.ts';
import { buildListeners } from './build-listeners.ts';
import { buildLoadBalancer, buildManagedSecurityGroup, loadBalancerSecurityGroups, resolveSecurityGroups } from './build-load-balancer.ts';
import { type MemberContribution, compileMember } from './build-member.ts';
import type { TargetGroupPlan } from './build-target-groups.ts';
import { type BuildContext, type Sink, indexServices } from './context.ts';
import { type IngressGroup, groupMembers } from './group.ts';
import { emptyState, type GroupState, tryAdd, validateGroup } from './merge.ts';
import { normalizeSnapshot } from './normalize.ts';
import type { BuildConfig, BuildResult, GroupOutcome, Snapshot } from './snapshot.ts';
import { compareStrings, dedupe, issue } from './snapshot.ts';
import { resolveSubnets } from './subnets.ts';

export function buildStacks(rawSnapshot: Snapshot, facts: DiscoveredFacts, config: BuildConfig): BuildResult {
  const snapshot = normalizeSnapshot(rawSnapshot);
  const grouping = groupMembers(snapshot, config);
  const services = indexServices(snapshot.services);
  const stacks: Stack[] = [];
  const issues: Issue[] = [];
  const notes: Note[] = [];
  const groups: GroupOutcome[] = [];
  for (const m of grouping.ungrouped) issues.push(...m.issues);
  for (const g of grouping.groups) {
    const ctx: BuildContext = { config, facts, snapshot, group: g.id, stackId: g.key, services };
    const r = buildGroup(ctx, g);
    issues.push(...r.issues);
    notes.push(...r.notes);
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
export function buildGroup(rawCtx: BuildContext, g: IngressGroup): GroupBuild {
  const snapshot = normalizeSnapshot(rawCtx.snapshot);
  const ctx = snapshot === rawCtx.snapshot ? rawCtx : { ...rawCtx, snapshot, services: indexServices(snapshot.services) };
  const issues: Issue[] = [];
  const notes: Note[] = [];
  const outcome = (members: readonly string[], blocked: boolean, usesBackendSecurityGroup = false): GroupOutcome => ({
    id: g.key, explicit: g.id.explicit, finalizer: g.finalizer, members,
    excluded: g.members.map((m) => m.key).filter((k) => !members.includes(k)),
    inactive: g.inactive.map((i) => `${i.metadata?.namespace || 'default'}/${i.metadata?.name ?? ''}`),
    blocked, usesBackendSecurityGroup,
  });
  if (g.members.length === 0) {
    return { stack: { id: g.key, members: [], resources: [] }, issues, notes, outcome: outcome([], false) };
  }

  // 1. each member on its own
  const compiled: MemberContribution[] = [];
  for (const m of g.members) {
    const sink: Sink = { issues: [], notes: [] };
    const c = compileMember(ctx, m, sink);
    issues.push(...sink.issues);
    notes.push(...sink.notes);
    if (c) compiled.push(c);
  }

  // 2. merge in group order; whole-group checks may reject more members, then merge again without them
  const rejected = new Set<string>();
  let state: GroupState = emptyState();
  for (let round = 0; round <= compiled.length; round++) {
    state = emptyState();
    for (const c of compiled) {
      if (rejected.has(c.member.key)) continue;
      const conflicts = tryAdd(state, c, g.key);
      if (conflicts.length > 0) { issues.push(...conflicts); rejected.add(c.member.key); }
    }
    const late = validateGroup(state);
    if (late.size === 0) break;
    for (const [key, found] of late) { issues.push(...found); rejected.add(key); }
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
  const subnets = resolveSubnets(subnetSource, scheme, ctx.config.clusterName, ctx.facts.subnets);
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

  // 4. resources
  const userTags = { ...Object.fromEntries([...state.tags.entries()].map(([k, v]) => [k, v.value])), ...ctx.config.defaultTags };
  const ipAddressType = state.ipAddressType?.excl.value ?? DEFAULTS.ipAddressType;
  const resources: Resource[] = [];
  if (managed) resources.push(buildManagedSecurityGroup(ctx, state, ipAddressType, userTags));
  resources.push(buildLoadBalancer(ctx, state, subnets.subnets, sg.groups, userTags));
  const built = buildListeners(ctx, state, userTags);
  resources.push(...built.listeners, ...built.rules);
  notes.push(...built.notes);
  const tgs = new Map<string, TargetGroupPlan>();
  for (const c of state.accepted) for (const tg of c.targetGroups) tgs.set(tg.id, tg);
  const sorted = [...tgs.values()].sort((a, b) => compareStrings(a.id, b.id));
  resources.push(...sorted.map((tg): TargetGroup => ({ kind: 'TargetGroup', id: tg.id, spec: tg.spec })));
  resources.push(...sorted.map((tg): TargetGroupBinding => ({ kind: 'TargetGroupBinding', id: tg.id, spec: bindingSpec(tg, sg.ruleSource) })));
  return { stack: { id: g.key, members, resources }, issues, notes, outcome: outcome(members, false, sg.usesBackendSecurityGroup) };
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
