// Listeners (one per merged listen port) and listener rules: per listener, the rules of its members in group
// order, less those the rule optimizer leaves out, then priorities dense from 1.
import { type Action, type Listener, type ListenerRule, type Note, type Steps, ref, stackTags } from '../model/index.ts';
import { fixed404 } from './build-rules.ts';
import { type BuildContext, withDefaultTags } from './context.ts';
import type { GroupState } from './merge.ts';
import { LOAD_BALANCER_ID } from './naming.ts';
import { optimizeRules } from './rule-optimizer.ts';
import { compareStrings } from './snapshot.ts';

const redirectToHttps = (port: number): Action => ({
  type: 'redirect', redirectConfig: { port: String(port), protocol: 'HTTPS', statusCode: 'HTTP_301' },
});

/**
 * `userTags`: the group's tags (for listeners); each rule gets the default tags and its own Ingress's tags.
 * Steps (src/model/steps.ts): one per listener and per rule.
 */
export function* buildListenersSteps(ctx: BuildContext, state: GroupState, userTags: Readonly<Record<string, string>>):
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
