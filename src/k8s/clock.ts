// Time as a dependency: the queue, informers and leader election take a Clock, so tests drive time by hand.

export type TimerHandle = { readonly id: number } | ReturnType<typeof setTimeout>;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return t;
  },
  clearTimeout: (h: TimerHandle) => clearTimeout(h as ReturnType<typeof setTimeout>),
});

/** resolves after ms on the clock, or early (without rejecting) when the signal aborts */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const onAbort = (): void => { clock.clearTimeout(handle); resolve(); };
    const handle = clock.setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** min(base·2^attempt, cap), with ±jitter fraction; attempt counts from 0 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, jitter = 0, random: () => number = Math.random): number {
  const raw = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 60));
  return jitter > 0 ? Math.min(capMs, raw * (1 + jitter * (2 * random() - 1))) : raw;
}

/** flushes pending promise callbacks (several turns, so chained awaits settle too) */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}

/**
 * A hand-driven clock for tests. advance(ms) fires due timers in time order and lets promise callbacks run
 * between them, so async loops built on sleep() make progress exactly as they would in real time.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle && typeof handle === 'object' && 'id' in handle && typeof handle.id === 'number') this.#timers.delete(handle.id);
  }

  /** number of timers not yet fired */
  get pending(): number {
    return this.#timers.size;
  }

  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
      await flushMicrotasks();
    }
    this.#now = until;
    await flushMicrotasks();
  }
}
