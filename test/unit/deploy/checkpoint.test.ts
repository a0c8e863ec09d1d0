// Checkpoints: equal inputs hash alike whatever the key order; any change of the desired stack, of what it owns,
// of its bindings or of the planner's settings changes the checkpoint; the listed digest ignores volatile fields.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { appliedIdentity, bindingIdentity, listedDigest, observedIdentity, stableJson, stackCheckpoint } from '../../../src/deploy/checkpoint.ts';
import type { Stack } from '../../../src/model/index.ts';

const stack = { id: 'ns/a', members: ['ns/a'], resources: [] } as unknown as Stack;
const settings = { clusterName: 'prod', externalManagedTags: ['Team'] };
const identity = observedIdentity({ loadBalancerArns: ['lb-1'], targetGroupArns: ['tg-2', 'tg-1'], securityGroupIds: ['sg-1'] }, [bindingIdentity('ns', 'b', 'tg-1')]);

describe('deploy: checkpoint', () => {
  it('property: stableJson is the same for any key order, and tells different values apart', () => {
    const shuffle = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(shuffle);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffle(x)]));
      return v;
    };
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      assert.equal(stableJson(shuffle(a)), stableJson(a));
      const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
      if (stableJson(a) === stableJson(b)) assert.deepEqual(asJson(a), asJson(b));
      else assert.notDeepEqual(asJson(a), asJson(b));
    }), { numRuns: 500 });
  });

  it('changes with the stack, what it owns, its bindings and the settings; not with list order', () => {
    const base = stackCheckpoint(stack, identity, settings);
    assert.equal(stackCheckpoint(stack, observedIdentity({ loadBalancerArns: ['lb-1'], targetGroupArns: ['tg-1', 'tg-2'], securityGroupIds: ['sg-1'] }, [bindingIdentity('ns', 'b', 'tg-1')]), settings), base);
    assert.notEqual(stackCheckpoint({ ...stack, members: ['ns/a', 'ns/b'] }, identity, settings), base);
    assert.notEqual(stackCheckpoint(stack, { ...identity, targetGroupArns: ['tg-1'] }, settings), base);
    assert.notEqual(stackCheckpoint(stack, { ...identity, bindings: [] }, settings), base);
    assert.notEqual(stackCheckpoint(stack, identity, { ...settings, clusterName: 'dev' }), base);
    assert.notEqual(stackCheckpoint(stack, identity, { ...settings, externalManagedTags: [] }), base);
  });

  it("an apply's result names the same identity as a later listing of it", () => {
    const withBinding = { ...stack, resources: [{ kind: 'TargetGroupBinding', id: 'b', spec: { namespace: 'ns', name: 'b', targetGroupARN: { $ref: { kind: 'TargetGroup', id: 'web', field: 'arn' } } } }] } as unknown as Stack;
    const arns = new Map([['LoadBalancer/lb', 'lb-1'], ['TargetGroup/web', 'tg-1'], ['TargetGroup/api', 'tg-2'], ['SecurityGroup/sg', 'sg-1'], ['Listener/80', 'l-1']]);
    assert.deepEqual(appliedIdentity(withBinding, arns), identity);
  });

  it('the listed digest ignores state and times, and sees a changed health check', () => {
    const lb: LoadBalancer = { LoadBalancerArn: 'lb-1', Scheme: 'internal', AvailabilityZones: [{ SubnetId: 's-2' }, { SubnetId: 's-1' }], SecurityGroups: ['sg-1'] };
    const tg: TargetGroup = { TargetGroupArn: 'tg-1', Port: 80, HealthCheckPath: '/' };
    const base = listedDigest({ loadBalancers: [lb], targetGroups: [tg], securityGroups: [] });
    assert.equal(listedDigest({ loadBalancers: [{ ...lb, State: { Code: 'active' }, CreatedTime: new Date(), AvailabilityZones: [{ SubnetId: 's-1' }, { SubnetId: 's-2' }] }], targetGroups: [tg], securityGroups: [] }), base);
    assert.notEqual(listedDigest({ loadBalancers: [lb], targetGroups: [{ ...tg, HealthCheckPath: '/healthz' }], securityGroups: [] }), base);
  });
});
