// NetworkingSync: the cluster-wide security-group pass the TargetGroupBinding loop asks for. Requests close
// together share one pass, passes never overlap, and a deleted binding's pass fails only when a revoke failed.
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import { NetworkingSync } from '../../../src/controllers/networking-sync.ts';
import { silentLogger } from '../../../src/server/log.ts';
import type { NetworkingError, ReconcileNetworkingInput, ReconcileNetworkingResult } from '../../../src/targets/networking.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms); });

const result = (errors: NetworkingError[] = []): ReconcileNetworkingResult =>
  ({ securityGroups: [], changes: [], authorized: 0, revoked: 0, writeCalls: 0, errors, revocationsHeld: errors.length > 0 });

/** a controllable pass: records each call (the bindings it was given) and how many run at once */
class FakePasses {
  calls: string[][] = [];
  running = 0;
  maxRunning = 0;
  gate: Promise<void> = Promise.resolve();
  next: () => Promise<ReconcileNetworkingResult> = async () => result();

  readonly reconcile = async (input: ReconcileNetworkingInput): Promise<ReconcileNetworkingResult> => {
    this.calls.push(input.bindings.map((b) => b.key));
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await this.gate;
      return await this.next();
    } finally {
      this.running--;
    }
  };
}

describe('controllers: NetworkingSync', () => {
  const all = ['ns/a', 'ns/b', 'ns/c'];
  let passes: FakePasses;
  let sync: NetworkingSync;
  let reports: [string, string][];

  const make = (retryMs = 60_000): NetworkingSync => new NetworkingSync({
    ec2: new EC2Client({ region: 'us-east-1' }), clusterName: 'unit', log: silentLogger, debounceMs: 5, retryMs,
    bindings: (except) => all.filter((k) => !except.has(k)).map((key) => ({ key, targetType: 'ip' as const, targets: [] })),
    report: (k, m) => { reports.push([k, m]); },
    reconcile: passes.reconcile,
  });

  beforeEach(() => {
    passes = new FakePasses();
    reports = [];
    sync = make();
  });
  afterEach(() => sync.stop());

  it('coalesces a burst of requests into one pass over every binding', async () => {
    for (let i = 0; i < 50; i++) sync.request();
    await sleep(30);
    assert.deepEqual(passes.calls, [all]);
    sync.request();
    await sleep(30);
    assert.equal(passes.calls.length, 2, 'a later request gets a pass of its own');
  });

  it('never runs two passes at once', async () => {
    let open!: () => void;
    passes.gate = new Promise((resolve) => { open = resolve; });
    sync.request();
    await sleep(20);
    assert.equal(passes.running, 1);
    const deleted = sync.without('ns/a');
    sync.request();
    await sleep(20);
    assert.equal(passes.calls.length, 1, 'the deletion and the next request wait for the running pass');
    open();
    await deleted;
    await sleep(20);
    assert.equal(passes.maxRunning, 1);
    assert.deepEqual(passes.calls, [all, ['ns/b', 'ns/c'], all]);
  });

  it('deletions that arrive while a pass runs share the next pass, which leaves them all out', async () => {
    let open!: () => void;
    passes.gate = new Promise((resolve) => { open = resolve; });
    sync.request();
    await sleep(20);
    const done = Promise.all([sync.without('ns/a'), sync.without('ns/c')]);
    open();
    await done;
    assert.deepEqual(passes.calls, [all, ['ns/b']]);
  });

  it('deletions close together share one pass even when none is running (an Ingress group or a namespace going)', async () => {
    const later = async (): Promise<void> => { await sleep(1); await sync.without('ns/c'); };
    await Promise.all([sync.without('ns/a'), later()]);
    assert.deepEqual(passes.calls, [['ns/b']]);
  });

  it('without() fails only when a revoke failed', async () => {
    passes.next = async () => result([
      { securityGroupId: 'sg-other', operation: 'authorize', message: 'sg-other: authorize: RulesPerSecurityGroupLimitExceeded' },
      { securityGroupId: 'sg-gone', message: 'security group sg-gone was not found' },
      { binding: 'ns/b', target: '10.0.0.9', message: 'no network interface holds IP 10.0.0.9' },
    ]);
    await sync.without('ns/a');
    assert.deepEqual(reports, [['ns/b', 'no network interface holds IP 10.0.0.9']], 'a binding\'s own problem still reaches it');

    passes.next = async () => result([{ securityGroupId: 'sg-node', operation: 'revoke', message: 'sg-node: revoke: UnauthorizedOperation: denied' }]);
    await assert.rejects(sync.without('ns/a'), /revoking the rules of ns\/a: sg-node: revoke: UnauthorizedOperation/);
  });

  it('without() fails when the security groups could not be read; a requested pass swallows that and retries', async () => {
    sync.stop();
    sync = make(10);
    passes.next = async () => { throw new Error('DescribeSecurityGroups: Throttling'); };
    await assert.rejects(sync.without('ns/a'), /Throttling/);
    passes.next = async () => result();
    await sleep(40);
    assert.ok(passes.calls.length >= 2, 'the failed pass asked for a retry');
    assert.deepEqual(passes.calls.at(-1), all);
  });

  it('asks for nothing once stopped', async () => {
    sync.stop();
    sync.request();
    await sleep(20);
    assert.deepEqual(passes.calls, []);
  });
});
