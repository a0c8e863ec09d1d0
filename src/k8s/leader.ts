// Lease-based leader election (coordination.k8s.io/v1), with client-go's timing model: a candidate takes the
// Lease only when it is free or when its record has not changed for leaseDuration as measured on the
// candidate's own clock (so clock skew between replicas does not matter); the leader renews every
// retryPeriod and steps down if it cannot renew within renewDeadline, or as soon as it sees another holder.
// Writes are compare-and-swap on resourceVersion, so two candidates never both succeed.
//
// Stopping is ordered so that two replicas never write at once: the leadership signal aborts (the work stops
// taking new items), the elector keeps renewing while the work drains (the promise onStartedLeading
// returned), and only then releases the Lease. Losing the Lease aborts the signal and ends at once: the caller
// should stop writing and exit, because another replica may already lead.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep, systemClock, type Clock } from './clock.ts';
import { isConflict, type ResourceClient } from './client.ts';
import type { Lease } from './types.ts';

export type LeaderEvent =
  | { readonly type: 'acquired'; readonly identity: string }
  | { readonly type: 'lost'; readonly identity: string; readonly reason: string }
  | { readonly type: 'released'; readonly identity: string }
  | { readonly type: 'new-leader'; readonly holder: string }
  | { readonly type: 'error'; readonly error: unknown };

export interface LeaderElectionOptions {
  readonly leases: ResourceClient<'lease'>;
  readonly namespace: string;
  /** the Lease name (--leader-election-id) */
  readonly name: string;
  /** unique per replica; see leaderIdentity() */
  readonly identity: string;
  /** 15 s */
  readonly leaseDurationMs?: number;
  /** 10 s; must be below leaseDuration */
  readonly renewDeadlineMs?: number;
  /** 2 s */
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  /**
   * called once leadership is won; the signal aborts when it is lost or the elector stops. Return a promise
   * that settles once the work has drained after the abort: on a clean stop the Lease is renewed until then
   * and released only afterwards.
   */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** called once when leadership ends, after having started (never if it was never won); lost: another replica may lead now */
  readonly onStoppedLeading: (how: { readonly lost: boolean; readonly reason: string }) => void;
  readonly onEvent?: (e: LeaderEvent) => void;
  /** clear the holder on a clean stop so another replica takes over at once (true) */
  readonly releaseOnCancel?: boolean;
}

/** "<pod or host name>_<uuid>", as upstream, so a restarted pod never mistakes the old lease for its own */
export const leaderIdentity = (podName?: string): string => `${podName || hostname()}_${randomUUID()}`;

/** a Lease MicroTime: RFC 3339 with exactly six fractional digits */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

type Attempt = 'ok' | 'held' | 'failed';

/** the renew loop's answer when it was told to stop (every other answer says why leadership was lost) */
const STOPPED = 'stopped';

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectionOptions, 'onEvent'>> & Pick<LeaderElectionOptions, 'onEvent'>;
  readonly #clock: Clock;
  #leading = false;
  #observed: { fingerprint: string; at: number; holder: string } | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.#o = {
      leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, clock: systemClock, releaseOnCancel: true, ...opts,
    };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs) throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    this.#clock = this.#o.clock;
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /**
   * campaigns until leadership is won, leads until it is lost or the signal aborts; resolves afterwards. On
   * abort: the leadership signal aborts, the Lease is kept renewed until the work has drained, then released.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.#acquire(signal))) return;
    const leadership = new AbortController();
    this.#leading = true;
    this.#emit({ type: 'acquired', identity: this.#o.identity });
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(this.#o.onStartedLeading(leadership.signal));
    } catch (error) {
      work = Promise.reject(error);
    }
    work = work.catch((error: unknown) => this.#emit({ type: 'error', error }));
    // renewing ends when leadership is lost, or once a requested stop has drained the work
    const drained = new AbortController();
    const onStop = (): void => {
      leadership.abort();
      void work.then(() => drained.abort());
    };
    if (signal.aborted) onStop();
    else signal.addEventListener('abort', onStop, { once: true });
    const reason = await this.#renewLoop(drained.signal);
    signal.removeEventListener('abort', onStop);
    this.#leading = false;
    leadership.abort();
    const stopped = reason === STOPPED;
    if (stopped && this.#o.releaseOnCancel) await this.#release();
    else this.#emit({ type: 'lost', identity: this.#o.identity, reason });
    this.#o.onStoppedLeading({ lost: !stopped, reason });
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if ((await this.#tryWithDeadline(this.#clock.now() + this.#o.renewDeadlineMs)) === 'ok') return true;
      await sleep(this.#clock, this.#o.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
    return false;
  }

  /** returns why leadership ended */
  async #renewLoop(signal: AbortSignal): Promise<string> {
    for (;;) {
      await sleep(this.#clock, this.#o.retryPeriodMs, signal);
      if (signal.aborted) return STOPPED;
      const deadline = this.#clock.now() + this.#o.renewDeadlineMs;
      let result: Attempt = 'failed';
      while (!signal.aborted && this.#clock.now() < deadline) {
        result = await this.#tryWithDeadline(deadline);
        if (result !== 'failed') break;
        await sleep(this.#clock, Math.min(this.#o.retryPeriodMs, Math.max(0, deadline - this.#clock.now())), signal);
      }
      if (signal.aborted) return STOPPED;
      if (result === 'held') return `lease taken by ${this.#observed?.holder ?? 'another replica'}`;
      if (result === 'failed') return `could not renew within ${this.#o.renewDeadlineMs} ms`;
    }
  }

  async #tryWithDeadline(deadline: number): Promise<Attempt> {
    const timeout = new AbortController();
    const timer = sleep(this.#clock, Math.max(0, deadline - this.#clock.now()), timeout.signal).then(() => 'failed' as const);
    try {
      return await Promise.race([this.#tryAcquireOrRenew(), timer]);
    } finally {
      timeout.abort();
    }
  }

  async #tryAcquireOrRenew(): Promise<Attempt> {
    const { leases, namespace, name, identity } = this.#o;
    const now = this.#clock.now();
    const spec = (holderIdentity: string | undefined, acquireTime: string, transitions: number): NonNullable<Lease['spec']> => ({
      holderIdentity, leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000), acquireTime, renewTime: microTime(now), leaseTransitions: transitions,
    });
    try {
      const existing = await leases.get(name, namespace);
      if (!existing) {
        await leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: spec(identity, microTime(now), 0) });
        this.#observe(identity, 'created', now);
        return 'ok';
      }
      const record = existing.spec ?? {};
      const holder = record.holderIdentity ?? '';
      this.#observe(holder, JSON.stringify(record), now);
      const expired = (this.#observed?.at ?? now) + (record.leaseDurationSeconds ?? 0) * 1000 <= now;
      if (holder && holder !== identity && !expired) return 'held';
      const mine = holder === identity;
      const transitions = (record.leaseTransitions ?? 0) + (mine ? 0 : 1);
      const updated = await leases.replace({
        ...existing, spec: spec(identity, mine && record.acquireTime ? record.acquireTime : microTime(now), transitions),
      });
      this.#observe(identity, JSON.stringify(updated.spec ?? {}), now);
      return 'ok';
    } catch (error) {
      if (!isConflict(error)) this.#emit({ type: 'error', error });
      return 'failed';
    }
  }

  /** remembers when the record last changed, on our own clock */
  #observe(holder: string, fingerprint: string, now: number): void {
    if (this.#observed?.fingerprint === fingerprint) return;
    if (holder && holder !== this.#observed?.holder) this.#emit({ type: 'new-leader', holder });
    this.#observed = { fingerprint, at: now, holder };
  }

  async #release(): Promise<void> {
    try {
      const existing = await this.#o.leases.get(this.#o.name, this.#o.namespace);
      if (!existing || existing.spec?.holderIdentity !== this.#o.identity) return;
      const now = microTime(this.#clock.now());
      await this.#o.leases.replace({
        ...existing,
        spec: { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: existing.spec?.leaseTransitions ?? 0 },
      });
      this.#emit({ type: 'released', identity: this.#o.identity });
    } catch (error) {
      this.#emit({ type: 'error', error });
    }
  }

  #emit(e: LeaderEvent): void {
    try { this.#o.onEvent?.(e); } catch { /* listeners must not break the election */ }
  }
}
