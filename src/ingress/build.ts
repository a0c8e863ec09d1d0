// Snapshot + discovered facts → one Stack per IngressGroup. Pure: no I/O, no clock, no exceptions for user input.
import {
  type ArnOrRef, type DiscoveredFacts, type Issue, type Known, type Note, type Resource, type Stack, type TargetGroup,
  type TargetGroupBinding, type TargetGroupBindingSpec,
} from '../model/index.ts';
import { DEFAULTS, PREFIX } from './annotations/index.ts';
import { buildListeners } from './build-listeners.ts';
import { buildLoadBalancer, buildManagedSecurityGroup, managedSecurityGroupRef, resolveSecurityGroups } from './build-load-balancer.ts';
import { type MemberContribution, compileMember } from './build-member.ts';
import type { TargetGroupPlan } from './build-target-groups.ts';
import { type BuildContext, type Sink, indexServices, withDefaultTags } from './context.ts';
import { type IngressGroup, groupMembers } from './group.ts';
import { addMember, conflictsOf, emptyState, type GroupState, validateGroup } from './merge.ts';
import { normalizeSnapshot } from './normalize.ts';
import type { BuildConfig, BuildResult, Contest, DeployedLoadBalancers, GroupOutcome, Snapshot } from './snapshot.ts';
import { compareStrings, dedupe, gateOn, issue } from './snapshot.ts';
import { MIN_AZS, resolveSubnets } from './subnets.ts';
import { compareSeniority, firstBecause, pinnedGroups, refusedUses, type Seniority, seniorityOf } from './tenancy.ts';

/** `deployed`: each stack's load balancer DNS name as AWS reports it, to tell members deployed already (ADR 6). */
export function buildStacks(rawSnapshot: Snapshot, facts: DiscoveredFacts, config: BuildConfig, deployed: DeployedLoadBalancers = new Map()): BuildResult {
  const snapshot = normalizeSnapshot(rawSnapshot);
  const grouping = groupMembers(snapshot, config);
  const services = indexServices(snapshot.services);
  const stacks: Stack[] = [];
  const issues: Issue[] = [];
  const notes: Note[] = [];
  const groups: GroupOutcome[] = [];
  for (const m of grouping.ungrouped) issues.push(...m.issues);
  for (const g of grouping.groups) {
    const dns = deployed.get(g.key);
    const ctx: BuildContext = { config, facts, snapshot, group: g.id, stackId: g.key, services, ...(dns !== undefined ? { loadBalancerDnsName: dns } : {}) };
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
  const contests: Contest[] = [];
  const outcome = (members: readonly string[], blocked: boolean): GroupOutcome => ({
    id: g.key, explicit: g.id.explicit, finalizer: g.finalizer, members,
    excluded: g.members.map((m) => m.key).filter((k) => !members.includes(k)),
    inactive: g.inactive.map((i) => `${i.metadata?.namespace || 'default'}/${i.metadata?.name ?? ''}`),
    blocked, contests: dedupe(contests),
  });
  if (g.members.length === 0) {
    return { stack: { id: g.key, members: [], resources: [] }, issues, notes, outcome: outcome([], false) };
  }

  // 1. each member on its own, with the uses only a member deployed already may keep (ADR 6)
  const seniority = new Map<string, Seniority>(g.members.map((m) => [m.key, seniorityOf(m, g.finalizer, ctx.loadBalancerDnsName)]));
  const pinned = pinnedGroups(ctx.snapshot);
  const compiled: MemberContribution[] = [];
  for (const raw of g.members) {
    const refused = refusedUses(raw, seniority.get(raw.key)?.deployed ?? false, ctx.config, pinned);
    const m = refused.length > 0 ? { ...raw, issues: [...raw.issues, ...refused] } : raw;
    const sink: Sink = { issues: [], notes: [] };
    const c = compileMember(ctx, m, sink);
    issues.push(...sink.issues);
    notes.push(...sink.notes);
    if (c) compiled.push(c);
  }

  // 2. who joins is decided in order of seniority, never by group.order: the member in the group first keeps a
  //    contested value or host. Whole-group checks may reject more members, then the merge runs again without them.
  const senior = (c: MemberContribution): Seniority => seniority.get(c.member.key) ?? { key: c.member.key, deployed: false };
  const bySeniority = [...compiled].sort((a, b) => compareSeniority(senior(a), senior(b)));
  const rejected = new Set<string>();
  let state: GroupState = emptyState();
  for (let round = 0; round <= compiled.length; round++) {
    state = emptyState();
    for (const c of bySeniority) {
      if (rejected.has(c.member.key)) continue;
      const holder = (key: string): string => {
        const first = seniority.get(key) ?? { key, deployed: false };
        return `Ingress ${key}, in group ${g.key} first (${firstBecause(first, senior(c))})`;
      };
      const conflicts = conflictsOf(state, c, holder);
      if (conflicts.length === 0) { addMember(state, c); continue; }
      issues.push(...conflicts.map((x) => x.issue));
      contests.push(...conflicts.map((x) => ({ newcomer: c.member.key, holder: x.holder, what: x.what })));
      rejected.add(c.member.key);
    }
    const late = validateGroup(state);
    if (late.size === 0) break;
    for (const [key, found] of late) { issues.push(...found); rejected.add(key); }
  }
  // the stack is built from the accepted members in group order: group.order orders their rules
  const accepted = new Set(state.accepted.map((c) => c.member.key));
  state = emptyState();
  for (const c of compiled) if (accepted.has(c.member.key)) addMember(state, c);
  for (const x of dedupe(contests)) {
    const holder = g.members.find((m) => m.key === x.holder);
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
  let securityGroups: Known<ArnOrRef>[];
  const managed = !state.securityGroups;
  if (state.securityGroups) {
    const sgs = resolveSecurityGroups(ctx, state.securityGroups.excl.value);
    if (!sgs.ok) return blockAll(state.securityGroups.excl.field, 'SecurityGroupNotFound', `group ${g.key}: ${sgs.reason}`);
    securityGroups = sgs.groups;
  } else securityGroups = [managedSecurityGroupRef()];

  // 4. resources
  const userTags = withDefaultTags(ctx.config, Object.fromEntries([...state.tags.entries()].map(([k, v]) => [k, v.value])));
  const ipAddressType = state.ipAddressType?.excl.value ?? DEFAULTS.ipAddressType;
  const resources: Resource[] = [];
  if (managed) resources.push(buildManagedSecurityGroup(ctx, state, ipAddressType, userTags));
  resources.push(buildLoadBalancer(ctx, state, subnets.subnets, securityGroups, userTags));
  const built = buildListeners(ctx, state, userTags);
  resources.push(...built.listeners, ...built.rules);
  notes.push(...built.notes);
  const tgs = new Map<string, TargetGroupPlan>();
  for (const c of state.accepted) for (const tg of c.targetGroups) tgs.set(tg.id, tg);
  const sorted = [...tgs.values()].sort((a, b) => compareStrings(a.id, b.id));
  resources.push(...sorted.map((tg): TargetGroup => ({ kind: 'TargetGroup', id: tg.id, spec: tg.spec })));
  resources.push(...sorted.map((tg): TargetGroupBinding => ({ kind: 'TargetGroupBinding', id: tg.id, spec: bindingSpec(tg, managed) })));
  return { stack: { id: g.key, members, resources }, issues, notes, outcome: outcome(members, false) };
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
