import assert from 'node:assert/strict';
import { flushMicrotasks, ManualClock } from '../../../src/k8s/clock.ts';
import { kubeClientsFor } from '../../../src/k8s/client.ts';
import { LeaderElector, leaderIdentity, microTime, type LeaderEvent } from '../../../src/k8s/leader.ts';
import { FakeKube } from './fake-kube.ts';

interface Candidate {
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  log: string[];
  events: LeaderEvent[];
  leadership?: AbortSignal;
}

function candidate(kube: FakeKube, clock: ManualClock, identity: string): Candidate {
  const log: string[] = [];
  const events: LeaderEvent[] = [];
  const c = { log, events, stop: new AbortController() } as Candidate;
  c.elector = new LeaderElector({
    leases: kubeClientsFor(kube).leases, namespace: 'kube-system', name: 'lb-leader', identity, clock,
    onStartedLeading: (signal) => { c.leadership = signal; log.push('started'); },
    onStoppedLeading: () => log.push('stopped'),
    onEvent: (e) => events.push(e),
  });
  c.done = c.elector.run(c.stop.signal);
  return c;
}

const lease = (kube: FakeKube): Record<string, unknown> | undefined =>
  kube.getObject('leases', 'kube-system', 'lb-leader')?.spec as Record<string, unknown> | undefined;

describe('k8s/leader', () => {
  let kube: FakeKube;
  let clock: ManualClock;
  const running: Candidate[] = [];
  beforeEach(() => { kube = new FakeKube(); clock = new ManualClock(); });
  afterEach(async () => {
    for (const c of running.splice(0)) c.stop.abort();
    await clock.advance(60_000);
  });
  const start = (id: string): Candidate => { const c = candidate(kube, clock, id); running.push(c); return c; };

  it('creates the Lease and leads when there is none', async () => {
    const a = start('a');
    await flushMicrotasks();
    assert.ok(a.elector.isLeader());
    assert.deepEqual(a.log, ['started']);
    const spec = lease(kube)!;
    assert.equal(spec.holderIdentity, 'a');
    assert.equal(spec.leaseDurationSeconds, 15);
    assert.equal(spec.leaseTransitions, 0);
    assert.match(String(spec.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('renews every retry period', async () => {
    start('a');
    await flushMicrotasks();
    const first = lease(kube)!.renewTime;
    await clock.advance(2000);
    const second = lease(kube)!.renewTime;
    assert.notEqual(second, first);
    assert.equal(second, microTime(clock.now()));
    assert.equal(lease(kube)!.acquireTime, first, 'acquireTime kept while renewing');
  });

  it('elects exactly one of two candidates; the other takes over at once after a clean stop', async () => {
    const a = start('a');
    const b = start('b');
    await clock.advance(10_000);
    assert.equal([a, b].filter((c) => c.elector.isLeader()).length, 1);
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    leader.stop.abort();
    await leader.done;
    assert.deepEqual(leader.log, ['started', 'stopped']);
    assert.equal(leader.leadership?.aborted, true);
    assert.equal(lease(kube)!.holderIdentity, undefined, 'released');
    assert.ok(leader.events.some((e) => e.type === 'released'));
    await clock.advance(2500);
    assert.ok(follower.elector.isLeader(), 'took over within one retry period');
    assert.equal(lease(kube)!.leaseTransitions, 1);
  });

  it('takes over a lease whose holder died only after leaseDuration on its own clock', async () => {
    kube.put('leases', {
      metadata: { name: 'lb-leader', namespace: 'kube-system' },
      spec: { holderIdentity: 'dead', leaseDurationSeconds: 15, renewTime: microTime(clock.now()), leaseTransitions: 4 },
    });
    const b = start('b');
    await clock.advance(14_000);
    assert.equal(b.elector.isLeader(), false);
    await clock.advance(4_000);
    assert.equal(b.elector.isLeader(), true);
    assert.equal(lease(kube)!.holderIdentity, 'b');
    assert.equal(lease(kube)!.leaseTransitions, 5);
    assert.ok(b.events.some((e) => e.type === 'new-leader' && e.holder === 'dead'));
  });

  it('keeps waiting while the holder keeps renewing', async () => {
    kube.put('leases', { metadata: { name: 'lb-leader', namespace: 'kube-system' }, spec: { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: microTime(clock.now()) } });
    const b = start('b');
    for (let i = 0; i < 20; i++) {
      await clock.advance(2000);
      const l = kube.getObject('leases', 'kube-system', 'lb-leader')!;
      kube.put('leases', { ...l, spec: { ...(l.spec as object), renewTime: microTime(clock.now()) } });
    }
    assert.equal(b.elector.isLeader(), false);
  });

  it('steps down when it cannot renew within the renew deadline', async () => {
    const a = start('a');
    await flushMicrotasks();
    kube.failWhen((r) => r.path.includes('/leases'), 500, 1000);
    await clock.advance(2000 + 9_000);
    assert.ok(a.elector.isLeader(), 'still inside the deadline');
    await clock.advance(3_000);
    assert.equal(a.elector.isLeader(), false);
    await a.done;
    assert.deepEqual(a.log, ['started', 'stopped']);
    assert.equal(a.leadership?.aborted, true);
    assert.ok(a.events.some((e) => e.type === 'lost' && /could not renew within 10000 ms/.test(e.reason)));
  });

  it('survives a few failed renewals inside the deadline', async () => {
    const a = start('a');
    await flushMicrotasks();
    kube.failWhen((r) => r.method === 'PUT' && r.path.includes('/leases'), 500, 2);
    await clock.advance(20_000);
    assert.ok(a.elector.isLeader());
  });

  it('steps down at once when it sees another holder', async () => {
    const a = start('a');
    await flushMicrotasks();
    const l = kube.getObject('leases', 'kube-system', 'lb-leader')!;
    kube.put('leases', { ...l, spec: { ...(l.spec as object), holderIdentity: 'usurper', renewTime: microTime(clock.now()) } });
    await clock.advance(2000);
    assert.equal(a.elector.isLeader(), false);
    await a.done;
    assert.ok(a.events.some((e) => e.type === 'lost' && /usurper/.test(e.reason)));
  });

  it('never calls onStoppedLeading if it never led', async () => {
    kube.put('leases', { metadata: { name: 'lb-leader', namespace: 'kube-system' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: microTime(clock.now()) } });
    const b = start('b');
    await clock.advance(3000);
    b.stop.abort();
    await b.done;
    assert.deepEqual(b.log, []);
  });

  it('rejects renewDeadline >= leaseDuration, and makes unique identities', () => {
    assert.throws(() => new LeaderElector({
      leases: kubeClientsFor(kube).leases, namespace: 'n', name: 'l', identity: 'i', leaseDurationMs: 10_000, renewDeadlineMs: 10_000,
      onStartedLeading: () => undefined, onStoppedLeading: () => undefined,
    }), /renewDeadline must be shorter/);
    const a = leaderIdentity('pod-1');
    assert.match(a, /^pod-1_[0-9a-f-]{36}$/);
    assert.notEqual(a, leaderIdentity('pod-1'));
  });
});
