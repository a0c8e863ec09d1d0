// The drift rotation's scheduler: every entry is handed over in turn, each at most once per interval, and the
// estimated reads stay within the budget per minute (a bucket of 10 s of budget, so no burst).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DriftScheduler, type DriftEntry } from '../../../src/controllers/drift-rotation.ts';

const entries = (costs: readonly number[]): DriftEntry[] =>
  costs.map((cost, i) => ({ controller: i % 2 ? 'targetGroupBinding' : 'ingress', key: `k${String(i).padStart(4, '0')}`, cost }));

/** runs the scheduler once a second for `seconds`; returns (time, entry) of each hand-over */
function simulate(s: DriftScheduler, list: readonly DriftEntry[], seconds: number): { at: number; e: DriftEntry }[] {
  const out: { at: number; e: DriftEntry }[] = [];
  for (let t = 0; t <= seconds * 1000; t += 1000) for (const e of s.tick(t, list)) out.push({ at: t, e });
  return out;
}

describe('controllers: drift rotation (DriftScheduler)', () => {
  it('a budget of 0 turns the rotation off', () => {
    assert.deepEqual(simulate(new DriftScheduler({ budgetPerMinute: 0, intervalMs: 60_000 }), entries([1, 1]), 600), []);
  });

  it('with budget to spare, checks each entry once per interval, spread evenly', () => {
    const list = entries([5, 5, 5, 5, 1, 1]);
    const got = simulate(new DriftScheduler({ budgetPerMinute: 300, intervalMs: 60_000 }), list, 600);
    for (const e of list) {
      const times = got.filter((g) => g.e.key === e.key).map((g) => g.at);
      assert.ok(times.length >= 9 && times.length <= 10, `${e.key}: ${times.length} checks in 10 minutes`);
      for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) - (times[i - 1] as number) >= 59_000, `${e.key} checked twice within the interval`);
    }
    // never two hand-overs in the same second: spacing is interval / entries = 10 s
    assert.equal(new Set(got.map((g) => g.at)).size, got.length);
  });

  it('a new entry joins the rotation; a removed one leaves it', () => {
    const s = new DriftScheduler({ budgetPerMinute: 600, intervalMs: 20_000 });
    const first = entries([1, 1]);
    const seen = simulate(s, first, 60).map((g) => g.e.key);
    assert.deepEqual([...new Set(seen)].sort(), ['k0000', 'k0001']);
    const later: DriftEntry[] = [first[1] as DriftEntry, { controller: 'ingress', key: 'k9999', cost: 1 }];
    const next: string[] = [];
    for (let t = 61_000; t <= 121_000; t += 1000) for (const e of s.tick(t, later)) next.push(e.key);
    assert.deepEqual([...new Set(next)].sort(), ['k0001', 'k9999']);
  });

  it('property: reads per minute stay within the budget (plus one bucket), and every entry is checked within max(interval, total cost / budget) plus one spacing', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 6, max: 600 }),
      fc.integer({ min: 10, max: 900 }),
      (costs, budget, intervalS) => {
        const list = entries(costs);
        const minutes = 30;
        const got = simulate(new DriftScheduler({ budgetPerMinute: budget, intervalMs: intervalS * 1000 }), list, minutes * 60);
        const burst = Math.max(1, budget / 6);
        for (let start = 0; start + 60_000 <= minutes * 60_000; start += 10_000) {
          const spent = got.filter((g) => g.at >= start && g.at < start + 60_000).reduce((n, g) => n + g.e.cost, 0);
          // an entry dearer than the bucket may overdraw it once
          assert.ok(spent <= budget + burst + Math.max(...costs), `${spent} reads in the minute from ${start} ms (budget ${budget})`);
        }
        const total = costs.reduce((a, b) => a + b, 0);
        const rotationMs = Math.max(intervalS * 1000, (total / budget) * 60_000) + (intervalS * 1000) / list.length + 60_000;
        if (rotationMs * 2 > minutes * 60_000) return;
        for (const e of list) {
          const times = got.filter((g) => g.e.key === e.key).map((g) => g.at);
          assert.ok(times.length > 0 && (times[0] as number) <= rotationMs, `${e.key} first checked at ${times[0]} ms, bound ${rotationMs}`);
          for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) - (times[i - 1] as number) <= rotationMs, `${e.key} waited too long`);
        }
      },
    ), { numRuns: 60 });
  });
});
