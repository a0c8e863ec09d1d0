import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeregisterTargetsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DescribeTargetHealthCommandOutput, TargetHealthStateEnum } from '@aws-sdk/client-elastic-load-balancing-v2';
import { chunks, reconcileTargets } from '../../../src/targets/index.ts';

const elb = mockClient(ElasticLoadBalancingV2Client);
const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/k8s-a/1';

const current = (...ts: [string, number, string][]): DescribeTargetHealthCommandOutput => ({
  $metadata: {},
  TargetHealthDescriptions: ts.map(([Id, Port, State]) => ({ Target: { Id, Port }, TargetHealth: { State: State as TargetHealthStateEnum, ...(State === 'unhealthy' ? { Reason: 'Target.ResponseCodeMismatch', Description: 'bad code' } : {}) } })),
});

describe('targets/reconcileTargets', () => {
  beforeEach(() => {
    elb.reset();
    elb.on(RegisterTargetsCommand).resolves({});
    elb.on(DeregisterTargetsCommand).resolves({});
  });

  it('registers the missing, deregisters the stale, and leaves the rest alone', async () => {
    elb.on(DescribeTargetHealthCommand).resolves(current(['10.0.0.1', 8080, 'healthy'], ['10.0.0.2', 8080, 'unhealthy'], ['10.0.0.9', 8080, 'healthy']));
    const res = await reconcileTargets({ elbv2: client, targetGroupArn: TG, desired: [
      { id: '10.0.0.1', port: 8080 }, { id: '10.0.0.2', port: 8080 }, { id: '10.0.0.3', port: 8080, availabilityZone: 'all' },
    ] });
    assert.equal(res.registered, 1);
    assert.equal(res.deregistered, 1);
    assert.deepEqual(elb.commandCalls(RegisterTargetsCommand)[0]?.args[0].input, { TargetGroupArn: TG, Targets: [{ Id: '10.0.0.3', Port: 8080, AvailabilityZone: 'all' }] });
    assert.deepEqual(elb.commandCalls(DeregisterTargetsCommand)[0]?.args[0].input, { TargetGroupArn: TG, Targets: [{ Id: '10.0.0.9', Port: 8080 }] });
    assert.deepEqual(res.health, [
      { id: '10.0.0.1', port: 8080, state: 'healthy' },
      { id: '10.0.0.2', port: 8080, state: 'unhealthy', reason: 'Target.ResponseCodeMismatch', description: 'bad code' },
      { id: '10.0.0.3', port: 8080 },
    ]);
  });

  it('with deregisterOnly, deregisters only those of the stale targets (a multi-cluster target group)', async () => {
    elb.on(DescribeTargetHealthCommand).resolves(current(['10.0.0.1', 8080, 'healthy'], ['10.0.0.8', 8080, 'healthy'], ['10.0.0.9', 8080, 'healthy']));
    const res = await reconcileTargets({ elbv2: client, targetGroupArn: TG, desired: [{ id: '10.0.0.1', port: 8080 }], deregisterOnly: new Set(['10.0.0.1:8080', '10.0.0.8:8080']) });
    assert.equal(res.deregistered, 1);
    assert.deepEqual(elb.commandCalls(DeregisterTargetsCommand)[0]?.args[0].input.Targets, [{ Id: '10.0.0.8', Port: 8080 }]);
    const none = await reconcileTargets({ elbv2: client, targetGroupArn: TG, desired: [], deregisterOnly: new Set() });
    assert.equal(none.deregistered, 0, 'an empty record deregisters nothing');
  });

  it('makes no write when the targets already match', async () => {
    elb.on(DescribeTargetHealthCommand).resolves(current(['i-1', 30080, 'healthy']));
    const res = await reconcileTargets({ elbv2: client, targetGroupArn: TG, desired: [{ id: 'i-1', port: 30080 }] });
    assert.deepEqual([res.registered, res.deregistered], [0, 0]);
    assert.equal(elb.calls().length, 1);
  });

  it('ignores draining targets before matching: a returning IP is registered again, a draining one is not deregistered twice', async () => {
    elb.on(DescribeTargetHealthCommand).resolves(current(['10.0.0.1', 8080, 'draining'], ['10.0.0.2', 8080, 'unhealthy.draining']));
    const res = await reconcileTargets({ elbv2: client, targetGroupArn: TG, desired: [{ id: '10.0.0.1', port: 8080 }] });
    assert.equal(res.registered, 1);
    assert.equal(res.deregistered, 0);
    assert.equal(elb.commandCalls(DeregisterTargetsCommand).length, 0);
  });

  it('treats the same IP on another port as another target', async () => {
    elb.on(DescribeTargetHealthCommand).resolves(current(['10.0.0.1', 8080, 'healthy']));
    const res = await reconcileTargets({ elbv2: client, targetGroupArn: TG, desired: [{ id: '10.0.0.1', port: 9090 }] });
    assert.deepEqual([res.registered, res.deregistered], [1, 1]);
  });

  it('registers 450 targets in 3 calls of at most 200, and deregisters in batches too', async () => {
    elb.on(DescribeTargetHealthCommand).resolves(current(...Array.from({ length: 201 }, (_, i): [string, number, string] => [`10.1.0.${i}`, 80, 'healthy'])));
    const desired = Array.from({ length: 450 }, (_, i) => ({ id: `10.0.${Math.floor(i / 250)}.${i % 250}`, port: 8080 }));
    const res = await reconcileTargets({ elbv2: client, targetGroupArn: TG, desired });
    assert.equal(res.registered, 450);
    assert.deepEqual(elb.commandCalls(RegisterTargetsCommand).map((c) => c.args[0].input.Targets?.length), [200, 200, 50]);
    assert.deepEqual(elb.commandCalls(DeregisterTargetsCommand).map((c) => c.args[0].input.Targets?.length), [200, 1]);
  });

  it('ignores duplicate desired targets', async () => {
    elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    const res = await reconcileTargets({ elbv2: client, targetGroupArn: TG, desired: [{ id: 'a', port: 1 }, { id: 'a', port: 1 }] });
    assert.equal(res.registered, 1);
  });

  it('chunks refuses a batch size below 1', () => {
    assert.deepEqual(chunks([1, 2, 3], 2), [[1, 2], [3]]);
    assert.throws(() => chunks([1], 0), RangeError);
  });
});
