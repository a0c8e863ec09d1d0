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
import { resourceTagKey } from '../model/tags.ts';
import { inPlaceChange, type TagContext } from './compare.ts';
import { RANK, type TaggedKind } from './kinds/kind.ts';
import { loadBalancerKind } from './kinds/load-balancer.ts';
import { listenerDiffs, observedListenerSpec } from './kinds/listener.ts';
import { reconcileRules } from './kinds/listener-rule.ts';
import { securityGroupKind } from './kinds/security-group.ts';
import { bindingDiffs, bindingKey } from './kinds/target-group-binding.ts';
import { targetGroupKind } from './kinds/target-group.ts';
import { orderNodes, stringsIn, type OrderNode } from './order.ts';
import type { Change, ObservedBinding, Plan, PlanOptions, Spec } from './types.ts';
import { collectRefs, containsUnknown, resolveRefs, type Resolver } from './values.ts';

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
    const needs = [...stringsIn(change.before), ...alsoNeeds].filter((s) => !ownKeys.includes(s));
    (when === 'early' ? this.early : this.late).push({ change, rank: RANK[change.kind], provides: ownKeys, needs });
  }

  planTagged<S extends Spec, O extends Observed<S>>(mod: TaggedKind<S, O>): void {
    const byId = new Map<string, O[]>();
    const resourceTag = resourceTagKey(this.stack.family);
    for (const o of [...mod.observed(this.observed)].sort((a, b) => a.arn.localeCompare(b.arn))) {
      const id = o.tags[resourceTag];
      if (id === undefined) {
        this.warnings.push(`${mod.kind} ${o.arn} carries this stack's tags but no ${resourceTag} tag; left alone`);
        continue;
      }
      byId.set(id, [...(byId.get(id) ?? []), o]);
    }
    for (const d of this.desiredOf(mod.kind as Resource['kind'])) {
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

  planListeners(): void {
    const matched = new Set<ObservedListener>();
    for (const d of this.desiredOf('Listener')) {
      const lbArn = resolveRefs(d.spec.loadBalancer, this.resolve);
      const o = typeof lbArn === 'string'
        ? this.observed.listeners.find((l) => l.loadBalancerArn === lbArn && l.spec.port === d.spec.port && !matched.has(l))
        : undefined;
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
      const rules = this.observed.rules.filter((r) => r.listenerArn === o.arn);
      const reason = `no listener is desired on port ${o.spec.port}` + (rules.length ? ` (its ${rules.length} rule(s) go with it)` : '');
      const change: Change = { action: 'delete', kind: 'Listener', id: String(o.spec.port), arn: o.arn, before: observedListenerSpec(o), reason };
      // what its rules refer to counts as its own references: it must go before the target groups they forward to
      this.addDelete(change, 'late', [o.arn], stringsIn(rules.map((r) => r.spec)));
    }
  }

  planRules(): void {
    const desiredByListener = new Map<string, ListenerRule[]>();
    for (const d of this.desiredOf('ListenerRule')) {
      const arn = resolveRefs(d.spec.listener, this.resolve);
      if (typeof arn !== 'string') {
        this.addForward({ action: 'create', kind: 'ListenerRule', id: d.id, after: resolveRefs(d.spec, this.resolve), reason: 'its listener is created by this plan' }, d.spec);
        continue;
      }
      desiredByListener.set(arn, [...(desiredByListener.get(arn) ?? []), d]);
    }
    const observedByListener = new Map<string, ObservedListenerRule[]>();
    for (const o of this.observed.rules) observedByListener.set(o.listenerArn, [...(observedByListener.get(o.listenerArn) ?? []), o]);
    const listenerArns = [...new Set([...desiredByListener.keys(), ...observedByListener.keys()])];
    for (const arn of listenerArns) {
      const listener = this.observed.listeners.find((l) => l.arn === arn);
      if (!listener || this.cascading.has(arn) || this.cascading.has(listener.loadBalancerArn)) {
        // rules of a listener being deleted go with it; desired rules here cannot happen (their listener is kept)
        continue;
      }
      const plan = reconcileRules(desiredByListener.get(arn) ?? [], observedByListener.get(arn) ?? [], listener.spec.port, this.resolve, this.tags);
      const desiredById = new Map((desiredByListener.get(arn) ?? []).map((d) => [d.id, d]));
      plan.steps.forEach((c, i) => {
        const chain = i === 0 ? [] : [`rules:${arn}:${i - 1}`];
        this.addForward(c, desiredById.get(c.id)?.spec, chain, [`rules:${arn}:${i}`]);
      });
      plan.deletes.forEach((c) => this.addDelete(c, 'late', [c.arn as string]));
    }
  }

  planBindings(): void {
    const observed = this.opts.observedBindings;
    const byKey = new Map((observed ?? []).map((b) => [bindingKey(b), b]));
    for (const d of this.desiredOf('TargetGroupBinding')) {
      const after = resolveRefs(d.spec, this.resolve);
      const o = byKey.get(bindingKey(d.spec));
      byKey.delete(bindingKey(d.spec));
      if (observed === undefined) {
        this.planBindingUnobserved(d, after);
      } else if (!o) {
        this.addForward({ action: 'create', kind: 'TargetGroupBinding', id: d.id, after, reason: `no TargetGroupBinding ${bindingKey(d.spec)}` }, d.spec);
      } else {
        this.matchBinding(d, o, after);
      }
    }
    for (const o of byKey.values()) {
      const change: Change = { action: 'delete', kind: 'TargetGroupBinding', id: bindingKey(o), before: o.spec, reason: 'no longer desired' };
      this.addDelete(change, 'late', [bindingKey(o)]);
    }
  }

  planBindingUnobserved(d: TargetGroupBinding, after: TargetGroupBinding['spec']): void {
    if (typeof after.targetGroupARN === 'string') {
      this.addForward({ action: 'noop', kind: 'TargetGroupBinding', id: d.id, after, reason: 'its target group exists; assumed in place (no observed bindings given)' }, d.spec);
    } else {
      this.addForward({ action: 'create', kind: 'TargetGroupBinding', id: d.id, after, reason: 'its target group is created by this plan' }, d.spec);
    }
  }

  matchBinding(d: TargetGroupBinding, o: ObservedBinding, after: TargetGroupBinding['spec']): void {
    const diffs = bindingDiffs(d.spec, o.spec, this.resolve);
    const replaceFields = diffs.filter((x) => x.status === 'changed' && x.forcesReplacement).map((x) => x.path);
    const base = { kind: 'TargetGroupBinding' as const, id: d.id, before: o.spec, after };
    if (replaceFields.length === 0) {
      this.addForward(inPlaceChange(base, diffs), d.spec);
      return;
    }
    const fields = diffs.filter((x) => x.status === 'changed').map((x) => x.path);
    const common = { action: 'replace' as const, ...base, reason: `${replaceFields.join(', ')} cannot change in place`, replaceFields, fields, diffs };
    this.addDelete({ ...common, phase: 'delete' }, 'early', [bindingKey(o)]);
    this.addForward({ ...common, phase: 'create' }, d.spec);
  }

  run(): Plan {
    this.planTagged(securityGroupKind);
    this.planTagged(targetGroupKind);
    this.planTagged(loadBalancerKind);
    this.planListeners();
    this.planRules();
    this.planBindings();
    const changes = [...orderNodes(this.early, 'reverse'), ...orderNodes(this.forward, 'forward'), ...orderNodes(this.late, 'reverse')];
    const complete = !changes.some((c) => (c.unknownFields?.length ?? 0) > 0 || containsUnknown(c.after));
    return {
      formatVersion: '1', stackId: this.stack.id, ...(this.stack.family === 'service' ? { family: 'service' as const } : {}),
      changes, complete, ...(this.warnings.length ? { warnings: this.warnings } : {}),
    };
  }
}

function refValues<S extends Spec, O extends Observed<S>>(mod: TaggedKind<S, O>, o: O): string[] {
  return (['groupId', 'dnsName'] as const).map((f) => mod.refValue(o, f)).filter((v): v is string => v !== undefined);
}

/**
 * Plan one stack against what AWS holds for it. An empty desired stack (no resources) plans the deletion
 * of everything observed.
 */
export function planStack(desired: Stack, observed: ObservedState, opts: PlanOptions): Plan {
  return new Planner(desired, observed, opts).run();
}

/** the desired stack of a group with no members left: planning it deletes everything the stack owns */
export const emptyStack = (id: string, family?: Stack['family']): Stack => ({ id, ...(family ? { family } : {}), members: [], resources: [] });

