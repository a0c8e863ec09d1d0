// k8s/ against a real kube-apiserver, as the RBAC-limited controller user.
import assert from 'node:assert/strict';
import { createKubeRest, kubeClientsFor, type KubeClients, type KubeRest, type WatchHandle } from '../../src/k8s/client.ts';
import { Informer, type InformerEvent } from '../../src/k8s/informer.ts';
import { LeaderElector } from '../../src/k8s/leader.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { grantLeaderElection } from '../../src/stand-ins/index.ts';
import { freshNamespace, kube, standIns } from './support/stand-ins.ts';

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ingress = (name: string, namespace: string): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace },
  spec: { ingressClassName: 'alb', defaultBackend: { service: { name: 'svc', port: { number: 80 } } } },
});

describe('k8s against a real apiserver', function () {
  let ns: string;
  let admin: KubeClients;
  let controllerRest: KubeRest;

  before(async function () {
    await standIns(this);
    ns = await freshNamespace('k8s');
    admin = kubeClientsFor(createKubeRest(kube().admin));
    controllerRest = createKubeRest(kube().controller);
  });

  it('informer (controller user) sees create, update and delete, and restarts after a broken watch', async () => {
    const handles: WatchHandle[] = [];
    const rest: KubeRest = {
      request: (r) => controllerRest.request(r),
      watch: async (path, query, onEvent, onDone) => {
        const h = await controllerRest.watch(path, query, onEvent, onDone);
        handles.push(h);
        return h;
      },
    };
    const inf = new Informer<'ingress'>({ rest, resource: 'ingress', namespace: ns, backoffBaseMs: 50 });
    const log: string[] = [];
    const events: InformerEvent[] = [];
    inf.addHandlers({
      add: (o) => log.push(`add ${o.metadata?.name}`),
      update: (o) => log.push(`update ${o.metadata?.name} ${o.metadata?.annotations?.['note'] ?? ''}`.trim()),
      delete: (o) => log.push(`delete ${o.metadata?.name}`),
    });
    inf.onLifecycle((e) => events.push(e));
    inf.start();
    try {
      await inf.waitForSync();
      await waitFor('watch connect', () => events.some((e) => e.type === 'connect'));
      await admin.ingresses.create(ingress('one', ns));
      await waitFor('add', () => log.includes('add one'));
      await admin.ingresses.mergePatch('one', ns, { metadata: { annotations: { note: 'hi' } } });
      await waitFor('update', () => log.includes('update one hi'));
      assert.equal(inf.get('one', ns)?.metadata?.annotations?.['note'], 'hi');

      const connects = events.filter((e) => e.type === 'connect').length;
      handles.at(-1)?.abort();
      await waitFor('reconnect', () => events.filter((e) => e.type === 'connect').length > connects);
      await admin.ingresses.create(ingress('two', ns));
      await waitFor('add after reconnect', () => log.includes('add two'));

      await admin.ingresses.delete('one', ns);
      await waitFor('delete', () => log.includes('delete one'));
      assert.equal(inf.get('one', ns), undefined);
      assert.deepEqual(inf.list().map((o) => o.metadata?.name), ['two']);
    } finally {
      await inf.stop();
    }
  });

  it('two leader electors (controller user, under the chart\'s leader-election Role) → one leader; the other takes over when it dies, or at once when it releases', async () => {
    // as the chart installs it: the Role for this one Lease in its namespace, nothing else
    await grantLeaderElection(kube().admin, ns, 'e2e-leader');
    const leases = kubeClientsFor(controllerRest).leases;
    const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
    const make = (identity: string, releaseOnCancel: boolean): { e: LeaderElector; stop: AbortController; done: Promise<void>; lost: boolean[] } => {
      const stop = new AbortController();
      const lost: boolean[] = [];
      const e = new LeaderElector({
        leases, namespace: ns, name: 'e2e-leader', identity, releaseOnCancel, ...timing,
        onStartedLeading: () => undefined, onStoppedLeading: () => lost.push(true),
      });
      return { e, stop, lost, done: e.run(stop.signal) };
    };
    const a = make('a', false);
    const b = make('b', true);
    try {
      await waitFor('a leader', () => a.e.isLeader() || b.e.isLeader());
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal([a, b].filter((x) => x.e.isLeader()).length, 1, 'exactly one leader');
      const [first, second] = a.e.isLeader() ? [a, b] : [b, a];
      const diedAt = Date.now();
      // "dies": stops renewing; a does not release, b releases
      first.stop.abort();
      await first.done;
      await waitFor('takeover', () => second.e.isLeader(), 10_000);
      const took = Date.now() - diedAt;
      if (first === a) assert.ok(took >= 2000, `waited out the lease (${took} ms)`);
      else assert.ok(took < 2000, `released lease taken at once (${took} ms)`);
      const lease = await admin.leases.get('e2e-leader', ns);
      assert.equal(lease?.spec?.holderIdentity, second === a ? 'a' : 'b');
    } finally {
      a.stop.abort();
      b.stop.abort();
      await Promise.all([a.done, b.done]);
    }
  });
});
