// Polling for the demo, the end-to-end tests and the benchmark: the stand-ins converge asynchronously.

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
