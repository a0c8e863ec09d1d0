// The drift rotation (ADR 0013): a stack or binding whose checkpoint matches is not read in full on resync, so
// an edit made by hand below what the inventory lists (a listener rule deleted in the console, an attribute, a
// target deregistered) would stay. The rotation walks every group and binding in turn and hands one at a time to
// its controller, which then reads it in full and repairs it, at an even pace:
//   - each entry at most once per `intervalMs` (the rotation spreads the entries over the interval);
//   - the estimated AWS reads of the checks within `budgetPerMinute` (a token bucket holding 10 s of budget, so
//     the rotation never bursts).
// A full rotation therefore takes max(interval, total cost / budget). `DriftScheduler` is the pure part (no
// clock, no timers); `startDriftRotation` runs it every second.
import type { Clock } from '../k8s/clock.ts';
import type { ControllerName } from '../server/metrics.ts';

export interface DriftEntry {
  readonly controller: ControllerName;
  readonly key: string;
  /** the AWS reads a full check of it costs, as estimated by its controller */
  readonly cost: number;
}

export interface DriftSettings {
  /** estimated AWS reads per minute the checks may spend; 0 turns the rotation off */
  readonly budgetPerMinute: number;
  /** the shortest time between two checks of one entry */
  readonly intervalMs: number;
}

/** how many seconds of budget the bucket holds */
const BURST_SECONDS = 10;

const idOf = (e: DriftEntry): string => `${e.controller}\u0000${e.key}`;

export class DriftScheduler {
  readonly #s: DriftSettings;
  #tokens: number;
  #refilledAt: number | undefined;
  /** the id of the last entry handed over: the rotation continues after it */
  #cursor = '';
  #nextAt = 0;

  constructor(settings: DriftSettings) {
    this.#s = settings;
    this.#tokens = this.#burst;
  }

  get #burst(): number {
    return Math.max(1, (this.#s.budgetPerMinute * BURST_SECONDS) / 60);
  }

  /** the entries due now, in rotation order; call it regularly with every current entry */
  tick(now: number, entries: readonly DriftEntry[]): DriftEntry[] {
    const { budgetPerMinute, intervalMs } = this.#s;
    if (budgetPerMinute <= 0 || entries.length === 0) return [];
    const ordered = [...entries].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
    const spacing = intervalMs / ordered.length;
    if (this.#refilledAt === undefined) this.#nextAt = now + spacing; // the first check one spacing after start
    const elapsed = this.#refilledAt === undefined ? 0 : Math.max(0, now - this.#refilledAt);
    this.#refilledAt = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (budgetPerMinute * elapsed) / 60_000);
    // after a stall, do not catch up more than one spacing's worth at once
    this.#nextAt = Math.max(this.#nextAt, now - spacing);
    const due: DriftEntry[] = [];
    let start = ordered.findIndex((e) => idOf(e) > this.#cursor);
    if (start < 0) start = 0;
    for (let i = 0; i < ordered.length && now >= this.#nextAt; i++) {
      const e = ordered[(start + i) % ordered.length] as DriftEntry;
      // an entry dearer than the bucket waits for a full bucket, then goes (the debt is paid by the refill)
      if (this.#tokens < Math.min(e.cost, this.#burst)) break;
      this.#tokens -= e.cost;
      this.#cursor = idOf(e);
      this.#nextAt += spacing;
      due.push(e);
    }
    return due;
  }
}

export interface DriftRotationOptions extends DriftSettings {
  readonly clock: Clock;
  readonly entries: () => readonly DriftEntry[];
  readonly due: (e: DriftEntry) => void;
  /** how often the scheduler runs (1 s) */
  readonly tickMs?: number;
}

/** runs the rotation until the signal aborts */
export function startDriftRotation(opts: DriftRotationOptions, signal: AbortSignal): void {
  if (opts.budgetPerMinute <= 0) return;
  const scheduler = new DriftScheduler(opts);
  const tickMs = opts.tickMs ?? 1_000;
  let handle: ReturnType<Clock['setTimeout']> | undefined;
  const tick = (): void => {
    if (signal.aborted) return;
    for (const e of scheduler.tick(opts.clock.now(), opts.entries())) opts.due(e);
    handle = opts.clock.setTimeout(tick, tickMs);
  };
  signal.addEventListener('abort', () => { if (handle !== undefined) opts.clock.clearTimeout(handle); }, { once: true });
  handle = opts.clock.setTimeout(tick, tickMs);
}
