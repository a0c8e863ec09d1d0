// The load balancer's add-ons in the plan (ADR 16): a field is compared only when the desired spec sets it, and
// a Shield protection someone else made is never counted as a difference.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NO_WEB_ACL, SHIELD_PROTECTION_NAME, type LoadBalancerSpec, type ObservedLoadBalancer, type ObservedState } from '../../../src/model/index.ts';
import { planStack, type Plan } from '../../../src/plan/index.ts';
import { CLUSTER, observedFromStack, shopStack, withResource } from './helpers.ts';

type Addons = Pick<LoadBalancerSpec, 'wafv2WebAclArn' | 'shieldAdvancedProtection'>;
const ACL_A = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/a/1';
const ACL_B = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/b/2';

const desired = (a: Addons) => withResource(shopStack(), 'LoadBalancer', 'LoadBalancer', (r) => (r.kind === 'LoadBalancer' ? { ...r, spec: { ...r.spec, ...a } } : r));
const observed = (a: Addons, protection?: { id: string; name: string }): ObservedState => {
  const o = observedFromStack(shopStack()).state;
  const lb = o.loadBalancers[0] as ObservedLoadBalancer;
  return { ...o, loadBalancers: [{ ...lb, spec: { ...lb.spec, ...a }, ...(protection ? { shieldProtection: protection } : {}) }] };
};
const lbChange = (p: Plan) => p.changes.find((c) => c.kind === 'LoadBalancer');

describe('plan: web ACL and Shield protection of the load balancer', () => {
  const acl = fc.constantFrom(ACL_A, ACL_B, NO_WEB_ACL);
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const addons = (a: { wafv2WebAclArn: string | undefined; shieldAdvancedProtection: boolean | undefined }): Addons =>
    Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Addons;

  it('property: only the fields the desired spec sets are compared, each against what was read', () => {
    fc.assert(fc.property(
      fc.record({ wafv2WebAclArn: opt(acl), shieldAdvancedProtection: opt(fc.boolean()) }),
      fc.record({ wafv2WebAclArn: opt(acl), shieldAdvancedProtection: opt(fc.boolean()) }),
      (d, o) => {
        const protection = o.shieldAdvancedProtection ? { id: 'p-1', name: SHIELD_PROTECTION_NAME } : undefined;
        const plan = planStack(desired(addons(d)), observed(addons(o), protection), { clusterName: CLUSTER });
        const expected = (['wafv2WebAclArn', 'shieldAdvancedProtection'] as const).filter((f) => d[f] !== undefined && d[f] !== o[f]);
        const c = lbChange(plan);
        assert.equal(c?.action, expected.length ? 'update' : 'noop');
        if (expected.length) assert.deepEqual([...(c?.fields ?? [])].sort(), [...expected].sort());
      },
    ), { numRuns: 200 });
  });

  it('a protection someone else made is not a difference when the spec asks for none; ours is', () => {
    const theirs = planStack(desired({ shieldAdvancedProtection: false }), observed({ shieldAdvancedProtection: true }, { id: 'p-1', name: 'security team' }), { clusterName: CLUSTER });
    assert.equal(lbChange(theirs)?.action, 'noop');
    const ours = planStack(desired({ shieldAdvancedProtection: false }), observed({ shieldAdvancedProtection: true }, { id: 'p-1', name: SHIELD_PROTECTION_NAME }), { clusterName: CLUSTER });
    assert.equal(lbChange(ours)?.action, 'update');
    assert.deepEqual(lbChange(ours)?.fields, ['shieldAdvancedProtection']);
    // asking for one is satisfied by anybody's protection
    const wanted = planStack(desired({ shieldAdvancedProtection: true }), observed({ shieldAdvancedProtection: true }, { id: 'p-1', name: 'security team' }), { clusterName: CLUSTER });
    assert.equal(lbChange(wanted)?.action, 'noop');
  });

  it('an association someone else made is left alone when no member sets a web ACL', () => {
    const plan = planStack(desired({}), observed({ wafv2WebAclArn: ACL_B }), { clusterName: CLUSTER });
    assert.equal(lbChange(plan)?.action, 'noop');
  });
});
