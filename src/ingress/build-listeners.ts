// Listeners (one per merged listen port) and listener rules: per listener, the rules of its members in group
// order, less those the rule optimizer leaves out, then priorities dense from 1.
import {
  type Action, type Known, type Listener, type ListenerRule, type MutualAuthentication, type Note, type Steps, ref, stackTags, unknown,
} from '../model/index.ts';
import { isTrustStoreArn } from './annotations/index.ts';
import { fixed404 } from './build-rules.ts';
import { type BuildContext, withDefaultTags } from './context.ts';
import type { GroupState } from './merge.ts';
import { LOAD_BALANCER_ID } from './naming.ts';
import { optimizeRules } from './rule-optimizer.ts';
import { compareStrings } from './snapshot.ts';

const redirectToHttps = (port: number): Action => ({
  type: 'redirect', redirectConfig: { port: String(port), protocol: 'HTTPS', statusCode: 'HTTP_301' },
});

/** the unknown a trust store name stands for until it is looked up (facts-needed.ts) */
export const TRUST_STORE_UNKNOWN = 'discovery:trust-store:';

/** why a port's mutual authentication cannot be built */
interface MutualAuthFailure { readonly port: number; readonly field: string; readonly reason: string }

/**
 * Each port's mutual authentication as the listener spec takes it: a trust store name becomes its ARN from the
 * looked-up trust stores (an Unknown until they are read). A name no trust store has is a failure.
 */
export function resolveMutualAuthentication(ctx: Pick<BuildContext, 'facts'>, state: GroupState):
  { ok: true; byPort: ReadonlyMap<number, MutualAuthentication> } | { ok: false; failure: MutualAuthFailure } {
  const byPort = new Map<number, MutualAuthentication>();
  for (const mp of state.ports.values()) {
    const choice = mp.protocol === 'HTTPS' ? mp.mutualAuthentication?.excl : undefined;
    if (!choice) continue;
    const { trustStore, ...rest } = choice.value;
    let trustStoreArn: Known<string> | undefined = trustStore;
    if (trustStore !== undefined && !isTrustStoreArn(trustStore)) {
      const known = ctx.facts.trustStores;
      const arn = known && Object.hasOwn(known, trustStore) ? known[trustStore] : undefined;
      if (arn === null) return { ok: false, failure: { port: mp.port, field: choice.field, reason: `port ${mp.port}: no trust store is named ${trustStore} in this region (DescribeTrustStores)` } };
      trustStoreArn = arn ?? unknown(`${TRUST_STORE_UNKNOWN}${trustStore}`);
    }
    byPort.set(mp.port, { ...rest, ...(trustStoreArn !== undefined ? { trustStoreArn } : {}) });
  }
  return { ok: true, byPort };
}

/**
 * `userTags`: the group's tags (for listeners); each rule gets the default tags and its own Ingress's tags.
 * Steps (src/model/steps.ts): one per listener and per rule.
 */
export function* buildListenersSteps(ctx: BuildContext, state: GroupState, userTags: Readonly<Record<string, string>>,
  mutualAuthentication: ReadonlyMap<number, MutualAuthentication> = new Map()):
  Steps<{ listeners: Listener[]; rules: ListenerRule[]; notes: Note[] }> {
  const listeners: Listener[] = [];
  const rules: ListenerRule[] = [];
  const notes: Note[] = [];
  const sslRedirect = state.sslRedirect?.excl.value;
  for (const port of [...state.ports.keys()].sort((a, b) => a - b)) {
    yield;
    const mp = state.ports.get(port);
    if (!mp) continue;
    const id = String(port);
    const redirect = sslRedirect !== undefined && mp.protocol === 'HTTP';
    listeners.push({
      kind: 'Listener', id,
      spec: {
        loadBalancer: ref('LoadBalancer', LOAD_BALANCER_ID),
        port, protocol: mp.protocol,
        ...(mp.protocol === 'HTTPS' ? { sslPolicy: mp.sslPolicy?.excl.value ?? ctx.config.defaultSslPolicy } : {}),
        certificates: mp.protocol === 'HTTPS' ? [...mp.certificates] : [],
        defaultActions: redirect ? [redirectToHttps(sslRedirect)] : mp.defaultActions?.actions ?? [fixed404],
        tags: { ...userTags, ...stackTags(ctx.config.clusterName, ctx.stackId, id) },
        ...(mp.attributes.size > 0
          ? { attributes: Object.fromEntries([...mp.attributes].sort(([x], [y]) => compareStrings(x, y)).map(([k, v]) => [k, v.value])) } : {}),
        ...(mutualAuthentication.has(port) ? { mutualAuthentication: mutualAuthentication.get(port) } : {}),
      },
    });
    if (redirect) continue;
    const wanted = state.accepted.filter((c) => c.ports.has(port)).flatMap((c) => c.rules.map((r) => ({ ...r, member: c })));
    const { kept, dropped } = optimizeRules(port, mp.protocol, wanted);
    for (const d of dropped) {
      notes.push({
        object: d.rule.member.member.ref, subject: `${d.rule.source} on listener ${port}`,
        message: d.why === 'redirect-loop'
          ? `left out: its redirect leads back to this ${mp.protocol}:${port} listener`
          : `left out: the redirect rule from ${d.by?.member.member.key ?? ''} ${d.by?.source ?? ''} already takes all its requests`,
      });
    }
    for (const [i, r] of kept.entries()) {
      yield;
      const priority = i + 1;
      const rid = `${port}:${priority}`;
      rules.push({
        kind: 'ListenerRule', id: rid,
        spec: {
          listener: ref('Listener', id), priority, conditions: r.conditions,
          // authentication first; a member with auth on a plain HTTP listener was refused (build-member.ts)
          actions: mp.protocol === 'HTTPS' ? [...r.auth, ...r.actions] : r.actions,
          ...(r.transforms ? { transforms: r.transforms } : {}),
          // like upstream: the default tags and the tags of the Ingress the rule comes from, not the whole group's
          tags: { ...withDefaultTags(ctx.config, r.member.tags), ...stackTags(ctx.config.clusterName, ctx.stackId, rid) },
        },
      });
    }
  }
  return { listeners, rules, notes };
}
