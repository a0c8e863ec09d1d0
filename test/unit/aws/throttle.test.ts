import assert from 'node:assert/strict';
import { parseThrottle } from '../../../src/aws/flags.ts';
import { Throttler, TokenBucket, type Clock } from '../../../src/aws/throttle.ts';

/** time moves only when someone sleeps */
export class FakeClock implements Clock {
  t = 0;
  readonly sleeps: number[] = [];
  now = (): number => this.t;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
  };
}

describe('aws/throttle TokenBucket', () => {
  it('lets a burst through at once, then spaces calls at the rate', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(4, 20, clock);
    for (let i = 0; i < 20; i++) assert.equal(b.reserve(), 0);
    assert.equal(b.reserve(), 250);
    assert.equal(b.reserve(), 500, 'the next caller queues behind the first');
    clock.t += 500;
    assert.equal(b.available(), 0);
    assert.equal(b.reserve(), 250);
  });

  it('refills up to the burst, no further', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(2, 3, clock);
    b.reserve(); b.reserve(); b.reserve();
    clock.t += 60_000;
    assert.equal(b.available(), 3);
  });

  it('rejects nonsense limits', () => {
    assert.throws(() => new TokenBucket(0, 1), RangeError);
    assert.throws(() => new TokenBucket(1, 0), RangeError);
  });
});

describe('aws/throttle Throttler', () => {
  it('waits on the bucket of the matching API family only', async () => {
    const clock = new FakeClock();
    const t = new Throttler(parseThrottle('elbv2:^Modify=1:1,elbv2:^Describe=100:100').config, clock);
    await t.acquire('elbv2', 'ModifyRule');
    await t.acquire('elbv2', 'DescribeRules');
    await t.acquire('elbv2', 'ModifyListener');
    await t.acquire('elbv2', 'CreateRule'); // no rule matches: never waits
    assert.deepEqual(clock.sleeps, [1000]);
    assert.equal(t.waitedMs, 1000);
  });

  it('waits for the slowest of several matching buckets', () => {
    const clock = new FakeClock();
    const t = new Throttler(parseThrottle('elbv2:Targets=1:1,elbv2:.*=2:1').config, clock);
    assert.equal(t.reserve('elbv2', 'RegisterTargets'), 0);
    assert.equal(t.reserve('elbv2', 'RegisterTargets'), 1000);
  });

  it('keeps services apart', () => {
    const clock = new FakeClock();
    const t = new Throttler(parseThrottle('elbv2:.*=1:1,ec2:.*=1:1').config, clock);
    assert.equal(t.reserve('elbv2', 'DescribeLoadBalancers'), 0);
    assert.equal(t.reserve('ec2', 'DescribeSubnets'), 0);
    assert.equal(t.reserve('acm', 'ListCertificates'), 0);
  });
});
