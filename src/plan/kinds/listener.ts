// Listener: identified by its port under the matched load balancer. Protocol, SSL policy, certificates, ALPN
// policy, mutual authentication, default actions, attributes and tags all change in place (ModifyListener, listener certificates,
// ModifyListenerAttributes, tagging).
import type { ObservedListener } from '../../model/observed.ts';
import { effectiveMutualAuthentication, type ListenerSpec, type MutualAuthentication } from '../../model/elbv2.ts';
import { diffAttributes, diffFields, diffTags, type TagContext } from '../compare.ts';
import type { FieldDiff } from '../types.ts';
import type { Resolver } from '../values.ts';
import { normalizeActions, normalizeCertificates } from './actions.ts';

const normalizeMutualAuthentication = (v: unknown): unknown => effectiveMutualAuthentication(v as MutualAuthentication);

export const observedListenerSpec = (o: ObservedListener): ListenerSpec => ({ ...o.spec, tags: o.tags });

export function listenerDiffs(d: ListenerSpec, o: ObservedListener, resolve: Resolver, tags: TagContext): FieldDiff[] {
  return [
    ...diffFields([
      { path: 'protocol', desired: d.protocol, observed: o.spec.protocol },
      { path: 'sslPolicy', desired: d.sslPolicy, observed: o.spec.sslPolicy },
      { path: 'certificates', desired: d.certificates, observed: o.spec.certificates, normalize: normalizeCertificates },
      { path: 'defaultActions', desired: d.defaultActions, observed: o.spec.defaultActions, normalize: normalizeActions },
      // TLS listeners of network load balancers; an unset policy is not compared (AWS keeps its own)
      ...(d.alpnPolicy !== undefined ? [{ path: 'alpnPolicy', desired: d.alpnPolicy, observed: o.spec.alpnPolicy ?? [] }] : []),
      // mutual TLS: unset is left alone; a listener whose answer lacks it (moto) is not compared, so no change is claimed forever
      ...(d.mutualAuthentication !== undefined && o.spec.mutualAuthentication !== undefined
        ? [{ path: 'mutualAuthentication', desired: d.mutualAuthentication, observed: o.spec.mutualAuthentication, normalize: normalizeMutualAuthentication }] : []),
    ], resolve),
    // only the keys the user set; they are read from AWS only for listeners that have some (deploy/observe extras)
    ...(d.attributes ? diffAttributes('attributes', d.attributes, o.spec.attributes ?? {}) : []),
    ...diffTags(d.tags, o.tags, tags),
  ];
}
