import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { CallCounter, isWriteOperation, registerCallMetrics } from '../../../src/aws/metrics.ts';

describe('aws/metrics', () => {
  it('classifies Describe/List/Get as reads and the rest as writes', () => {
    for (const op of ['DescribeLoadBalancers', 'ListCertificates', 'GetResources']) assert.equal(isWriteOperation(op), false, op);
    for (const op of ['CreateRule', 'ModifyListener', 'AddTags', 'RegisterTargets', 'SetRulePriorities', 'AuthorizeSecurityGroupIngress']) {
      assert.equal(isWriteOperation(op), true, op);
    }
  });

  it('counts by service, operation and outcome', () => {
    const c = new CallCounter();
    c.record('elbv2', 'DescribeLoadBalancers', 'success');
    c.record('elbv2', 'DescribeLoadBalancers', 'Throttling');
    c.record('elbv2', 'DescribeLoadBalancers', 'success');
    c.record('elbv2', 'CreateRule', 'PriorityInUse');
    c.record('ec2', 'DescribeSubnets', 'success');
    assert.deepEqual(c.snapshot(), [
      { service: 'ec2', operation: 'DescribeSubnets', outcome: 'success', count: 1 },
      { service: 'elbv2', operation: 'CreateRule', outcome: 'PriorityInUse', count: 1 },
      { service: 'elbv2', operation: 'DescribeLoadBalancers', outcome: 'Throttling', count: 1 },
      { service: 'elbv2', operation: 'DescribeLoadBalancers', outcome: 'success', count: 2 },
    ]);
    assert.equal(c.total(), 5);
    assert.equal(c.total({ service: 'elbv2' }), 4);
    assert.equal(c.total({ operation: 'DescribeLoadBalancers' }), 3);
    assert.equal(c.total({ write: true }), 1);
    assert.equal(c.total({ write: false }), 4);
    assert.equal(c.total({ outcome: 'error' }), 2);
    assert.equal(c.total({ outcome: 'success', service: 'elbv2' }), 2);
    assert.deepEqual(c.byOperation({ write: false }), { DescribeSubnets: 1, DescribeLoadBalancers: 3 });
    c.reset();
    assert.equal(c.total(), 0);
    assert.deepEqual(c.snapshot(), []);
  });

  it('exports aws_lb_controller_aws_api_calls_total, carrying earlier counts over and never going down', async () => {
    const c = new CallCounter();
    c.record('elbv2', 'DescribeTags', 'success');
    const registry = new Registry();
    const { unregister } = registerCallMetrics(c, registry);
    c.record('elbv2', 'DescribeTags', 'success');
    c.record('elbv2', 'CreateRule', 'Throttling');
    c.reset();
    const text = await registry.metrics();
    assert.match(text, /# TYPE aws_lb_controller_aws_api_calls_total counter/);
    assert.match(text, /aws_lb_controller_aws_api_calls_total\{service="elbv2",operation="DescribeTags",outcome="success"\} 2/);
    assert.match(text, /aws_lb_controller_aws_api_calls_total\{service="elbv2",operation="CreateRule",outcome="Throttling"\} 1/);
    unregister();
    c.record('elbv2', 'DescribeTags', 'success');
    assert.equal(await registry.metrics(), '\n');
  });
});
