// Listeners (one per merged listen port) and listener rules (priorities dense from 1 per listener).
import { type Action, type Listener, type ListenerRule, ref, stackTags } from '../model/index.ts';
import { fixed404 } from './build-rules.ts';
import type { BuildContext } from './context.ts';
import type { GroupState } from './merge.ts';
import { LOAD_BALANCER_ID } from './naming.ts';

const redirectToHttps = (port: number): Action => ({
  type: 'redirect', redirectConfig: { port: String(port), protocol: 'HTTPS', statusCode: 'HTTP_301' },
});

export function buildListeners(ctx: BuildContext, state: GroupState, userTags: Readonly<Record<string, string>>): { listeners: Listener[]; rules: ListenerRule[] } {
  const listeners: Listener[] = [];
  const rules: ListenerRule[] = [];
  const sslRedirect = state.sslRedirect?.excl.value;
  for (const port of [...state.ports.keys()].sort((a, b) => a - b)) {
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
      },
    });
    if (redirect) continue;
    let priority = 0;
    for (const c of state.accepted) {
      if (!c.ports.has(port)) continue;
      for (const r of c.rules) {
        priority += 1;
        const rid = `${port}:${priority}`;
        rules.push({
          kind: 'ListenerRule', id: rid,
          spec: {
            listener: ref('Listener', id), priority, conditions: r.conditions, actions: r.actions,
            tags: { ...userTags, ...stackTags(ctx.config.clusterName, ctx.stackId, rid) },
          },
        });
      }
    }
  }
  return { listeners, rules };
}
