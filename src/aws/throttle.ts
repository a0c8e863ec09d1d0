// Client-side rate limits: one token bucket per (service, operation pattern). A call waits on every bucket
// whose pattern matches its operation name (as upstream does), so that a burst of reconciles spreads its
// calls out instead of tripping AWS's own throttling. Time comes from an injected Clock, so tests run
// without real waiting.
import type { ThrottleConfig, ThrottleRule } from './flags.ts';
import type { ServiceKey } from './services.ts';

export interface Clock {
  /** milliseconds, monotonic enough for rate limiting */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket that hands out reservations: `reserve()` takes a token now and returns how long the caller
 * must wait before using it. The balance may go negative, which queues callers fairly in arrival order
 * without keeping a queue.
 */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(rate: number, burst: number, clock: Clock = systemClock) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs rate > 0 and burst >= 1 (got ${rate}, ${burst})`);
    this.rate = rate;
    this.burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** takes one token; returns the wait in milliseconds (0 when a token was available) */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.rate) * 1000;
  }

  /** tokens available now (negative while callers are queued) */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.rate);
  }
}

interface Limiter {
  readonly rule: ThrottleRule;
  readonly bucket: TokenBucket;
}

export class Throttler {
  readonly #limiters: Partial<Record<ServiceKey, readonly Limiter[]>>;
  readonly #clock: Clock;
  #waitedMs = 0;

  constructor(config: ThrottleConfig, clock: Clock = systemClock) {
    this.#clock = clock;
    const limiters: Partial<Record<ServiceKey, readonly Limiter[]>> = {};
    for (const [service, rules] of Object.entries(config) as [ServiceKey, readonly ThrottleRule[] | undefined][]) {
      limiters[service] = (rules ?? []).map((rule) => ({ rule, bucket: new TokenBucket(rule.rate, rule.burst, clock) }));
    }
    this.#limiters = limiters;
  }

  /** reserves a token from every matching bucket and returns the longest wait, in ms, without sleeping */
  reserve(service: ServiceKey, operation: string): number {
    let wait = 0;
    for (const l of this.#limiters[service] ?? []) {
      if (l.rule.operation.test(operation)) wait = Math.max(wait, l.bucket.reserve());
    }
    return wait;
  }

  /** waits until the call may go out */
  async acquire(service: ServiceKey, operation: string): Promise<void> {
    const wait = this.reserve(service, operation);
    if (wait > 0) {
      this.#waitedMs += wait;
      await this.#clock.sleep(wait);
    }
  }

  /** total time calls spent waiting on the buckets, in ms */
  get waitedMs(): number {
    return this.#waitedMs;
  }

  rules(service: ServiceKey): readonly ThrottleRule[] {
    return (this.#limiters[service] ?? []).map((l) => l.rule);
  }
}
