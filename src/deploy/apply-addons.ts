// The load balancer's add-ons: the WAFv2 web ACL association and the Shield Advanced
// protection (ADR 16). Each is written only when the desired spec sets it and it differs from what was read;
// a protection is deleted only when its name says this controller (or upstream) made it.
import { CreateProtectionCommand, DeleteProtectionCommand, type ShieldClient } from '@aws-sdk/client-shield';
import { AssociateWebACLCommand, DisassociateWebACLCommand } from '@aws-sdk/client-wafv2';
import { protectionOf, shieldSubscription, type SubscriptionCheck } from '../aws/addons.ts';
import { NO_WEB_ACL, SHIELD_PROTECTION_NAME, SHIELD_PROTECTION_NAMES, type LoadBalancerSpec } from '../model/index.ts';
import type { ApplyContext } from './apply-context.ts';
import type { Differs, Resolved } from './apply-support.ts';
import { ApplyError } from './apply-types.ts';

type Spec = Resolved<LoadBalancerSpec>;

/** how long a subscription check is trusted (upstream: 2 h) */
const SUBSCRIPTION_TTL_MS = 2 * 3_600_000;
/**
 * how long a check that could not be made is trusted: long enough that the applies of many groups (each
 * retrying two failing calls) do not each wait for it, short enough that a fixed permission is seen soon
 */
export const UNKNOWN_SUBSCRIPTION_TTL_MS = 5 * 60_000;
const subscriptions = new WeakMap<ShieldClient, { check: Promise<SubscriptionCheck>; until: number }>();

/** one check per client at a time: the groups deleted or applied together share it (shieldSubscription never throws) */
async function subscription(client: ShieldClient, now: number): Promise<SubscriptionCheck> {
  const cached = subscriptions.get(client);
  if (cached && now < cached.until) return cached.check;
  const pending = shieldSubscription(client);
  subscriptions.set(client, { check: pending, until: Number.POSITIVE_INFINITY });
  const check = await pending;
  subscriptions.set(client, { check: pending, until: now + ('unknown' in check ? UNKNOWN_SUBSCRIPTION_TTL_MS : SUBSCRIPTION_TTL_MS) });
  return check;
}

function clients(ctx: ApplyContext, key: string) {
  if (!ctx.addons) throw new ApplyError('InvalidChange', `${key}: the plan sets a web ACL or Shield protection, but apply was given no WAF/Shield clients`, { resource: key });
  return ctx.addons;
}

/** The load balancer `lb` from `current` (undefined: just created) to `desired`. */
export async function convergeAddons(ctx: ApplyContext, lb: { readonly key: string; readonly arn: string }, current: Spec | undefined, desired: Spec, differs: Differs): Promise<void> {
  const { key, arn } = lb;
  const v2 = desired.wafv2WebAclArn;
  if (v2 !== undefined && differs('wafv2WebAclArn', () => (current?.wafv2WebAclArn ?? NO_WEB_ACL) !== v2)) {
    const waf = clients(ctx, key).wafv2;
    // away from the old web ACL first: moto (and a reader of both lists) would otherwise see the ALB in both
    if (current !== undefined && current.wafv2WebAclArn !== NO_WEB_ACL) await waf.send(new DisassociateWebACLCommand({ ResourceArn: arn }));
    if (v2 !== NO_WEB_ACL) await waf.send(new AssociateWebACLCommand({ WebACLArn: v2, ResourceArn: arn }));
  }
  const shield = desired.shieldAdvancedProtection;
  if (shield !== undefined && differs('shieldAdvancedProtection', () => (current?.shieldAdvancedProtection ?? false) !== shield)) {
    if (shield) await protect(ctx, key, arn);
    else await unprotectDeleted(ctx, key, arn, true);
  }
}

async function protect(ctx: ApplyContext, key: string, arn: string): Promise<void> {
  const client = clients(ctx, key).shield;
  const check = await subscription(client, ctx.timing.now());
  if ('unknown' in check || !check.active) {
    const why = 'unknown' in check ? `the Shield Advanced subscription could not be read (${check.unknown})` : 'the account has no active Shield Advanced subscription';
    ctx.warnings.push(`${key}: Shield Advanced protection skipped: ${why}; the rest of the load balancer is applied`);
    return;
  }
  try {
    await client.send(new CreateProtectionCommand({ Name: SHIELD_PROTECTION_NAME, ResourceArn: arn }));
  } catch (err) {
    // made by an earlier apply that did not get to record it
    if ((err as { name?: string }).name !== 'ResourceAlreadyExistsException') throw err;
  }
}

async function unprotect(ctx: ApplyContext, key: string, protection: { readonly id: string; readonly name: string }): Promise<void> {
  if (!SHIELD_PROTECTION_NAMES.includes(protection.name)) {
    ctx.log.info('Shield protection left alone: another party made it', { resource: key, protection: protection.name });
    return;
  }
  try {
    await clients(ctx, key).shield.send(new DeleteProtectionCommand({ ProtectionId: protection.id }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
}

/**
 * The protection this controller made for the load balancer goes: when the spec asks for none (`asked`), and before
 * the load balancer is deleted (AWS would keep the protection) unless --enable-shield=false. Read again here, so
 * whose it is is judged on what AWS has now. Before a delete, an account known to have no active Shield Advanced
 * subscription (the usual case) has no protection to look for: no protection can be made without one.
 */
export async function unprotectDeleted(ctx: ApplyContext, key: string, arn: string, asked = false): Promise<void> {
  if (!asked && (!ctx.addons || !ctx.shieldOnDelete)) return;
  const client = clients(ctx, key).shield;
  if (!asked) {
    const check = await subscription(client, ctx.timing.now());
    if ('active' in check && !check.active) return;
  }
  const protection = await protectionOf(client, arn);
  if (protection) await unprotect(ctx, key, protection);
}
