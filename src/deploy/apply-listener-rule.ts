// ListenerRule: create, ModifyRule for conditions/actions, SetRulePriorities for moves, delete.
//
// Priorities are unique per listener, and SetRulePriorities refuses a target another rule holds (moto
// even refuses one a moving rule holds). The plan orders moves first; when a target is still taken
// the rule is parked at a free priority at the top of the range and moved to its place as soon as
// the holder moves or goes. Whatever is still parked when the plan ends is an error.
import {
  CreateRuleCommand, DeleteRuleCommand, ModifyRuleCommand, SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ModifyRuleInput } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ListenerRuleSpec } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange } from './apply-types.ts';
import type { ApplyContext } from './apply-context.ts';
import { existingArn, keyOf, observedBefore, remember, resolvedAfter, tagDiff } from './apply-context.ts';
import { differsFor, isAwsError, unless, sameValue, toSdkTags } from './apply-support.ts';
import { normalizeActions, normalizeConditions } from '../plan/kinds/actions.ts';
import type { Resolved } from './apply-support.ts';
import { syncElbTags } from './apply-load-balancer.ts';
import { toSdkActions, toSdkConditions } from './sdk-shapes.ts';

type Spec = Resolved<ListenerRuleSpec>;

/** ALB's highest rule priority; parking spots are taken downward from here. */
export const MAX_RULE_PRIORITY = 50_000;

interface Pending { readonly listenerArn: string; readonly priority: number; readonly resource: string }

/** Who holds which priority on each listener, as far as this apply knows, and the parked rules. */
export class RulePriorityBook {
  private readonly held = new Map<string, Map<number, string>>();
  private readonly at = new Map<string, { listenerArn: string; priority: number }>();
  readonly pending = new Map<string, Pending>();

  record(listenerArn: string, ruleArn: string, priority: number): void {
    this.forget(ruleArn);
    let m = this.held.get(listenerArn);
    if (!m) this.held.set(listenerArn, (m = new Map()));
    m.set(priority, ruleArn);
    this.at.set(ruleArn, { listenerArn, priority });
  }

  forget(ruleArn: string): void {
    const where = this.at.get(ruleArn);
    if (where) this.held.get(where.listenerArn)?.delete(where.priority);
    this.at.delete(ruleArn);
  }

  knows(ruleArn: string): boolean {
    return this.at.has(ruleArn);
  }

  holder(listenerArn: string, priority: number): string | undefined {
    return this.held.get(listenerArn)?.get(priority);
  }

  freeHighPriority(listenerArn: string): number {
    const m = this.held.get(listenerArn);
    let p = MAX_RULE_PRIORITY;
    while (m?.has(p)) p--;
    return p;
  }

  dropListener(listenerArn: string): void {
    for (const ruleArn of this.held.get(listenerArn)?.values() ?? []) this.at.delete(ruleArn);
    this.held.delete(listenerArn);
    for (const [ruleArn, p] of this.pending) if (p.listenerArn === listenerArn) this.pending.delete(ruleArn);
  }
}

export function seedRulePriorities(book: RulePriorityBook, changes: readonly ApplyChange[]): void {
  for (const c of changes) {
    if (c.kind !== 'ListenerRule' || !c.arn || c.before === undefined) continue;
    const b = c.before as ListenerRuleSpec;
    // a rule moved through a free priority appears twice; its first appearance says where it is now
    if (typeof b.listener === 'string' && !book.knows(c.arn)) book.record(b.listener, c.arn, b.priority);
  }
}

export async function applyListenerRule(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  switch (change.action) {
    case 'noop': return;
    case 'create': return createRule(change, ctx);
    case 'update': return updateRule(change, ctx);
    case 'delete': return deleteRule(change, ctx);
    case 'replace':
      await deleteRule(change, ctx);
      return createRule(change, ctx);
  }
}

async function createRule(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const key = keyOf(change);
  const spec = resolvedAfter<ListenerRuleSpec>(ctx, change);
  const send = (priority: number) => ctx.elbv2.send(new CreateRuleCommand({
    ListenerArn: spec.listener,
    Priority: priority,
    Conditions: toSdkConditions(spec.conditions),
    Actions: toSdkActions(spec.actions),
    ...(Object.keys(spec.tags).length ? { Tags: toSdkTags(spec.tags) } : {}),
  }));
  const taken = ctx.rules.holder(spec.listener, spec.priority) !== undefined;
  let out = taken ? undefined : await unless(() => send(spec.priority), 'PriorityInUse');
  let priority = spec.priority;
  if (!out) {
    priority = ctx.rules.freeHighPriority(spec.listener);
    out = await send(priority);
  }
  const arn = out.Rules?.[0]?.RuleArn;
  if (!arn) throw new ApplyError('AwsError', `${key}: CreateRule returned no ARN`, { resource: key });
  remember(ctx, change, { arn });
  ctx.rules.record(spec.listener, arn, priority);
  if (priority !== spec.priority) {
    ctx.log.info('rule created at a parking priority until its own is free', { resource: key, parked: priority, priority: spec.priority });
    ctx.rules.pending.set(arn, { listenerArn: spec.listener, priority: spec.priority, resource: key });
  }
}

async function updateRule(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const key = keyOf(change);
  const arn = existingArn(change);
  const before = observedBefore<ListenerRuleSpec>(change) as Spec;
  const after = resolvedAfter<ListenerRuleSpec>(ctx, change);
  if (before.listener !== after.listener) {
    throw new ApplyError('ImmutableField', `${key}: a rule cannot move to another listener; the plan should replace it`, { resource: key });
  }
  if (before.priority !== after.priority) await moveRule(ctx, key, after.listener, arn, after.priority);
  const differs = differsFor(change.fields);
  const input: ModifyRuleInput = {
    RuleArn: arn,
    ...(differs('conditions', () => !sameValue(normalizeConditions(before.conditions), normalizeConditions(after.conditions)))
      ? { Conditions: toSdkConditions(after.conditions) } : {}),
    ...(differs('actions', () => !sameValue(normalizeActions(before.actions), normalizeActions(after.actions)))
      ? { Actions: toSdkActions(after.actions) } : {}),
  };
  if (input.Conditions || input.Actions) await ctx.elbv2.send(new ModifyRuleCommand(input));
  if (differs('tags', () => true)) await syncElbTags(ctx, arn, tagDiff(ctx, before.tags, after.tags));
  remember(ctx, change, { arn });
}

async function setPriority(ctx: ApplyContext, listenerArn: string, ruleArn: string, priority: number): Promise<void> {
  await ctx.elbv2.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: ruleArn, Priority: priority }] }));
  ctx.rules.record(listenerArn, ruleArn, priority);
}

async function moveRule(ctx: ApplyContext, resource: string, listenerArn: string, ruleArn: string, target: number): Promise<void> {
  const holder = ctx.rules.holder(listenerArn, target);
  if (holder === ruleArn) return;
  if (holder === undefined) {
    try {
      await setPriority(ctx, listenerArn, ruleArn, target);
      ctx.rules.pending.delete(ruleArn);
      return flushParked(ctx, listenerArn);
    } catch (err) {
      if (!isAwsError(err, 'PriorityInUse')) throw err;
    }
  }
  const spot = ctx.rules.freeHighPriority(listenerArn);
  ctx.log.info('rule parked until its priority is free', { resource, parked: spot, priority: target });
  await setPriority(ctx, listenerArn, ruleArn, spot);
  ctx.rules.pending.set(ruleArn, { listenerArn, priority: target, resource });
  // Parking freed the rule's old priority, which another parked rule may be waiting for.
  await flushParked(ctx, listenerArn, ruleArn);
}

/** Moves parked rules of a listener whose target priority has become free. */
export async function flushParked(ctx: ApplyContext, listenerArn: string, except?: string): Promise<void> {
  for (let progressed = true; progressed;) {
    progressed = false;
    for (const [ruleArn, p] of ctx.rules.pending) {
      if (p.listenerArn !== listenerArn || ruleArn === except || ctx.rules.holder(listenerArn, p.priority) !== undefined) continue;
      try {
        await setPriority(ctx, listenerArn, ruleArn, p.priority);
      } catch (err) {
        if (isAwsError(err, 'PriorityInUse')) continue;
        throw err;
      }
      ctx.rules.pending.delete(ruleArn);
      progressed = true;
    }
  }
}

/** At the end of apply: every parked rule must have reached its priority. */
export async function settleParked(ctx: ApplyContext): Promise<void> {
  for (const listenerArn of new Set([...ctx.rules.pending.values()].map((p) => p.listenerArn))) await flushParked(ctx, listenerArn);
  const [first] = ctx.rules.pending.values();
  if (first) {
    const holder = ctx.rules.holder(first.listenerArn, first.priority);
    throw new ApplyError('PriorityConflict', `${first.resource}: priority ${first.priority} is still held${holder ? ` by ${holder}` : ''}, which the plan neither moves nor deletes`, { resource: first.resource });
  }
}

async function deleteRule(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const arn = existingArn(change);
  const before = observedBefore<ListenerRuleSpec>(change);
  try {
    await ctx.elbv2.send(new DeleteRuleCommand({ RuleArn: arn }));
  } catch (err) {
    if (!isAwsError(err, 'RuleNotFound')) throw err;
  }
  ctx.rules.forget(arn);
  ctx.rules.pending.delete(arn);
  const key = keyOf(change);
  if (ctx.resources.get(key)?.arn === arn) ctx.resources.delete(key);
  if (typeof before.listener === 'string') await flushParked(ctx, before.listener);
}
