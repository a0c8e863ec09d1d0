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

/** work: what the leader runs; its promise is the drain the elector waits for before releasing */
function candidate(kube: FakeKube, clock: ManualClock, identity: string, work?: (signal: AbortSignal) => Promise<void>): Candidate {
  const log: string[] = [];
  const events: LeaderEvent[] = [];
  const c = { log, events, stop: new AbortController() } as Candidate;
  c.elector = new LeaderElector({
    leases: kubeClientsFor(kube).leases, namespace: 'kube-system', name: 'lb-leader', identity, clock,
    onStartedLeading: (signal) => { c.leadership = signal; log.push('started'); return work?.(signal); },
    onStoppedLeading: (how) => log.push(how.lost ? 'lost' : 'stopped'),
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
  const start = (id: string, work?: (signal: AbortSignal) => Promise<void>): Candidate => { const c = candidate(kube, clock, id, work); running.push(c); return c; };

  /** a stand-in for the controller loops: one in-flight reconcile that ends when the test says so */
  function inFlight(log: string[]): { work: (signal: AbortSignal) => Promise<void>; finish: () => void } {
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => { finish = resolve; });
    return {
      finish,
      work: async (signal) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        log.push('stop taking work');
        await done;
        log.push('drained');
      },
    };
  }

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
    assert.deepEqual(a.log, ['started', 'lost']);
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

  it('on stop: stops the work, keeps the Lease renewed while in-flight work drains, and releases it only afterwards', async () => {
    const order: string[] = [];
    const work = inFlight(order);
    const a = start('a', work.work);
    await flushMicrotasks();
    const b = start('b');
    await clock.advance(2000);
    assert.ok(a.elector.isLeader());
    a.stop.abort();
    await flushMicrotasks();
    assert.equal(a.leadership?.aborted, true, 'the work is told to stop at once');
    // a reconcile still applying: longer than the lease duration (15 s)
    await clock.advance(30_000);
    assert.equal(lease(kube)!.holderIdentity, 'a', 'not released while the work is still running');
    assert.ok(Date.parse(String(lease(kube)!.renewTime)) >= clock.now() - 2000, 'still renewed every retry period');
    assert.equal(b.elector.isLeader(), false, 'nobody else leads while the old leader may still write');
    assert.ok(!a.events.some((e) => e.type === 'released'));
    order.push('(in-flight reconcile ends)');
    work.finish();
    await a.done;
    order.push(...a.events.filter((e) => e.type === 'released').map(() => 'released'));
    assert.deepEqual(order, ['stop taking work', '(in-flight reconcile ends)', 'drained', 'released']);
    assert.deepEqual(a.log, ['started', 'stopped']);
    assert.equal(lease(kube)!.holderIdentity, undefined);
    await clock.advance(2500);
    assert.ok(b.elector.isLeader(), 'the other replica takes over once released');
  });

  it('on lost leadership: aborts the work and reports the loss at once, without waiting for the drain', async () => {
    const order: string[] = [];
    const work = inFlight(order);
    const a = start('a', work.work);
    await flushMicrotasks();
    const l = kube.getObject('leases', 'kube-system', 'lb-leader')!;
    kube.put('leases', { ...l, spec: { ...(l.spec as object), holderIdentity: 'usurper', renewTime: microTime(clock.now()) } });
    await clock.advance(2000);
    await a.done;
    assert.deepEqual(order, ['stop taking work'], 'the work is still draining');
    assert.deepEqual(a.log, ['started', 'lost']);
    assert.equal(a.leadership?.aborted, true);
    assert.equal(lease(kube)!.holderIdentity, 'usurper', 'a lost Lease is never released');
    work.finish();
  });

  it('a Lease lost while draining is reported as lost, not released', async () => {
    const order: string[] = [];
    const work = inFlight(order);
    const a = start('a', work.work);
    await flushMicrotasks();
    a.stop.abort();
    await flushMicrotasks();
    kube.failWhen((r) => r.path.includes('/leases'), 500, 1000);
    await clock.advance(2000 + 10_000 + 1000);
    await a.done;
    assert.deepEqual(a.log, ['started', 'lost']);
    assert.ok(!a.events.some((e) => e.type === 'released'));
    work.finish();
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
