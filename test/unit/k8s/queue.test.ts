import assert from 'node:assert/strict';
import { flushMicrotasks, ManualClock } from '../../../src/k8s/clock.ts';
import { runWorkers, WorkQueue, type QueueEvent } from '../../../src/k8s/queue.ts';

/** a promise a test resolves by hand */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((r) => { open = r; });
  return { promise, open };
}

async function drainKeys(q: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.depth().user + q.depth().resync > 0) {
    const item = await q.get();
    if (!item) break;
    keys.push(item.key);
    q.done(item.key);
  }
  return keys;
}

describe('k8s/queue: WorkQueue', () => {
  let clock: ManualClock;
  beforeEach(() => { clock = new ManualClock(); });

  it('de-duplicates a key queued several times', async () => {
    const q = new WorkQueue({ clock });
    q.add('a'); q.add('b'); q.add('a'); q.add('a');
    assert.deepEqual(await drainKeys(q), ['a', 'b']);
  });

  it('hands a key to one worker at a time, and runs it again after if re-added while processing', async () => {
    const q = new WorkQueue({ clock });
    q.add('a');
    const first = await q.get();
    assert.equal(first?.key, 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.depth().user, 0, 'not handed out while processing');
    let second: string | undefined;
    void q.get().then((i) => { second = i?.key; });
    await flushMicrotasks();
    assert.equal(second, undefined);
    q.done('a');
    await flushMicrotasks();
    assert.equal(second, 'a', 'runs once more, not twice');
    q.done('a');
    assert.deepEqual(q.depth(), { user: 0, resync: 0, delayed: 0, processing: 0 });
  });

  it('serves user changes before resyncs, FIFO within a priority', async () => {
    const q = new WorkQueue({ clock });
    q.add('r1', 'resync'); q.add('u1'); q.add('r2', 'resync'); q.add('u2');
    assert.deepEqual(await drainKeys(q), ['u1', 'u2', 'r1', 'r2']);
  });

  it('promotes a queued resync key when a user change for it arrives, and never demotes', async () => {
    const q = new WorkQueue({ clock });
    q.add('r1', 'resync'); q.add('r2', 'resync'); q.add('u1');
    q.add('r2', 'user');
    q.add('u1', 'resync');
    assert.deepEqual(q.depth(), { user: 2, resync: 1, delayed: 0, processing: 0 });
    const items = [];
    for (let i = 0; i < 3; i++) { const it = await q.get(); items.push(`${it?.key}:${it?.priority}`); q.done(it!.key); }
    assert.deepEqual(items, ['u1:user', 'r2:user', 'r1:resync']);
  });

  it('keeps the higher priority for a key re-added while processing', async () => {
    const q = new WorkQueue({ clock });
    q.add('a', 'resync');
    await q.get();
    q.add('a', 'resync');
    q.add('a', 'user');
    q.done('a');
    assert.equal((await q.get())?.priority, 'user');
  });

  it('addAfter queues after the delay; the earliest pending delay wins', async () => {
    const q = new WorkQueue({ clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 5000);
    assert.deepEqual(q.depth(), { user: 0, resync: 0, delayed: 1, processing: 0 });
    await clock.advance(999);
    assert.equal(q.depth().user, 0);
    await clock.advance(1);
    assert.equal(q.depth().user, 1);
    assert.equal(q.depth().delayed, 0);
    q.addAfter('b', 5000);
    q.addAfter('b', 100);
    await clock.advance(100);
    assert.equal(q.depth().user, 2);
    await clock.advance(10_000);
    assert.deepEqual(await drainKeys(q), ['a', 'b']);
  });

  it('addAfter with zero or negative delay adds at once; delayed resync keeps its priority', async () => {
    const q = new WorkQueue({ clock });
    q.addAfter('now', 0);
    q.addAfter('later', 10, 'resync');
    await clock.advance(10);
    assert.deepEqual(q.depth(), { user: 1, resync: 1, delayed: 0, processing: 0 });
  });

  it('backs off per key exponentially from the base and caps at the maximum; forget resets', () => {
    const q = new WorkQueue({ clock, baseDelayMs: 5, maxDelayMs: 1_000_000 });
    const delays = Array.from({ length: 22 }, () => q.addRateLimited('a'));
    assert.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80]);
    assert.equal(delays[17], 655_360);
    assert.equal(delays[18], 1_000_000, 'capped');
    assert.equal(delays[21], 1_000_000);
    assert.equal(q.numRequeues('a'), 22);
    assert.equal(q.addRateLimited('b'), 5, 'per key');
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
    assert.equal(q.addRateLimited('a'), 5);
  });

  it('a user add during backoff runs the key at once', async () => {
    const q = new WorkQueue({ clock, baseDelayMs: 1000 });
    q.addRateLimited('a');
    q.add('a');
    assert.equal(q.depth().user, 1);
    assert.equal((await q.get())?.key, 'a');
  });

  it('reports adds and retries to onEvent', () => {
    const events: QueueEvent[] = [];
    const q = new WorkQueue({ clock, onEvent: (e) => events.push(e) });
    q.add('a');
    q.add('a');
    q.addRateLimited('b');
    assert.deepEqual(events, [{ type: 'add', key: 'a', priority: 'user' }, { type: 'retry', key: 'b', attempt: 1, delayMs: 5 }]);
  });

  it('shutdown stops accepting keys, drops queued and delayed ones, and waits for in-flight work', async () => {
    const q = new WorkQueue({ clock });
    q.add('a'); q.add('b'); q.addAfter('c', 100);
    await q.get();
    let drained = false;
    const done = q.shutdown().then(() => { drained = true; });
    q.add('d');
    await flushMicrotasks();
    assert.equal(drained, false, 'waits for a');
    assert.equal(await q.get(), undefined, 'b was dropped');
    q.done('a');
    await done;
    assert.equal(drained, true);
    assert.deepEqual(q.depth(), { user: 0, resync: 0, delayed: 0, processing: 0 });
    assert.equal(clock.pending, 0, 'delayed timer cancelled');
  });

  it('shutdown({processQueued}) still hands out what was queued, then ends', async () => {
    const q = new WorkQueue({ clock });
    q.add('a'); q.add('b');
    const done = q.shutdown({ processQueued: true });
    assert.equal((await q.get())?.key, 'a');
    q.done('a');
    assert.equal((await q.get())?.key, 'b');
    q.done('b');
    await done;
    assert.equal(await q.get(), undefined);
  });

  it('shutdown wakes idle getters with undefined', async () => {
    const q = new WorkQueue({ clock });
    const waiting = q.get();
    await q.shutdown();
    assert.equal(await waiting, undefined);
  });
});

describe('k8s/queue: runWorkers', () => {
  let clock: ManualClock;
  beforeEach(() => { clock = new ManualClock(); });

  it('runs up to N keys in parallel and never the same key twice at once', async () => {
    const q = new WorkQueue({ clock });
    const running = new Set<string>();
    let maxParallel = 0;
    const runs: string[] = [];
    const gates = new Map<string, { promise: Promise<void>; open: () => void }>();
    const workers = runWorkers(q, 3, async (key) => {
      assert.ok(!running.has(key), `${key} already running`);
      running.add(key);
      maxParallel = Math.max(maxParallel, running.size);
      runs.push(key);
      const g = gate();
      gates.set(key, g);
      await g.promise;
      running.delete(key);
    }, { clock });
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    await flushMicrotasks();
    assert.deepEqual(runs, ['a', 'b', 'c']);
    q.add('a');
    gates.get('b')!.open();
    await flushMicrotasks();
    assert.deepEqual(runs, ['a', 'b', 'c', 'd']);
    gates.get('a')!.open();
    await flushMicrotasks();
    assert.deepEqual(runs, ['a', 'b', 'c', 'd', 'e'], 'a re-queued behind e');
    for (const k of ['c', 'd', 'e']) gates.get(k)!.open();
    await flushMicrotasks();
    assert.deepEqual(runs.slice(5), ['a']);
    gates.get('a')!.open();
    await flushMicrotasks();
    assert.equal(maxParallel, 3);
    await q.shutdown();
    await workers;
  });

  it('retries a failing key with growing delays and forgets it on success', async () => {
    const q = new WorkQueue({ clock, baseDelayMs: 100 });
    const attempts: number[] = [];
    const events: QueueEvent[] = [];
    let failuresLeft = 3;
    const workers = runWorkers(q, 1, async () => {
      attempts.push(clock.now());
      if (failuresLeft-- > 0) throw new Error('AWS said no');
    }, { clock, onEvent: (e) => events.push(e) });
    const t0 = clock.now();
    q.add('g');
    await clock.advance(10_000);
    assert.deepEqual(attempts.map((t) => t - t0), [0, 100, 300, 700]);
    assert.equal(q.numRequeues('g'), 0, 'forgotten after success');
    const outcomes = events.filter((e) => e.type === 'processed').map((e) => e.type === 'processed' && e.outcome);
    assert.deepEqual(outcomes, ['error', 'error', 'error', 'success']);
    await q.shutdown();
    await workers;
  });

  it('honours {requeueAfterMs} without counting a failure', async () => {
    const q = new WorkQueue({ clock });
    const times: number[] = [];
    const workers = runWorkers(q, 1, async () => {
      times.push(clock.now());
      return times.length < 3 ? { requeueAfterMs: 15_000 } : undefined;
    }, { clock });
    q.add('tgb', 'resync');
    await clock.advance(60_000);
    assert.equal(times.length, 3);
    assert.equal(times[1]! - times[0]!, 15_000);
    assert.equal(q.numRequeues('tgb'), 0);
    await q.shutdown();
    await workers;
  });

  it('user keys overtake a backlog of resyncs', async () => {
    const q = new WorkQueue({ clock });
    const order: string[] = [];
    const first = gate();
    const workers = runWorkers(q, 1, async (key) => {
      order.push(key);
      if (key === 'r0') await first.promise;
    }, { clock });
    for (let i = 0; i < 5; i++) q.add(`r${i}`, 'resync');
    await flushMicrotasks();
    q.add('user-edit');
    q.add('r3');
    first.open();
    await flushMicrotasks();
    assert.deepEqual(order, ['r0', 'user-edit', 'r3', 'r1', 'r2', 'r4']);
    await q.shutdown();
    await workers;
  });

  it('shutdown lets the in-flight reconcile finish and stops the workers', async () => {
    const q = new WorkQueue({ clock });
    const g = gate();
    let finished = false;
    const workers = runWorkers(q, 2, async () => { await g.promise; finished = true; }, { clock });
    q.add('a');
    q.add('b');
    await flushMicrotasks();
    let stopped = false;
    const shut = q.shutdown().then(() => { stopped = true; });
    await flushMicrotasks();
    assert.equal(stopped, false);
    g.open();
    await shut;
    await workers;
    assert.ok(finished);
  });
});
