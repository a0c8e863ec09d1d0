// Listener rules on one existing listener, reconciled without a traffic gap and without priority clashes:
//   1. pair desired and observed rules with the same conditions and actions (content), then the rest by priority;
//      a content pair whose target priority is held by a rule that would be deleted is re-paired so that
//      rule is modified in place instead (so no move ever lands on an occupied priority);
//   2. moves: a rule whose target priority is free moves there directly; the others first go to a free range
//      above every priority in use, then to their final priority once the range below is clear (no swaps);
//   3. modify in place (same priority, new content), then 4. create, and only at the end 5. delete stale rules.
import type { ListenerRule } from '../../model/stack.ts';
import type { ObservedListenerRule } from '../../model/observed.ts';
import type { ListenerRuleSpec } from '../../model/elbv2.ts';
import { diffFields, diffTags, type TagContext } from '../compare.ts';
import type { Change, FieldDiff } from '../types.ts';
import { canonicalJson, containsRef, containsUnknown, resolveRefs, type Resolver } from '../values.ts';
import { normalizeActions, normalizeConditions } from './actions.ts';

export interface RulePlan {
  /** moves, then modifications (and unchanged rules), then creates: execute in this order */
  readonly steps: readonly Change[];
  /** stale rules, to delete after everything else on the listener */
  readonly deletes: readonly Change[];
}

const contentOf = (spec: Pick<ListenerRuleSpec, 'conditions' | 'actions'>): string =>
  canonicalJson({ conditions: normalizeConditions(spec.conditions), actions: normalizeActions(spec.actions) });

export const observedRuleSpec = (o: ObservedListenerRule): ListenerRuleSpec => ({ ...o.spec, tags: o.tags });

export function ruleContentDiffs(d: ListenerRuleSpec, o: ObservedListenerRule, resolve: Resolver, tags: TagContext): FieldDiff[] {
  return [
    ...diffFields([
      { path: 'conditions', desired: d.conditions, observed: o.spec.conditions, normalize: normalizeConditions },
      { path: 'actions', desired: d.actions, observed: o.spec.actions, normalize: normalizeActions },
    ], resolve),
    ...diffTags(d.tags, o.tags, tags),
  ];
}

interface Pairing {
  readonly content: Map<ListenerRule, ObservedListenerRule>;
  readonly byPriority: Map<ListenerRule, ObservedListenerRule>;
}

function pairRules(desired: readonly ListenerRule[], observed: readonly ObservedListenerRule[], resolve: Resolver): Pairing {
  const content = new Map<ListenerRule, ObservedListenerRule>();
  const byPriority = new Map<ListenerRule, ObservedListenerRule>();
  const used = new Set<ObservedListenerRule>();
  const keyOf = new Map<ListenerRule, string | undefined>();
  for (const d of desired) {
    const resolved = resolveRefs({ conditions: d.spec.conditions, actions: d.spec.actions }, resolve);
    keyOf.set(d, containsRef(resolved) || containsUnknown(resolved) ? undefined : contentOf(resolved));
  }
  const obsKey = new Map(observed.map((o) => [o, contentOf(o.spec)]));
  // same content at the same priority first, then same content anywhere (lowest priority first)
  for (const samePriority of [true, false]) {
    for (const d of desired) {
      if (content.has(d) || keyOf.get(d) === undefined) continue;
      const o = observed.find((c) => !used.has(c) && obsKey.get(c) === keyOf.get(d) && (!samePriority || c.spec.priority === d.spec.priority));
      if (o) { content.set(d, o); used.add(o); }
    }
  }
  const pairByPriority = (d: ListenerRule): void => {
    const o = observed.find((c) => !used.has(c) && c.spec.priority === d.spec.priority);
    if (o) { byPriority.set(d, o); used.add(o); }
  };
  for (const d of desired) if (!content.has(d)) pairByPriority(d);
  // a stale rule sitting on a priority that a moved rule needs is modified in place instead
  for (;;) {
    const blocker = observed.find((c) => !used.has(c) && desired.some((d) => content.has(d) && d.spec.priority === c.spec.priority));
    if (!blocker) break;
    const d = desired.find((x) => content.has(x) && x.spec.priority === blocker.spec.priority) as ListenerRule;
    const freed = content.get(d) as ObservedListenerRule;
    content.delete(d);
    used.delete(freed);
    byPriority.set(d, blocker);
    used.add(blocker);
    const waiting = desired.find((x) => !content.has(x) && !byPriority.has(x) && x.spec.priority === freed.spec.priority);
    if (waiting) { byPriority.set(waiting, freed); used.add(freed); }
  }
  return { content, byPriority };
}

const withPriority = (spec: ListenerRuleSpec, priority: number): ListenerRuleSpec => ({ ...spec, priority });

export function reconcileRules(desired: readonly ListenerRule[], observed: readonly ObservedListenerRule[], port: number, resolve: Resolver, tags: TagContext): RulePlan {
  const sortedDesired = [...desired].sort((a, b) => a.spec.priority - b.spec.priority);
  const sortedObserved = [...observed].sort((a, b) => a.spec.priority - b.spec.priority);
  const { content, byPriority } = pairRules(sortedDesired, sortedObserved, resolve);
  const occupied = new Set(sortedObserved.map((o) => o.spec.priority));
  let free = Math.max(0, ...occupied, ...sortedDesired.map((d) => d.spec.priority)) + 1;

  const viaTemp: Change[] = [];
  const direct: Change[] = [];
  const final: Change[] = [];
  const inPlace: Change[] = [];
  const creates: Change[] = [];
  for (const d of sortedDesired) {
    const after = resolveRefs(d.spec, resolve);
    const c = content.get(d);
    const p = byPriority.get(d);
    if (c && c.spec.priority !== d.spec.priority) {
      const tagDiffs = diffTags(d.spec.tags, c.tags, tags);
      const base = { action: 'update' as const, kind: 'ListenerRule' as const, id: d.id, arn: c.arn };
      let from = c.spec.priority;
      if (occupied.has(d.spec.priority)) {
        const temp = free++;
        viaTemp.push({
          ...base, before: observedRuleSpec(c), after: withPriority(after, temp), fields: ['priority'],
          diffs: [{ path: 'priority', before: from, after: temp, status: 'changed' }],
          reason: `same conditions and actions; moves first to free priority ${temp}, since priority ${d.spec.priority} is still held by a rule that moves too`,
        });
        from = temp;
      }
      const diffs: FieldDiff[] = [{ path: 'priority', before: from, after: d.spec.priority, status: 'changed' }, ...tagDiffs];
      (from === c.spec.priority ? direct : final).push({
        ...base, before: withPriority(observedRuleSpec(c), from), after, fields: diffs.map((x) => x.path), diffs,
        reason: `same conditions and actions; moves from priority ${from} to ${d.spec.priority}`,
      });
    } else if (c || p) {
      inPlace.push(inPlaceChange(d, (c ?? p) as ObservedListenerRule, after, resolve, tags));
    } else {
      creates.push({ action: 'create', kind: 'ListenerRule', id: d.id, after, reason: `no rule with these conditions and actions at priority ${d.spec.priority}` });
    }
  }
  const matched = new Set([...content.values(), ...byPriority.values()]);
  const deletes: Change[] = sortedObserved.filter((o) => !matched.has(o)).map((o) => ({
    action: 'delete', kind: 'ListenerRule', id: `${port}:${o.spec.priority}`, arn: o.arn, before: observedRuleSpec(o),
    reason: `no desired rule has these conditions and actions or priority ${o.spec.priority}`,
  }));
  return { steps: [...viaTemp, ...direct, ...final, ...inPlace, ...creates], deletes };
}

function inPlaceChange(d: ListenerRule, o: ObservedListenerRule, after: ListenerRuleSpec, resolve: Resolver, tags: TagContext): Change {
  const diffs = ruleContentDiffs(d.spec, o, resolve, tags);
  const fields = diffs.filter((x) => x.status === 'changed').map((x) => x.path);
  const unknownFields = diffs.filter((x) => x.status === 'unknown').map((x) => x.path);
  const base = { kind: 'ListenerRule' as const, id: d.id, arn: o.arn, before: observedRuleSpec(o), after };
  const extra = { ...(unknownFields.length ? { unknownFields } : {}), ...(diffs.length ? { diffs } : {}) };
  if (fields.length === 0) {
    const reason = unknownFields.length ? `no known difference; ${unknownFields.join(', ')} known after discovery` : 'matches';
    return { action: 'noop', ...base, reason, ...extra };
  }
  const content = fields.some((f) => f === 'conditions' || f === 'actions');
  const reason = content ? `modified in place at priority ${d.spec.priority}: ${fields.join(', ')} differ` : `${fields.join(', ')} differ`;
  return { action: 'update', ...base, reason, fields, ...extra };
}
