// Snapshot + discovered facts → one Stack per IngressGroup. Pure: no I/O, no clock, no exceptions for user input.
import {
  type ArnOrRef, type DiscoveredFacts, type Issue, type Known, type Note, type Resource, type Stack, type Steps, type TargetGroup,
  type TargetGroupBinding, type TargetGroupBindingSpec, runSteps,
} from '../model/index.ts';
import { DEFAULTS, PREFIX } from './annotations/index.ts';
import { buildListenersSteps } from './build-listeners.ts';
import { buildLoadBalancer, buildManagedSecurityGroup, managedSecurityGroupRef, resolveSecurityGroups } from './build-load-balancer.ts';
import { type MemberContribution, compileMember } from './build-member.ts';
import type { TargetGroupPlan } from './build-target-groups.ts';
import { type BuildContext, type Sink, indexServices } from './context.ts';
import { type IngressGroup, groupMembersSteps } from './group.ts';
import { emptyState, type GroupState, tryAdd, validateGroup } from './merge.ts';
import { normalizeSnapshot, normalizeSnapshotSteps } from './normalize.ts';
import type { BuildConfig, BuildResult, GroupOutcome, Snapshot } from './snapshot.ts';
import { append, compareStrings, dedupe, issue } from './snapshot.ts';
import { resolveSubnets } from './subnets.ts';

export const buildStacks = (snapshot: Snapshot, facts: DiscoveredFacts, config: BuildConfig): BuildResult =>
  runSteps(buildStacksSteps(snapshot, facts, config));

/** `buildStacks` as steps (src/model/steps.ts): one per Ingress grouped, per member compiled and merged */
export function* buildStacksSteps(rawSnapshot: Snapshot, facts: DiscoveredFacts, config: BuildConfig): Steps<BuildResult> {
  const snapshot = yield* normalizeSnapshotSteps(rawSnapshot);
  const grouping = yield* groupMembersSteps(snapshot, config);
  const services = indexServices(snapshot.services);
  const stacks: Stack[] = [];
  const issues: Issue[] = [];
  const notes: Note[] = [];
  const groups: GroupOutcome[] = [];
  for (const m of grouping.ungrouped) append(issues, m.issues);
  for (const g of grouping.groups) {
    const ctx: BuildContext = { config, facts, snapshot, group: g.id, stackId: g.key, services };
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
  const outcome = (members: readonly string[], blocked: boolean): GroupOutcome => ({
    id: g.key, explicit: g.id.explicit, finalizer: g.finalizer, members,
    excluded: excludedKeys(g, members),
    inactive: g.inactive.map((i) => `${i.metadata?.namespace || 'default'}/${i.metadata?.name ?? ''}`),
    blocked,
  });
  if (g.members.length === 0) {
    return { stack: { id: g.key, members: [], resources: [] }, issues, notes, outcome: outcome([], false) };
  }

  // 1. each member on its own
  const compiled: MemberContribution[] = [];
  for (const m of g.members) {
    yield;
    const sink: Sink = { issues: [], notes: [] };
    const c = compileMember(ctx, m, sink);
    append(issues, sink.issues);
    append(notes, sink.notes);
    if (c) compiled.push(c);
  }

  // 2. merge in group order; whole-group checks may reject more members, then merge again without them
  const rejected = new Set<string>();
  let state: GroupState = emptyState();
  for (let round = 0; round <= compiled.length; round++) {
    state = emptyState();
    for (const c of compiled) {
      yield;
      if (rejected.has(c.member.key)) continue;
      const conflicts = tryAdd(state, c, g.key);
      if (conflicts.length > 0) { append(issues, conflicts); rejected.add(c.member.key); }
    }
    const late = validateGroup(state);
    if (late.size === 0) break;
    for (const [key, found] of late) { append(issues, found); rejected.add(key); }
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
  let securityGroups: Known<ArnOrRef>[];
  const managed = !state.securityGroups;
  if (state.securityGroups) {
    const sgs = resolveSecurityGroups(ctx, state.securityGroups.excl.value);
    if (!sgs.ok) return blockAll(state.securityGroups.excl.field, 'SecurityGroupNotFound', `group ${g.key}: ${sgs.reason}`);
    securityGroups = sgs.groups;
  } else securityGroups = [managedSecurityGroupRef()];

  // 4. resources
  const userTags = { ...Object.fromEntries([...state.tags.entries()].map(([k, v]) => [k, v.value])), ...ctx.config.defaultTags };
  const ipAddressType = state.ipAddressType?.excl.value ?? DEFAULTS.ipAddressType;
  const resources: Resource[] = [];
  if (managed) resources.push(buildManagedSecurityGroup(ctx, state, ipAddressType, userTags));
  resources.push(buildLoadBalancer(ctx, state, subnets.subnets, securityGroups, userTags));
  const built = yield* buildListenersSteps(ctx, state, userTags);
  append(resources, built.listeners);
  append(resources, built.rules);
  append(notes, built.notes);
  const tgs = new Map<string, TargetGroupPlan>();
  for (const c of state.accepted) for (const tg of c.targetGroups) tgs.set(tg.id, tg);
  const sorted = [...tgs.values()].sort((a, b) => compareStrings(a.id, b.id));
  for (const tg of sorted) resources.push({ kind: 'TargetGroup', id: tg.id, spec: tg.spec } satisfies TargetGroup);
  for (const tg of sorted) {
    yield;
    resources.push({ kind: 'TargetGroupBinding', id: tg.id, spec: bindingSpec(tg, managed) } satisfies TargetGroupBinding);
  }
  return { stack: { id: g.key, members, resources }, issues, notes, outcome: outcome(members, false) };
}

/** active members left out of the stack, in group order */
function excludedKeys(g: IngressGroup, members: readonly string[]): string[] {
  const planned = new Set(members);
  return g.members.map((m) => m.key).filter((k) => !planned.has(k));
}

function bindingSpec(tg: TargetGroupPlan, managedSg: boolean): TargetGroupBindingSpec {
  if (!managedSg) return tg.binding;
  return {
    ...tg.binding,
    networking: {
      ingress: tg.targetPorts.map((port) => ({
        from: [{ securityGroup: { groupID: managedSecurityGroupRef() } }],
        ports: [{ protocol: 'TCP' as const, port }],
      })),
    },
  };
}
