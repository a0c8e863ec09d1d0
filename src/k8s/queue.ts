// A work queue of keys, client-go style: a key is queued at most once, handed to at most one worker at a time
// (re-added while processing, it runs again afterwards), retried with per-key exponential backoff, and
// delayed with addAfter. Two priorities: changes a user made go ahead of periodic resyncs, and a queued
// resync key is promoted when a user change for it arrives.
import { backoffDelay, systemClock, type Clock, type TimerHandle } from './clock.ts';

export type Priority = 'user' | 'resync';

export type QueueEvent =
  | { readonly type: 'add'; readonly key: string; readonly priority: Priority }
  | { readonly type: 'retry'; readonly key: string; readonly attempt: number; readonly delayMs: number }
  | {
    readonly type: 'processed'; readonly key: string; readonly priority: Priority; readonly durationMs: number;
    /** time from being queued (ready) to being handed to a worker */
    readonly waitMs: number;
    readonly outcome: 'success' | 'requeue' | 'error'; readonly error?: unknown;
  };

export interface WorkQueueOptions {
  readonly clock?: Clock;
  /** first retry delay (5 ms, as client-go) */
  readonly baseDelayMs?: number;
  /** retry delay cap (1000 s, as client-go) */
  readonly maxDelayMs?: number;
  /** metrics and logs subscribe here; must not throw */
  readonly onEvent?: (e: QueueEvent) => void;
}

export interface QueueItem {
  readonly key: string;
  readonly priority: Priority;
  /** clock time when the key became ready */
  readonly readyAt: number;
}

export interface QueueDepth {
  readonly user: number;
  readonly resync: number;
  readonly delayed: number;
  readonly processing: number;
}

export class WorkQueue {
  readonly #clock: Clock;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #onEvent: (e: QueueEvent) => void;
  /** ready keys in FIFO order (a Set keeps insertion order) */
  readonly #ready: Record<Priority, Set<string>> = { user: new Set(), resync: new Set() };
  /** keys that need a run: queued, or re-added while processing */
  readonly #dirty = new Map<string, { priority: Priority; readyAt: number }>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, { at: number; priority: Priority; handle: TimerHandle }>();
  readonly #failures = new Map<string, number>();
  #waiters: ((item: QueueItem | undefined) => void)[] = [];
  #shuttingDown = false;
  #processQueued = false;
  #drained: (() => void)[] = [];

  constructor(opts: WorkQueueOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#baseDelayMs = opts.baseDelayMs ?? 5;
    this.#maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    this.#onEvent = opts.onEvent ?? (() => undefined);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** queues a key now; a no-op if it is already queued at the same or a higher priority */
  add(key: string, priority: Priority = 'user'): void {
    if (this.#shuttingDown) return;
    const existing = this.#dirty.get(key);
    if (existing) {
      if (priority === 'user' && existing.priority === 'resync') {
        existing.priority = 'user';
        if (this.#ready.resync.delete(key)) this.#enqueue(key, 'user');
      }
      return;
    }
    this.#dirty.set(key, { priority, readyAt: this.#clock.now() });
    this.#onEvent({ type: 'add', key, priority });
    if (!this.#processing.has(key)) this.#enqueue(key, priority);
  }

  /** queues a key after ms; an earlier pending delay for the same key wins */
  addAfter(key: string, ms: number, priority: Priority = 'user'): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) { this.add(key, priority); return; }
    const at = this.#clock.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.at <= at) {
      if (priority === 'user') pending.priority = 'user';
      return;
    }
    if (pending) this.#clock.clearTimeout(pending.handle);
    const entry = { at, priority: pending?.priority === 'user' ? 'user' as const : priority, handle: undefined as unknown as TimerHandle };
    entry.handle = this.#clock.setTimeout(() => {
      if (this.#delayed.get(key) === entry) this.#delayed.delete(key);
      this.add(key, entry.priority);
    }, ms);
    this.#delayed.set(key, entry);
  }

  /** queues a key after its next backoff delay (base·2^failures, capped); returns the delay */
  addRateLimited(key: string, priority: Priority = 'user'): number {
    const attempt = this.#failures.get(key) ?? 0;
    this.#failures.set(key, attempt + 1);
    const delayMs = backoffDelay(attempt, this.#baseDelayMs, this.#maxDelayMs);
    this.#onEvent({ type: 'retry', key, attempt: attempt + 1, delayMs });
    this.addAfter(key, delayMs, priority);
    return delayMs;
  }

  /** resets a key's backoff after a success */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** the next key, user priority first; undefined once the queue is shut down (and, when draining, empty) */
  get(): Promise<QueueItem | undefined> {
    const item = this.#take();
    if (item || this.#shuttingDown) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** marks a key finished; if it was re-added meanwhile it is queued again */
  done(key: string): void {
    this.#processing.delete(key);
    const again = this.#dirty.get(key);
    if (again && !this.#shuttingDown) this.#enqueue(key, again.priority);
    else if (again && this.#processQueued) this.#enqueue(key, again.priority);
    this.#checkDrained();
  }

  depth(): QueueDepth {
    return { user: this.#ready.user.size, resync: this.#ready.resync.size, delayed: this.#delayed.size, processing: this.#processing.size };
  }

  /**
   * stops accepting keys and drops delayed ones; resolves when every in-flight key is done. With
   * processQueued, keys already queued are still handed out first (avoid after losing leadership).
   */
  shutdown(opts: { readonly processQueued?: boolean } = {}): Promise<void> {
    this.#shuttingDown = true;
    this.#processQueued = opts.processQueued ?? false;
    for (const d of this.#delayed.values()) this.#clock.clearTimeout(d.handle);
    this.#delayed.clear();
    if (!this.#processQueued) {
      this.#ready.user.clear();
      this.#ready.resync.clear();
      this.#dirty.clear();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(this.#take());
    return new Promise((resolve) => { this.#drained.push(resolve); this.#checkDrained(); });
  }

  #enqueue(key: string, priority: Priority): void {
    this.#ready[priority].add(key);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(this.#take());
  }

  #take(): QueueItem | undefined {
    for (const priority of ['user', 'resync'] as const) {
      const set = this.#ready[priority];
      const first = set.values().next();
      if (first.done) continue;
      const key = first.value;
      set.delete(key);
      const readyAt = this.#dirty.get(key)?.readyAt ?? this.#clock.now();
      this.#dirty.delete(key);
      this.#processing.add(key);
      return { key, priority, readyAt };
    }
    return undefined;
  }

  #checkDrained(): void {
    if (!this.#shuttingDown || this.#processing.size > 0) return;
    if (this.#ready.user.size + this.#ready.resync.size > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(undefined);
    const drained = this.#drained;
    this.#drained = [];
    for (const d of drained) d();
  }
}

/** a reconcile's verdict: nothing (done), or come back after a delay without counting a failure */
export type ReconcileResult = void | { readonly requeueAfterMs: number };

export type Reconciler = (key: string, item: QueueItem) => Promise<ReconcileResult>;

/**
 * runs `workers` loops that take keys and reconcile them: success forgets the key's backoff, a thrown error
 * re-queues it with backoff, {requeueAfterMs} re-queues it after that delay. Resolves after shutdown.
 */
export async function runWorkers(queue: WorkQueue, workers: number, reconcile: Reconciler, opts: { readonly clock?: Clock; readonly onEvent?: (e: QueueEvent) => void } = {}): Promise<void> {
  const clock = opts.clock ?? systemClock;
  const emit = opts.onEvent ?? (() => undefined);
  const loop = async (): Promise<void> => {
    for (let item = await queue.get(); item; item = await queue.get()) {
      const start = clock.now();
      let outcome: 'success' | 'requeue' | 'error' = 'success';
      let error: unknown;
      try {
        const result = await reconcile(item.key, item);
        queue.forget(item.key);
        if (result && result.requeueAfterMs >= 0) {
          outcome = 'requeue';
          queue.addAfter(item.key, result.requeueAfterMs, item.priority);
        }
      } catch (err) {
        outcome = 'error';
        error = err;
        queue.addRateLimited(item.key, item.priority);
      } finally {
        queue.done(item.key);
      }
      emit({ type: 'processed', key: item.key, priority: item.priority, durationMs: clock.now() - start, waitMs: start - item.readyAt, outcome, ...(error === undefined ? {} : { error }) });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
}
