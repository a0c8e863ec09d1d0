// planStack: (desired Stack, observed state it owns) → Plan, the exact ordered list apply executes.
//
// Phases, in order:
//   1. load balancers that are removed or replaced are deleted first (their listeners and rules go with them);
//      so are bindings replaced under the same name;
//   2. creates, updates and noops follow dependencies (Refs), rules per listener in their gap-free order;
//      a replaced target group or security group is created here, next to its peers;
//   3. every other delete, in reverse dependency order: bindings, rules, listeners, target groups, security group
//      (including the old halves of replaced target groups and security groups, once nothing points at them).
import type { Observed, ObservedListener, ObservedListenerRule, ObservedState } from '../model/observed.ts';
import type { Ref } from '../model/refs.ts';
import type { ListenerRule, Resource, Stack, TargetGroupBinding } from '../model/stack.ts';
import { resourceKey } from '../model/stack.ts';
import { runSteps, type Steps } from '../model/steps.ts';
import { resourceTagKey } from '../model/tags.ts';
import { inPlaceChange, type TagContext } from './compare.ts';
import { RANK, type TaggedKind } from './kinds/kind.ts';
import { loadBalancerKind } from './kinds/load-balancer.ts';
import { listenerDiffs, observedListenerSpec } from './kinds/listener.ts';
import { reconcileRules } from './kinds/listener-rule.ts';
import { securityGroupKind } from './kinds/security-group.ts';
import { bindingDiffs, bindingKey } from './kinds/target-group-binding.ts';
import { targetGroupKind } from './kinds/target-group.ts';
import { orderNodesSteps, stringsIn, type OrderNode } from './order.ts';
import type { Change, ObservedBinding, Plan, PlanOptions, Spec } from './types.ts';
import { canonicalJson, collectRefs, containsUnknown, resolveRefs, type Resolver } from './values.ts';

class Planner {
  readonly stack: Stack;
  readonly observed: ObservedState;
  readonly opts: PlanOptions;
  readonly tags: TagContext;
  /** resources that exist and are kept: what Refs to them resolve to */
  readonly kept = new Map<string, (field: Ref['field']) => string | undefined>();
  /** ARNs of load balancers and listeners deleted in this plan: their children go with them */
  readonly cascading = new Set<string>();
  readonly early: OrderNode[] = [];
  readonly forward: OrderNode[] = [];
  readonly late: OrderNode[] = [];
  readonly warnings: string[] = [];
  readonly resolve: Resolver;

  constructor(stack: Stack, observed: ObservedState, opts: PlanOptions) {
    this.stack = stack;
    this.observed = observed;
    this.opts = opts;
    this.tags = { clusterName: opts.clusterName, externalManagedTags: opts.externalManagedTags ?? [] };
    this.resolve = (r) => this.kept.get(resourceKey(r.$ref))?.(r.field);
  }

  desiredOf<K extends Resource['kind']>(kind: K): Extract<Resource, { kind: K }>[] {
    return this.stack.resources.filter((r): r is Extract<Resource, { kind: K }> => r.kind === kind);
  }

  addForward(change: Change, desiredSpec: Spec | undefined, chain: readonly string[] = [], provides: readonly string[] = []): void {
    const refs = collectRefs(desiredSpec).map((r) => resourceKey(r.$ref));
    this.forward.push({ change, rank: RANK[change.kind], provides: [resourceKey(change), ...provides], needs: [...refs, ...chain] });
  }

  addDelete(change: Change, when: 'early' | 'late', ownKeys: readonly string[], alsoNeeds: readonly string[] = []): void {
    const own = new Set(ownKeys);
    const needs = [...stringsIn(change.before), ...alsoNeeds].filter((s) => !own.has(s));
    (when === 'early' ? this.early : this.late).push({ change, rank: RANK[change.kind], provides: ownKeys, needs });
  }

  *planTagged<S extends Spec, O extends Observed<S>>(mod: TaggedKind<S, O>): Steps<void> {
    const byId = new Map<string, O[]>();
    const resourceTag = resourceTagKey(this.stack.family);
    for (const o of [...mod.observed(this.observed)].sort((a, b) => a.arn.localeCompare(b.arn))) {
      const id = o.tags[resourceTag];
      if (id === undefined) {
        this.warnings.push(`${mod.kind} ${o.arn} carries this stack's tags but no ${resourceTag} tag; left alone`);
        continue;
      }
      appendTo(byId, id, o);
    }
    for (const d of this.desiredOf(mod.kind as Resource['kind'])) {
      yield;
      const [o, ...dups] = byId.get(d.id) ?? [];
      byId.delete(d.id);
      dups.forEach((x) => this.deleteTagged(mod, d.id, x, `another ${mod.kind} (${o?.arn}) carries the same resource tag`));
      if (!o) {
        this.addForward({ action: 'create', kind: mod.kind, id: d.id, after: resolveRefs(d.spec, this.resolve), reason: `no ${mod.kind} tagged ${resourceTag}=${d.id}` }, d.spec);
        continue;
      }
      this.matchTagged(mod, d.id, d.spec as S, o);
    }
    for (const [id, list] of byId) list.forEach((o) => this.deleteTagged(mod, id, o, 'no longer desired'));
  }

  matchTagged<S extends Spec, O extends Observed<S>>(mod: TaggedKind<S, O>, id: string, spec: S, o: O): void {
    const diffs = mod.diff(spec, o, this.resolve, this.tags);
    const base = { kind: mod.kind, id, arn: o.arn, before: mod.before(o), after: resolveRefs(spec, this.resolve) as Spec };
    const replaceFields = diffs.filter((x) => x.status === 'changed' && x.forcesReplacement).map((x) => x.path);
    const blocked = replaceFields.length > 0 ? mod.replaceBlocked?.(spec, o) : undefined;
    if (blocked !== undefined) {
      // no replacement that cannot succeed: the resource stays as it is (Refs keep pointing at it)
      const what = `${replaceFields.join(', ')} cannot change in place and ${blocked}`;
      this.warnings.push(`${mod.kind} ${id} (${o.arn}) must be recreated: ${what}; it is left as it is. To recreate it, remove the backend `
        + 'that uses it from its Ingress (or rename the Service port), apply, then add it back');
      this.kept.set(resourceKey({ kind: mod.kind, id }), (field) => mod.refValue(o, field));
      this.addForward({ action: 'noop', ...base, reason: `left as it is: ${what}` }, spec);
      return;
    }
    if (replaceFields.length > 0) {
      const fields = diffs.filter((x) => x.status === 'changed').map((x) => x.path);
      const reason = `${replaceFields.join(', ')} cannot change in place`;
      const common = { action: 'replace' as const, ...base, reason, replaceFields, fields, diffs };
      this.addForward({ ...common, phase: 'create' }, spec);
      if (mod.replaceOrder === 'delete-first') {
        this.cascading.add(o.arn);
        this.addDelete({ ...common, phase: 'delete' }, 'early', [o.arn]);
      } else {
        this.addDelete({ ...common, phase: 'delete' }, 'late', [o.arn, ...refValues(mod, o)]);
      }
      return;
    }
    this.kept.set(resourceKey({ kind: mod.kind, id }), (field) => mod.refValue(o, field));
    this.addForward(inPlaceChange(base, diffs), spec);
  }

  deleteTagged<S extends Spec, O extends Observed<S>>(mod: TaggedKind<S, O>, id: string, o: O, reason: string): void {
    const change: Change = { action: 'delete', kind: mod.kind, id, arn: o.arn, before: mod.before(o), reason };
    if (mod.replaceOrder === 'delete-first') this.cascading.add(o.arn);
    this.addDelete(change, mod.replaceOrder === 'delete-first' ? 'early' : 'late', [o.arn, ...refValues(mod, o)]);
  }

  *planListeners(): Steps<void> {
    const matched = new Set<ObservedListener>();
    // observed listeners by load balancer and port, in observed order (the first unmatched one is taken)
    const byPort = new Map<string, ObservedListener[]>();
    for (const l of this.observed.listeners) appendTo(byPort, `${l.loadBalancerArn} ${l.spec.port}`, l);
    const rulesOf = new Map<string, ObservedListenerRule[]>();
    for (const r of this.observed.rules) appendTo(rulesOf, r.listenerArn, r);
    for (const d of this.desiredOf('Listener')) {
      yield;
      const lbArn = resolveRefs(d.spec.loadBalancer, this.resolve);
      const o = typeof lbArn === 'string' ? byPort.get(`${lbArn} ${d.spec.port}`)?.find((l) => !matched.has(l)) : undefined;
      if (!o) {
        this.addForward({ action: 'create', kind: 'Listener', id: d.id, after: resolveRefs(d.spec, this.resolve), reason: `no listener on port ${d.spec.port}` }, d.spec);
        continue;
      }
      matched.add(o);
      this.kept.set(resourceKey(d), (field) => (field === 'arn' ? o.arn : undefined));
      const base = { kind: 'Listener' as const, id: d.id, arn: o.arn, before: observedListenerSpec(o), after: resolveRefs(d.spec, this.resolve) };
      this.addForward(inPlaceChange(base, listenerDiffs(d.spec, o, this.resolve, this.tags)), d.spec);
    }
    for (const o of this.observed.listeners) {
      if (matched.has(o) || this.cascading.has(o.loadBalancerArn)) continue;
      this.cascading.add(o.arn);
      const rules = rulesOf.get(o.arn) ?? [];
      const reason = `no listener is desired on port ${o.spec.port}` + (rules.length ? ` (its ${rules.length} rule(s) go with it)` : '');
      const change: Change = { action: 'delete', kind: 'Listener', id: String(o.spec.port), arn: o.arn, before: observedListenerSpec(o), reason };
      // what its rules refer to counts as its own references: it must go before the target groups they forward to
      this.addDelete(change, 'late', [o.arn], stringsIn(rules.map((r) => r.spec)));
    }
  }

  *planRules(): Steps<void> {
    const desiredByListener = new Map<string, ListenerRule[]>();
    for (const d of this.desiredOf('ListenerRule')) {
      yield;
      const arn = resolveRefs(d.spec.listener, this.resolve);
      if (typeof arn !== 'string') {
        this.addForward({ action: 'create', kind: 'ListenerRule', id: d.id, after: resolveRefs(d.spec, this.resolve), reason: 'its listener is created by this plan' }, d.spec);
        continue;
      }
      appendTo(desiredByListener, arn, d);
    }
    const observedByListener = new Map<string, ObservedListenerRule[]>();
    for (const o of this.observed.rules) appendTo(observedByListener, o.listenerArn, o);
    const listenerArns = [...new Set([...desiredByListener.keys(), ...observedByListener.keys()])];
    const listeners = new Map<string, ObservedListener>();
    for (const l of this.observed.listeners) if (!listeners.has(l.arn)) listeners.set(l.arn, l);
    for (const arn of listenerArns) {
      yield;
      const listener = listeners.get(arn);
      if (!listener || this.cascading.has(arn) || this.cascading.has(listener.loadBalancerArn)) {
        // rules of a listener being deleted go with it; desired rules here cannot happen (their listener is kept)
        continue;
      }
      const plan = reconcileRules(desiredByListener.get(arn) ?? [], observedByListener.get(arn) ?? [], listener.spec.port, this.resolve, this.tags);
      const desiredById = new Map((desiredByListener.get(arn) ?? []).map((d) => [d.id, d]));
      for (const [i, c] of plan.steps.entries()) {
        if (i % 64 === 63) yield;
        const chain = i === 0 ? [] : [`rules:${arn}:${i - 1}`];
        this.addForward(c, desiredById.get(c.id)?.spec, chain, [`rules:${arn}:${i}`]);
      }
      plan.deletes.forEach((c) => this.addDelete(c, 'late', [c.arn as string]));
    }
  }

  *planBindings(): Steps<void> {
    const observed = this.opts.observedBindings;
    const byKey = new Map((observed ?? []).map((b) => [bindingKey(b), b]));
    for (const d of this.desiredOf('TargetGroupBinding')) {
      yield;
      const after = resolveRefs(d.spec, this.resolve);
      const o = byKey.get(bindingKey(d.spec));
      byKey.delete(bindingKey(d.spec));
      const chain = this.afterSourcesAttached(d);
      if (observed === undefined) {
        this.planBindingUnobserved(d, after, chain);
      } else if (!o) {
        this.addForward({ action: 'create', kind: 'TargetGroupBinding', id: d.id, after, reason: `no TargetGroupBinding ${bindingKey(d.spec)}` }, d.spec, chain);
      } else {
        this.matchBinding(d, o, after, chain);
      }
    }
    for (const o of byKey.values()) {
      const change: Change = { action: 'delete', kind: 'TargetGroupBinding', id: bindingKey(o), before: o.spec, reason: 'no longer desired' };
      this.addDelete(change, 'late', [bindingKey(o)]);
    }
  }

  planBindingUnobserved(d: TargetGroupBinding, after: TargetGroupBinding['spec'], chain: readonly string[]): void {
    if (typeof after.targetGroupARN === 'string') {
      this.addForward({ action: 'noop', kind: 'TargetGroupBinding', id: d.id, after, reason: 'its target group exists; assumed in place (no observed bindings given)' }, d.spec, chain);
    } else {
      this.addForward({ action: 'create', kind: 'TargetGroupBinding', id: d.id, after, reason: 'its target group is created by this plan' }, d.spec, chain);
    }
  }

  matchBinding(d: TargetGroupBinding, o: ObservedBinding, after: TargetGroupBinding['spec'], chain: readonly string[]): void {
    const diffs = bindingDiffs(d.spec, o.spec, this.resolve);
    const replaceFields = diffs.filter((x) => x.status === 'changed' && x.forcesReplacement).map((x) => x.path);
    const base = { kind: 'TargetGroupBinding' as const, id: d.id, before: o.spec, after };
    if (replaceFields.length === 0) {
      const attached = chain.length > 0 ? this.attachedBy(d) : undefined;
      this.addForward(inPlaceChange(base, diffs, (fields) => `${fields.join(', ')} differ`
        + (attached && fields.includes('networking') ? `; applied after the LoadBalancer update attaches ${attached.join(', ')}, and node/pod `
          + 'rules from it are authorized before the old ones are revoked: the targets admit the load balancer throughout' : '')), d.spec, chain);
      return;
    }
    const fields = diffs.filter((x) => x.status === 'changed').map((x) => x.path);
    const common = { action: 'replace' as const, ...base, reason: `${replaceFields.join(', ')} cannot change in place`, replaceFields, fields, diffs };
    this.addDelete({ ...common, phase: 'delete' }, 'early', [bindingKey(o)]);
    this.addForward({ ...common, phase: 'create' }, d.spec, chain);
  }

  /** the binding's rule sources (resolved where they can be) */
  bindingSources(d: TargetGroupBinding): unknown[] {
    return (d.spec.networking?.ingress ?? []).flatMap((r) => r.from.flatMap((f) => ('securityGroup' in f ? [resolveRefs(f.securityGroup.groupID, this.resolve)] : [])));
  }

  /**
   * A binding whose rule source is one of the load balancer's security groups comes after the load balancer's
   * change: a new source (the shared backend group, on migration) is on the load balancer before the targets'
   * rules move to it, so there is no moment when the targets admit none of the load balancer's groups.
   */
  afterSourcesAttached(d: TargetGroupBinding): string[] {
    const lb = this.desiredOf('LoadBalancer')[0];
    if (!lb) return [];
    const lbGroups = lb.spec.securityGroups.map((g) => canonicalJson(resolveRefs(g, this.resolve)));
    return this.bindingSources(d).some((s) => lbGroups.includes(canonicalJson(s))) ? [resourceKey(lb)] : [];
  }

  /** the binding's rule sources that the load balancer's update adds to it */
  attachedBy(d: TargetGroupBinding): string[] | undefined {
    const lbChange = this.forward.find((n) => n.change.kind === 'LoadBalancer' && n.change.action === 'update')?.change;
    const before = (lbChange?.before as { securityGroups?: readonly unknown[] } | undefined)?.securityGroups ?? [];
    const added = this.bindingSources(d).filter((s) => typeof s === 'string' && !before.includes(s)) as string[];
    return lbChange?.fields?.includes('securityGroups') && added.length > 0 ? added : undefined;
  }

  *steps(): Steps<Plan> {
    yield* this.planTagged(securityGroupKind);
    yield* this.planTagged(targetGroupKind);
    yield* this.planTagged(loadBalancerKind);
    yield* this.planListeners();
    yield* this.planRules();
    yield* this.planBindings();
    const changes = [
      ...yield* orderNodesSteps(this.early, 'reverse'), ...yield* orderNodesSteps(this.forward, 'forward'), ...yield* orderNodesSteps(this.late, 'reverse'),
    ];
    let complete = true;
    for (const [i, c] of changes.entries()) {
      if (i % 256 === 255) yield;
      if ((c.unknownFields?.length ?? 0) > 0 || containsUnknown(c.after)) { complete = false; break; }
    }
    return {
      formatVersion: '1', stackId: this.stack.id, ...(this.stack.family === 'service' ? { family: 'service' as const } : {}),
      changes, complete, ...(this.warnings.length ? { warnings: this.warnings } : {}),
    };
  }
}

/** adds `value` to the list under `key` (no copy of the list) */
function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function refValues<S extends Spec, O extends Observed<S>>(mod: TaggedKind<S, O>, o: O): string[] {
  return (['groupId', 'dnsName'] as const).map((f) => mod.refValue(o, f)).filter((v): v is string => v !== undefined);
}

/**
 * Plan one stack against what AWS holds for it. An empty desired stack (no resources) plans the deletion
 * of everything observed.
 */
export const planStack = (desired: Stack, observed: ObservedState, opts: PlanOptions): Plan => runSteps(planStackSteps(desired, observed, opts));

/** `planStack` as steps (src/model/steps.ts): one per resource planned, per listener, per batch of orderings */
export const planStackSteps = (desired: Stack, observed: ObservedState, opts: PlanOptions): Steps<Plan> => new Planner(desired, observed, opts).steps();

/** the desired stack of a group with no members left: planning it deletes everything the stack owns */
export const emptyStack = (id: string, family?: Stack['family']): Stack => ({ id, ...(family ? { family } : {}), members: [], resources: [] });

