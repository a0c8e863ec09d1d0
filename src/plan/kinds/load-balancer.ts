// Load balancer: type and scheme force a new one (as upstream). Subnets, security groups, IP address type,
// the attributes the user set and tags change in place. The name is immutable in AWS and is not compared:
// matching is by resource tag, so a load balancer upstream named differently is adopted, not replaced.
import type { ObservedLoadBalancer } from '../../model/observed.ts';
import type { LoadBalancerSpec } from '../../model/elbv2.ts';
import { diffAttributes, diffFields, diffTags, sortedCopy } from '../compare.ts';
import { RANK, type TaggedKind } from './kind.ts';

export const loadBalancerKind: TaggedKind<LoadBalancerSpec, ObservedLoadBalancer> = {
  kind: 'LoadBalancer',
  rank: RANK.LoadBalancer,
  replaceOrder: 'delete-first',
  observed: (s) => s.loadBalancers,
  diff: (d, o, resolve, tags) => [
    ...diffFields([
      { path: 'type', desired: d.type, observed: o.spec.type, forcesReplacement: true },
      { path: 'scheme', desired: d.scheme, observed: o.spec.scheme, forcesReplacement: true },
      { path: 'ipAddressType', desired: d.ipAddressType, observed: o.spec.ipAddressType },
      { path: 'subnets', desired: d.subnets, observed: o.spec.subnets, normalize: sortedCopy },
      { path: 'securityGroups', desired: d.securityGroups, observed: o.spec.securityGroups, normalize: sortedCopy },
    ], resolve),
    ...diffAttributes('attributes', d.attributes, o.attributes),
    ...diffTags(d.tags, o.tags, tags),
  ],
  before: (o) => ({ ...o.spec, attributes: o.attributes, tags: o.tags }),
  refValue: (o, field) => (field === 'arn' ? o.arn : field === 'dnsName' ? o.dnsName : undefined),
};
