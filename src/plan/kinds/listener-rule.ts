// Listener rules on one existing listener, reconciled without a traffic gap, without priority clashes and
// without ever putting a kept rule behind a rule it should precede:
//   1. pair desired and observed rules with the same conditions and actions (content), then the rest by priority;
//      a content pair whose target priority is held by a rule that would be deleted is re-paired so that
//      rule is modified in place instead (so no move ever targets a stale rule's priority);
//   2. moves (SetRulePriorities, one rule a call), ordered by `orderMoves` below;
//   3. modify in place (same priority, new content), then 4. create, and only at the end 5. delete stale rules.
//
// The invariant of step 2. A *kept* rule is one whose conditions and actions stay (a content pair, moved or
// not). Two kept rules *agree* when their relative order is the same before and after (X ahead of Y in
// AWS and in the desired list). At every step, every agreeing pair is in that order: a kept rule never falls
// behind a rule it precedes before and after, so no request ever reaches the wrong rule while rules shift.
// (Pairs the desired order flips have no order to keep; each flips once.) No call targets a priority that
// any rule holds, which moto demands and AWS accepts.
//   - A move goes straight to its final priority as soon as that priority is free and landing there keeps
//     every agreeing pair in order. Inserting a rule shifts the others down: the bottom rule moves first,
//     into the free priority below it, then the next one into the slot it left, and so on (upward: top first).
//     With no reordering (agreeing pairs only) this never gets stuck and each rule moves once.
//   - Stuck means a cycle (a swap or rotation): one rule of it goes to a free temporary priority strictly
//     between the kept rules that must stay ahead of it and those that must stay behind it, so it keeps its
//     place relative to them, and moves on to its final priority once that is free.
//   - Our priorities are dense (1..n), so inside a reordered run there is usually no such free priority.
//     Then room is made below: the block of rules from the first one that must stay behind the cycle down to
//     the next free priority shifts down by one, bottom first (each into the slot just freed, so nothing
//     overtakes anything), the cycle's rule takes the freed slot, and the shifted rules return once the
//     cycle is resolved. A swap in the middle of a long list therefore costs two extra moves per rule
//     below it, the price of never misrouting on an API that takes one priority at a time.
//   - Stale rules and rules modified in place have no order to keep (their content goes away); they are
//     moved only to make room, and moved back.
import type { ListenerRule } from '../../model/stack.ts';
import type { ObservedListenerRule } from '../../model/observed.ts';
import type { ListenerRuleSpec } from '../../model/elbv2.ts';
import { diffFields, diffTags, inPlaceChange, type TagContext } from '../compare.ts';
import type { Change, FieldDiff } from '../types.ts';
import { canonicalJson, containsRef, containsUnknown, resolveRefs, type Resolver } from '../values.ts';
import { Heap } from '../heap.ts';
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

/**
 * `observed` is in priority order; every pick takes the first unused rule of a list in that order, through
 * indexes (content, priority), so pairing is O(n log n) rather than a scan per rule.
 */
function pairRules(desired: readonly ListenerRule[], observed: readonly ObservedListenerRule[], resolve: Resolver): Pairing {
  const content = new Map<ListenerRule, ObservedListenerRule>();
  const byPriority = new Map<ListenerRule, ObservedListenerRule>();
  const used = new Set<ObservedListenerRule>();
  const keyOf = new Map<ListenerRule, string | undefined>();
  for (const d of desired) {
    const resolved = resolveRefs({ conditions: d.spec.conditions, actions: d.spec.actions }, resolve);
    keyOf.set(d, containsRef(resolved) || containsUnknown(resolved) ? undefined : contentOf(resolved));
  }
  const byContentAndPriority = new FirstUnused<string, ObservedListenerRule>(used);
  const byContent = new FirstUnused<string, ObservedListenerRule>(used);
  const atPriority = new FirstUnused<number, ObservedListenerRule>(used);
  for (const o of observed) {
    const key = contentOf(o.spec);
    byContentAndPriority.add(`${o.spec.priority} ${key}`, o);
    byContent.add(key, o);
    atPriority.add(o.spec.priority, o);
  }
  // same content at the same priority first, then same content anywhere (lowest priority first)
  for (const samePriority of [true, false]) {
    for (const d of desired) {
      const key = keyOf.get(d);
      if (content.has(d) || key === undefined) continue;
      const o = samePriority ? byContentAndPriority.take(`${d.spec.priority} ${key}`) : byContent.take(key);
      if (o) content.set(d, o);
    }
  }
  for (const d of desired) {
    if (content.has(d)) continue;
    const o = atPriority.take(d.spec.priority);
    if (o) byPriority.set(d, o);
  }
  const unpairedAt = new Map<number, ListenerRule[]>();
  for (const d of desired) if (!content.has(d) && !byPriority.has(d)) appendTo(unpairedAt, d.spec.priority, d);
  // a stale rule sitting on a priority that a moved rule needs is modified in place instead: the first such
  // rule (in priority order) each time, from a heap of candidates checked again when taken
  const contentAt = new Map<number, ListenerRule[]>();
  for (const d of desired) if (content.has(d)) appendTo(contentAt, d.spec.priority, d);
  const position = new Map(observed.map((o, i) => [o, i]));
  const candidates = new Heap((a, b) => a < b);
  const consider = (o: ObservedListenerRule): void => { if (!used.has(o) && contentAt.has(o.spec.priority)) candidates.push(position.get(o) as number); };
  observed.forEach(consider);
  for (let i = candidates.pop(); i !== undefined; i = candidates.pop()) {
    const blocker = observed[i] as ObservedListenerRule;
    const holders = contentAt.get(blocker.spec.priority);
    if (used.has(blocker) || !holders) continue;
    const d = holders.shift() as ListenerRule;
    if (holders.length === 0) contentAt.delete(blocker.spec.priority);
    const freed = content.get(d) as ObservedListenerRule;
    content.delete(d);
    used.delete(freed);
    byPriority.set(d, blocker);
    used.add(blocker);
    const waiting = unpairedAt.get(freed.spec.priority)?.shift();
    if (waiting) { byPriority.set(waiting, freed); used.add(freed); } else consider(freed);
  }
  return { content, byPriority };
}

/** lists in insertion order; `take` returns (and marks used) the first entry not in `used` */
class FirstUnused<K, V> {
  readonly #lists = new Map<K, { items: V[]; next: number }>();
  readonly #used: Set<V>;

  constructor(used: Set<V>) {
    this.#used = used;
  }

  add(key: K, value: V): void {
    const l = this.#lists.get(key);
    if (l) l.items.push(value);
    else this.#lists.set(key, { items: [value], next: 0 });
  }

  take(key: K): V | undefined {
    const l = this.#lists.get(key);
    if (!l) return undefined;
    // entries before `next` were used when passed; `used` only grows while `take` is in use
    while (l.next < l.items.length && this.#used.has(l.items[l.next] as V)) l.next++;
    const v = l.items[l.next];
    if (v === undefined) return undefined;
    this.#used.add(v);
    return v;
  }
}

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const withPriority = (spec: ListenerRuleSpec, priority: number): ListenerRuleSpec => ({ ...spec, priority });

/** ALB's highest rule priority (the lowest in precedence) */
export const MAX_RULE_PRIORITY = 50_000;

/** one observed rule of the listener, as `orderMoves` tracks it */
export interface RuleSlot {
  readonly arn: string;
  /** its priority in AWS now */
  readonly from: number;
  /** where it must end: the desired priority of its pair, or where it is (stale rules) */
  readonly to: number;
  /** same conditions and actions before and after: its order relative to other kept rules is kept */
  readonly kept: boolean;
}

export interface RuleMove {
  readonly arn: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Single-rule priority changes that take every slot from `from` to `to` under the invariant in the header.
 * `ordered: false` only if the search gave up (a safety net; no known input reaches it): then the remaining
 * rules go through a free range behind every rule, which keeps priorities unique but not the order.
 */
export function orderMoves(slots: readonly RuleSlot[]): { moves: RuleMove[]; ordered: boolean } {
  const cur = new Map(slots.map((s) => [s.arn, s.from]));
  const at = new Map(slots.map((s) => [s.from, s.arn]));
  const goal = new Map(slots.map((s) => [s.arn, s.to]));
  const moves: RuleMove[] = [];
  const go = (arn: string, to: number): void => {
    const from = cur.get(arn) as number;
    at.delete(from);
    at.set(to, arn);
    cur.set(arn, to);
    moves.push({ arn, from, to });
  };
  const kept = slots.filter((s) => s.kept);
  const ahead = (a: RuleSlot, b: RuleSlot): boolean => a.kept && b.kept && a.from < b.from && a.to < b.to;
  /** free priorities p may take for s: strictly between the kept rules that stay ahead of it and those behind */
  const bounds = (s: RuleSlot): [number, number] => {
    let lo = 0;
    let hi = MAX_RULE_PRIORITY + 1;
    for (const x of kept) {
      const p = cur.get(x.arn) as number;
      if (ahead(x, s)) lo = Math.max(lo, p);
      if (ahead(s, x)) hi = Math.min(hi, p);
    }
    return [lo, hi];
  };
  const fits = (s: RuleSlot, p: number): boolean => {
    if (at.has(p)) return false; // cheap first: bounds() looks at every kept rule
    const [lo, hi] = bounds(s);
    return lo < p && p < hi;
  };
  // pending rules in desired order; a rule sitting on another's target is the one to take out of a cycle
  const byGoal = [...slots].sort((a, b) => (goal.get(a.arn) as number) - (goal.get(b.arn) as number));
  const pending = (): RuleSlot[] => byGoal.filter((s) => cur.get(s.arn) !== goal.get(s.arn));
  const blocking = (list: readonly RuleSlot[]): RuleSlot[] => {
    const targets = new Set(list.map((s) => goal.get(s.arn)));
    return [...list.filter((s) => targets.has(cur.get(s.arn))), ...list.filter((s) => !targets.has(cur.get(s.arn)))];
  };
  const parked = new Set<string>();
  const limit = 4 * slots.length + 8;
  for (let todo = pending(); todo.length > 0; todo = pending()) {
    if (moves.length > limit) return { moves: [...moves, ...throughFreeRange(todo, cur, at)], ordered: false };
    const ready = todo.find((s) => fits(s, goal.get(s.arn) as number));
    if (ready) {
      go(ready.arn, goal.get(ready.arn) as number);
      continue;
    }
    if (park(blocking(todo))) continue;
    if (!makeRoom(blocking(todo))) return { moves: [...moves, ...throughFreeRange(todo, cur, at)], ordered: false };
  }
  return { moves, ordered: true };

  /**
   * A cycle: one rule of it to a temporary priority that keeps it between its neighbours, chosen so that
   * another rule can then move to its final priority (else the first rule with any such priority).
   */
  function park(candidates: readonly RuleSlot[]): boolean {
    const targets = new Set([...goal.values()]);
    const top = Math.max(...at.keys(), ...targets) + 1;
    let fallback: [RuleSlot, number] | undefined;
    for (const s of candidates) {
      const [lo, hi] = bounds(s);
      const score = (p: number): number => (targets.has(p) ? MAX_RULE_PRIORITY * 2 : 0) + Math.abs(p - (goal.get(s.arn) as number));
      const free: number[] = [];
      for (let p = lo + 1; p < Math.min(hi, top + 1, MAX_RULE_PRIORITY + 1); p++) if (!at.has(p)) free.push(p);
      free.sort((a, b) => score(a) - score(b));
      for (const p of free) {
        const was = cur.get(s.arn) as number;
        at.delete(was); at.set(p, s.arn); cur.set(s.arn, p);
        const unblocks = pending().some((x) => x !== s && fits(x, goal.get(x.arn) as number));
        at.delete(p); at.set(was, s.arn); cur.set(s.arn, was);
        if (unblocks) {
          go(s.arn, p);
          return true;
        }
      }
      if (!fallback && free[0] !== undefined && !parked.has(s.arn)) fallback = [s, free[0]];
    }
    if (!fallback) return false;
    parked.add(fallback[0].arn);
    go(fallback[0].arn, fallback[1]);
    return true;
  }

  /** no free priority between a cycle rule's neighbours: shift the block behind it down by one to free one */
  function makeRoom(candidates: readonly RuleSlot[]): boolean {
    let pick: { s: RuleSlot; hi: number; free: number } | undefined;
    for (const s of candidates) {
      const [, hi] = bounds(s);
      let free = hi;
      while (at.has(free)) free++;
      if (hi > MAX_RULE_PRIORITY || free > MAX_RULE_PRIORITY) continue;
      if (!pick || free - hi < pick.free - pick.hi) pick = { s, hi, free };
    }
    if (!pick) return false;
    for (let p = pick.free - 1; p >= pick.hi; p--) {
      const arn = at.get(p) as string;
      // a rule that was where it belongs comes back here once the cycle is resolved
      go(arn, p + 1);
    }
    go(pick.s.arn, pick.hi);
    return true;
  }
}

/** the safety net: every remaining rule to a free priority behind all others (in their current order), then home */
function throughFreeRange(todo: readonly RuleSlot[], cur: Map<string, number>, at: Map<number, string>): RuleMove[] {
  const out: RuleMove[] = [];
  let free = Math.max(...at.keys(), ...todo.map((s) => s.to)) + 1;
  const byPosition = [...todo].sort((a, b) => (cur.get(a.arn) as number) - (cur.get(b.arn) as number));
  for (const s of byPosition) {
    out.push({ arn: s.arn, from: cur.get(s.arn) as number, to: free });
    cur.set(s.arn, free++);
  }
  for (const s of byPosition) out.push({ arn: s.arn, from: cur.get(s.arn) as number, to: s.to });
  return out;
}

export function reconcileRules(desired: readonly ListenerRule[], observed: readonly ObservedListenerRule[], port: number, resolve: Resolver, tags: TagContext): RulePlan {
  const sortedDesired = [...desired].sort((a, b) => a.spec.priority - b.spec.priority);
  const sortedObserved = [...observed].sort((a, b) => a.spec.priority - b.spec.priority);
  const { content, byPriority } = pairRules(sortedDesired, sortedObserved, resolve);
  const pairOf = new Map<ObservedListenerRule, ListenerRule>();
  for (const [d, o] of [...content, ...byPriority]) pairOf.set(o, d);

  const slots: RuleSlot[] = sortedObserved.map((o) => ({
    arn: o.arn, from: o.spec.priority, to: pairOf.get(o)?.spec.priority ?? o.spec.priority, kept: content.get(pairOf.get(o) as ListenerRule) === o,
  }));
  const { moves, ordered } = orderMoves(slots);
  const byArn = new Map(sortedObserved.map((o) => [o.arn, o]));
  const lastMove = new Map(moves.map((m, i) => [m.arn, i]));
  const steps: Change[] = moves.map((m, i) => {
    const o = byArn.get(m.arn) as ObservedListenerRule;
    const d = pairOf.get(o);
    const base = { action: 'update' as const, kind: 'ListenerRule' as const, id: d?.id ?? `${port}:${o.spec.priority}`, arn: o.arn, before: withPriority(observedRuleSpec(o), m.from) };
    const caveat = ordered ? '' : ' (the order of rules is not kept while they move: no order-keeping sequence was found)';
    const home = d?.spec.priority ?? o.spec.priority;
    if (d && content.get(d) === o && home !== o.spec.priority && lastMove.get(m.arn) === i) {
      // the final move of a kept rule also retags it (the resource tag carries the priority)
      const diffs: FieldDiff[] = [{ path: 'priority', before: m.from, after: m.to, status: 'changed' }, ...diffTags(d.spec.tags, o.tags, tags)];
      return { ...base, after: resolveRefs(d.spec, resolve), fields: diffs.map((x) => x.path), diffs, reason: `same conditions and actions; moves from priority ${m.from} to ${m.to}${caveat}` };
    }
    const why = lastMove.get(m.arn) === i ? `moves back to priority ${m.to}`
      : home === o.spec.priority ? `makes room: moves to free priority ${m.to} for now, back to ${home} later`
        : `moves to free priority ${m.to} for now, keeping its place among the rules around it, until priority ${home} is free`;
    return {
      ...base, after: withPriority(observedRuleSpec(o), m.to), fields: ['priority'],
      diffs: [{ path: 'priority', before: m.from, after: m.to, status: 'changed' }], reason: `${why}${caveat}`,
    };
  });

  const inPlace: Change[] = [];
  const creates: Change[] = [];
  for (const d of sortedDesired) {
    const after = resolveRefs(d.spec, resolve);
    const c = content.get(d);
    const p = byPriority.get(d);
    if (c && c.spec.priority !== d.spec.priority) continue; // moved above
    if (c || p) {
      const o = (c ?? p) as ObservedListenerRule;
      const diffs = ruleContentDiffs(d.spec, o, resolve, tags);
      const base = { kind: 'ListenerRule' as const, id: d.id, arn: o.arn, before: observedRuleSpec(o), after };
      inPlace.push(inPlaceChange(base, diffs, (fields) => fields.some((f) => f === 'conditions' || f === 'actions')
        ? `modified in place at priority ${d.spec.priority}: ${fields.join(', ')} differ` : `${fields.join(', ')} differ`));
    } else {
      creates.push({ action: 'create', kind: 'ListenerRule', id: d.id, after, reason: `no rule with these conditions and actions at priority ${d.spec.priority}` });
    }
  }
  const deletes: Change[] = sortedObserved.filter((o) => !pairOf.has(o)).map((o) => ({
    action: 'delete', kind: 'ListenerRule', id: `${port}:${o.spec.priority}`, arn: o.arn, before: observedRuleSpec(o),
    reason: `no desired rule has these conditions and actions or priority ${o.spec.priority}`,
  }));
  return { steps: [...steps, ...inPlace, ...creates], deletes };
}
