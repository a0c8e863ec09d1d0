// Every AWS call, counted by service, operation and outcome. The count is per HTTP attempt: a call that was
// throttled twice and then succeeded counts as two "Throttling" and one "success", because that is what
// AWS saw (and billed against the account's rate limits). Tests read the CallCounter directly; the
// controller exports it as the Prometheus counter aws_lb_controller_aws_api_calls_total.
import { Counter, type Registry } from 'prom-client';
import type { ServiceKey } from './services.ts';

export interface CallRecord {
  readonly service: ServiceKey;
  readonly operation: string;
  /** "success", or the AWS error code ("Throttling", "TargetGroupNotFound", "ECONNREFUSED") */
  readonly outcome: string;
}

export interface CallCount extends CallRecord {
  readonly count: number;
}

export interface CallFilter {
  readonly service?: ServiceKey;
  readonly operation?: string;
  /** true: only writes; false: only reads */
  readonly write?: boolean;
  /** "success", an error code, or "error" for every failure */
  readonly outcome?: string;
}

/** reads are Describe*, List* and Get*; everything else changes something */
export const isWriteOperation = (operation: string): boolean => !/^(Describe|List|Get)/.test(operation);

type Listener = (record: CallRecord, count: number) => void;

export class CallCounter {
  readonly #counts = new Map<string, CallCount>();
  readonly #listeners = new Set<Listener>();

  record(service: ServiceKey, operation: string, outcome: string): void {
    const key = `${service}\u0000${operation}\u0000${outcome}`;
    const prev = this.#counts.get(key);
    this.#counts.set(key, { service, operation, outcome, count: (prev?.count ?? 0) + 1 });
    for (const l of this.#listeners) l({ service, operation, outcome }, 1);
  }

  /** every (service, operation, outcome) seen since the last reset, sorted */
  snapshot(): CallCount[] {
    return [...this.#counts.values()].sort((a, b) => cmp(a.service, b.service) || cmp(a.operation, b.operation) || cmp(a.outcome, b.outcome));
  }

  total(filter: CallFilter = {}): number {
    let n = 0;
    for (const c of this.#counts.values()) {
      if (matches(c, filter)) n += c.count;
    }
    return n;
  }

  /** operation → count, for printing a read/write budget in tests and benchmarks */
  byOperation(filter: CallFilter = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.snapshot()) {
      if (matches(c, filter)) out[c.operation] = (out[c.operation] ?? 0) + c.count;
    }
    return out;
  }

  reset(): void {
    this.#counts.clear();
  }

  /** called on every record; returns an unsubscribe function */
  onRecord(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function matches(c: CallCount, f: CallFilter): boolean {
  if (f.service !== undefined && c.service !== f.service) return false;
  if (f.operation !== undefined && c.operation !== f.operation) return false;
  if (f.write !== undefined && isWriteOperation(c.operation) !== f.write) return false;
  if (f.outcome === 'error') return c.outcome !== 'success';
  return f.outcome === undefined || c.outcome === f.outcome;
}

export const CALL_METRIC_NAME = 'aws_lb_controller_aws_api_calls_total';

/**
 * Registers aws_lb_controller_aws_api_calls_total{service,operation,outcome} on `registry` and keeps it in
 * step with `counter`. Counts recorded before registration are carried over; CallCounter.reset() does not
 * lower the exported counter (Prometheus counters only go up).
 */
export function registerCallMetrics(counter: CallCounter, registry: Registry): { metric: Counter<'service' | 'operation' | 'outcome'>; unregister: () => void } {
  const metric = new Counter({
    name: CALL_METRIC_NAME,
    help: 'AWS API calls made by the controller (one per HTTP attempt), by service, operation and outcome ("success" or the AWS error code).',
    labelNames: ['service', 'operation', 'outcome'] as const,
    registers: [registry],
  });
  for (const c of counter.snapshot()) metric.inc({ service: c.service, operation: c.operation, outcome: c.outcome }, c.count);
  const off = counter.onRecord((r, n) => metric.inc({ service: r.service, operation: r.operation, outcome: r.outcome }, n));
  return {
    metric,
    unregister: () => {
      off();
      registry.removeSingleMetric(CALL_METRIC_NAME);
    },
  };
}
