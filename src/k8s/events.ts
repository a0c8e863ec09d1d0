// Kubernetes Events (core/v1) with upstream's reasons. A repeat of the same (object, type, reason, message)
// bumps the count and lastTimestamp of the Event already written instead of creating another, so a group
// that fails on every retry leaves one Event with a growing count. Recording is best effort: it never throws.
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.ts';
import { isNotFound, type ResourceClient } from './client.ts';
import type { KubeObject } from './types.ts';

export const EVENT_REASONS = Object.freeze({
  SuccessfullyReconciled: 'SuccessfullyReconciled',
  FailedBuildModel: 'FailedBuildModel',
  FailedDeployModel: 'FailedDeployModel',
  FailedAddFinalizer: 'FailedAddFinalizer',
  FailedRemoveFinalizer: 'FailedRemoveFinalizer',
  FailedUpdateStatus: 'FailedUpdateStatus',
});
export type EventReason = keyof typeof EVENT_REASONS | (string & {});
export type EventType = 'Normal' | 'Warning';

/** the longest message an Event carries; longer ones are cut with an ellipsis */
export const MAX_EVENT_MESSAGE = 1024;

export interface EventRecorderOptions {
  readonly events: ResourceClient<'event'>;
  /** source.component, e.g. "ingress" or "targetGroupBinding" as upstream */
  readonly component: string;
  /** source.host: this replica */
  readonly host?: string;
  readonly clock?: Clock;
  readonly onError?: (err: unknown) => void;
  /** how many distinct events to remember for aggregation (4096) */
  readonly maxRemembered?: number;
}

interface Remembered {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

const timestamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #seen = new Map<string, Remembered>();
  /** per aggregation key, so two records of the same event never race */
  readonly #chains = new Map<string, Promise<void>>();

  constructor(opts: EventRecorderOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  /** records an Event on obj (which needs apiVersion, kind and metadata.name); resolves when written or given up */
  record(obj: KubeObject, type: EventType, reason: EventReason, message: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const msg = message.length > MAX_EVENT_MESSAGE ? `${message.slice(0, MAX_EVENT_MESSAGE - 3)}...` : message;
    const key = [meta.namespace ?? '', obj.kind ?? '', meta.name ?? '', meta.uid ?? '', type, reason, msg].join('\u0000');
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.#write(key, obj, type, reason, msg)).catch((err: unknown) => this.#o.onError?.(err));
    this.#chains.set(key, next);
    void next.finally(() => { if (this.#chains.get(key) === next) this.#chains.delete(key); });
    return next;
  }

  normal(obj: KubeObject, reason: EventReason, message: string): Promise<void> {
    return this.record(obj, 'Normal', reason, message);
  }

  warning(obj: KubeObject, reason: EventReason, message: string): Promise<void> {
    return this.record(obj, 'Warning', reason, message);
  }

  async #write(key: string, obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const now = timestamp(this.#clock.now());
    const seen = this.#seen.get(key);
    if (seen) {
      try {
        await this.#o.events.mergePatch(seen.name, seen.namespace, { count: seen.count + 1, lastTimestamp: now });
        seen.count++;
        this.#seen.delete(key);
        this.#seen.set(key, seen);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.#seen.delete(key);
      }
    }
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const name = `${meta.name ?? 'unknown'}.${this.#clock.now().toString(16)}${randomBytes(3).toString('hex')}`;
    await this.#o.events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion, kind: obj.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: this.#o.component, ...(this.#o.host ? { host: this.#o.host } : {}) },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    }, namespace);
    this.#seen.set(key, { name, namespace, count: 1, firstTimestamp: now });
    const max = this.#o.maxRemembered ?? 4096;
    while (this.#seen.size > max) {
      const oldest = this.#seen.keys().next();
      if (oldest.done) break;
      this.#seen.delete(oldest.value);
    }
  }
}
