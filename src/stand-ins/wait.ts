// Polling for the demo, the end-to-end tests and the benchmark: the stand-ins converge asynchronously.
import { parseMetrics } from '../server/metrics.ts';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** polls fn until it returns a value (not undefined/false); errors count as "not yet" and the last one is reported */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000, everyMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) { last = err; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * waits until a controller process is idle: no key ready or being reconciled in any work queue, seen on two
 * scrapes in a row with the same AWS call and reconcile totals (so nothing ran in between). Keys waiting for a
 * delayed requeue do not count: they are not work yet. Used to take a baseline of the call counters.
 */
export async function waitIdle(ctrl: { metrics(): Promise<string> }, timeoutMs = 120_000): Promise<void> {
  let previous: string | undefined;
  await waitFor('the controller idle', async () => {
    let busy = 0;
    let work = 0;
    for (const s of parseMetrics(await ctrl.metrics())) {
      if (s.name === 'aws_lb_controller_workqueue_depth' || s.name === 'aws_lb_controller_active_reconciles') busy += s.value;
      else if (s.name === 'aws_lb_controller_aws_api_calls_total' || s.name === 'aws_lb_controller_reconcile_total') work += s.value;
    }
    const now = busy === 0 ? `idle after ${work}` : undefined;
    const settled = now !== undefined && now === previous;
    previous = now;
    return settled;
  }, timeoutMs);
}
