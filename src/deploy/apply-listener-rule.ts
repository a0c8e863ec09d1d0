// ListenerRule: create, ModifyRule for conditions/actions, SetRulePriorities for moves, delete.
//
// Priorities are unique per listener, and SetRulePriorities refuses a target another rule holds (moto
// even refuses one a moving rule holds). The plan already orders moves and creates so that each one
// targets a free priority, without ever putting a rule behind one it should precede (see
// src/plan/kinds/listener-rule.ts). Apply does not reorder anything itself: a move or create whose
// priority is still held (the plan is wrong, or the listener changed since it was observed) stops the
// apply with PriorityConflict, and the next reconcile re-observes and plans again.
import {
  CreateRuleCommand, DeleteRuleCommand, ModifyRuleCommand, SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ModifyRuleInput } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ListenerRuleSpec } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange } from './apply-types.ts';
import type { ApplyContext } from './apply-context.ts';
import { existingArn, keyOf, observedBefore, remember, resolvedAfter, tagDiff } from './apply-context.ts';
import { differsFor, isAwsError, sameValue, toSdkTags } from './apply-support.ts';
import { normalizeActions, normalizeConditions, normalizeTransforms } from '../plan/kinds/actions.ts';
import type { Resolved } from './apply-support.ts';
import { syncElbTags } from './apply-load-balancer.ts';
import { oidcClientFor, recordOidcDigest } from './apply-oidc.ts';
import { toSdkActions, toSdkConditions, toSdkTransform } from './sdk-shapes.ts';

type Spec = Resolved<ListenerRuleSpec>;

/** Who holds which priority on each listener, as far as this apply knows. */
export class RulePriorityBook {
  private readonly held = new Map<string, Map<number, string>>();
  private readonly at = new Map<string, { listenerArn: string; priority: number }>();

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

  dropListener(listenerArn: string): void {
    for (const ruleArn of this.held.get(listenerArn)?.values() ?? []) this.at.delete(ruleArn);
    this.held.delete(listenerArn);
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

/** the plan should never target a held priority; if it does, stop rather than reorder rules behind its back */
function priorityConflict(resource: string, priority: number, holder: string | undefined, cause?: unknown): ApplyError {
  const by = holder ? ` by ${holder}` : ' (AWS says PriorityInUse)';
  return new ApplyError('PriorityConflict', `${resource}: priority ${priority} is still held${by}; the plan does not free it first (re-observe and plan again)`, { resource, ...(cause ? { cause } : {}) });
}

/** the call, with PriorityInUse turned into PriorityConflict */
async function atFreePriority<T>(resource: string, priority: number, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isAwsError(err, 'PriorityInUse')) throw priorityConflict(resource, priority, undefined, err);
    throw err;
  }
}

async function createRule(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const key = keyOf(change);
  const spec = resolvedAfter<ListenerRuleSpec>(ctx, change);
  const holder = ctx.rules.holder(spec.listener, spec.priority);
  if (holder !== undefined) throw priorityConflict(key, spec.priority, holder);
  const oidc = await oidcClientFor(ctx, spec.actions, key);
  const tags = { ...spec.tags, ...oidc.tags };
  const out = await atFreePriority(key, spec.priority, () => ctx.elbv2.send(new CreateRuleCommand({
    ListenerArn: spec.listener,
    Priority: spec.priority,
    Conditions: toSdkConditions(spec.conditions),
    Actions: toSdkActions(spec.actions, oidc.client),
    ...(spec.transforms?.length ? { Transforms: spec.transforms.map(toSdkTransform) } : {}),
    ...(Object.keys(tags).length ? { Tags: toSdkTags(tags) } : {}),
  })));
  const arn = out.Rules?.[0]?.RuleArn;
  if (!arn) throw new ApplyError('AwsError', `${key}: CreateRule returned no ARN`, { resource: key });
  remember(ctx, change, { arn });
  ctx.rules.record(spec.listener, arn, spec.priority);
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
  const actionsChanged = differs('actions', () => !sameValue(normalizeActions(before.actions), normalizeActions(after.actions)));
  const oidc = actionsChanged ? await oidcClientFor(ctx, after.actions, key) : { tags: {} };
  const transformsChanged = differs('transforms', () => !sameValue(normalizeTransforms(before.transforms), normalizeTransforms(after.transforms)));
  const input: ModifyRuleInput = {
    RuleArn: arn,
    ...(differs('conditions', () => !sameValue(normalizeConditions(before.conditions), normalizeConditions(after.conditions)))
      ? { Conditions: toSdkConditions(after.conditions) } : {}),
    ...(actionsChanged ? { Actions: toSdkActions(after.actions, oidc.client) } : {}),
    // an empty Transforms list leaves the rule's transforms as they are: ResetTransforms removes them
    ...(!transformsChanged ? {} : after.transforms?.length ? { Transforms: after.transforms.map(toSdkTransform) } : { ResetTransforms: true }),
  };
  if (input.Conditions || input.Actions || input.Transforms || input.ResetTransforms) await ctx.elbv2.send(new ModifyRuleCommand(input));
  await recordOidcDigest(ctx, arn, oidc);
  if (differs('tags', () => true)) await syncElbTags(ctx, arn, tagDiff(ctx, before.tags, after.tags));
  remember(ctx, change, { arn });
}

async function moveRule(ctx: ApplyContext, resource: string, listenerArn: string, ruleArn: string, target: number): Promise<void> {
  const holder = ctx.rules.holder(listenerArn, target);
  if (holder === ruleArn) return;
  if (holder !== undefined) throw priorityConflict(resource, target, holder);
  await atFreePriority(resource, target, () => ctx.elbv2.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: ruleArn, Priority: target }] })));
  ctx.rules.record(listenerArn, ruleArn, target);
}

async function deleteRule(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const arn = existingArn(change);
  try {
    await ctx.elbv2.send(new DeleteRuleCommand({ RuleArn: arn }));
  } catch (err) {
    if (!isAwsError(err, 'RuleNotFound')) throw err;
  }
  ctx.rules.forget(arn);
  const key = keyOf(change);
  if (ctx.resources.get(key)?.arn === arn) ctx.resources.delete(key);
}
