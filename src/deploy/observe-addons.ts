// The add-ons of a stack's load balancer (WAFv2 web ACL, Shield Advanced), read only where the
// desired stack sets them: an Ingress with none of them costs no call, and a field nobody set is never compared
// (an association someone else made is left alone). One call per field set; none at all for a stack whose
// checkpoint matched (the controller does not read it), so an unchanged group makes no add-on read per resync.
import type { AddonClients } from '../aws/clients.ts';
import { protectionOf, webAclOf } from '../aws/addons.ts';
import type { ObservedLoadBalancer, ObservedState } from '../model/observed.ts';
import { resourceTagKey } from '../model/tags.ts';
import type { Stack } from '../model/stack.ts';

export async function observeAddons(addons: AddonClients, desired: Stack, observed: ObservedState): Promise<ObservedState> {
  const lb = desired.resources.find((r) => r.kind === 'LoadBalancer');
  if (lb?.kind !== 'LoadBalancer') return observed;
  const d = lb.spec;
  if (d.wafv2WebAclArn === undefined && d.shieldAdvancedProtection === undefined) return observed;
  const tag = resourceTagKey(desired.family);
  const kept = observed.loadBalancers.find((o) => o.tags[tag] === lb.id);
  if (!kept) return observed;
  const [wafv2WebAclArn, protection] = await Promise.all([
    d.wafv2WebAclArn !== undefined ? webAclOf(addons.wafv2, kept.arn) : undefined,
    d.shieldAdvancedProtection !== undefined ? protectionOf(addons.shield, kept.arn) : undefined,
  ]);
  const read: ObservedLoadBalancer = {
    ...kept,
    spec: {
      ...kept.spec,
      ...(wafv2WebAclArn !== undefined ? { wafv2WebAclArn } : {}),
      ...(d.shieldAdvancedProtection !== undefined ? { shieldAdvancedProtection: protection !== undefined } : {}),
    },
    ...(protection ? { shieldProtection: protection } : {}),
  };
  return { ...observed, loadBalancers: observed.loadBalancers.map((o) => (o === kept ? read : o)) };
}
