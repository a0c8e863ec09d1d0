// Runs pure step generators (src/model/steps.ts) without holding the event loop: after each slice of
// `sliceMs` the generator is paused until the event loop has served what is waiting (I/O callbacks such as
// a /healthz request, other reconciles' responses), then resumed. See ADR 10.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Steps } from '../model/steps.ts';

/** the longest a reconcile holds the event loop between two pauses (the slice may overrun by one step) */
export const SLICE_MS = 20;

export async function runInSlices<T>(steps: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
