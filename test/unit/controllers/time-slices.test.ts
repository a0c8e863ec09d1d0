import assert from 'node:assert/strict';
import { runSteps, type Steps } from '../../../src/model/steps.ts';
import { runInSlices } from '../../../src/controllers/time-slices.ts';

/** three units of work; records each, and returns how many ran */
function* work(log: string[]): Steps<number> {
  for (let i = 0; i < 3; i++) {
    yield;
    log.push(`step ${i}`);
  }
  return 3;
}

describe('time slices', () => {
  it('runSteps runs every step at once and returns the result', () => {
    const log: string[] = [];
    let turned = false;
    setImmediate(() => { turned = true; });
    assert.equal(runSteps(work(log)), 3);
    assert.deepEqual(log, ['step 0', 'step 1', 'step 2']);
    assert.equal(turned, false, 'the event loop did not turn');
  });

  it('runInSlices lets the event loop serve waiting callbacks between slices, with the same result', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('event loop'));
    // a slice of 0 ms pauses after every step
    assert.equal(await runInSlices(work(log), 0), 3);
    assert.ok(log.includes('event loop') && log.at(-1) === 'step 2', `the callback ran before the work ended: ${log.join(', ')}`);
  });

  it('runInSlices does not pause while a slice lasts', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('event loop'));
    await runInSlices(work(log), 60_000);
    assert.deepEqual(log, ['step 0', 'step 1', 'step 2']);
  });
});
