// Apply of the load balancer's add-ons (ADR 16): the exact WAFv2 and Shield requests, the subscription check and
// its fallback, and that a protection someone else made is never deleted.
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { CreateLoadBalancerCommand, DeleteLoadBalancerCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateProtectionCommand, DeleteProtectionCommand, DescribeProtectionCommand, DescribeSubscriptionCommand, GetSubscriptionStateCommand, ShieldClient,
} from '@aws-sdk/client-shield';
import { AssociateWebACLCommand, DisassociateWebACLCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { UNKNOWN_SUBSCRIPTION_TTL_MS } from '../../../src/deploy/apply-addons.ts';
import { applyPlan } from '../../../src/deploy/apply.ts';
import type { ApplyChange } from '../../../src/deploy/apply.ts';
import { NO_WEB_ACL, SHIELD_PROTECTION_NAME, type LoadBalancerSpec } from '../../../src/model/index.ts';
import { ARN, CLUSTER, create, fastTiming, lbSpec, plan } from './apply-fixtures.ts';

const elb = mockClient(ElasticLoadBalancingV2Client);
const waf = mockClient(WAFV2Client);
const shield = mockClient(ShieldClient);
const ACL_A = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/a/1';
const ACL_B = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/b/2';

// a new pair of clients per apply: the subscription check is cached per Shield client
const deps = (extra: Partial<Parameters<typeof applyPlan>[1]> = {}) => ({
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
  clusterName: CLUSTER,
  timing: fastTiming(),
  addons: { wafv2: new WAFV2Client({ region: 'us-east-1' }), shield: new ShieldClient({ region: 'us-east-1' }) },
  ...extra,
});
const update = (before: Partial<LoadBalancerSpec>, after: Partial<LoadBalancerSpec>, fields: string[]): ApplyChange => ({
  action: 'update', kind: 'LoadBalancer', id: 'LoadBalancer', arn: ARN.lb, before: lbSpec({ securityGroups: [], ...before }),
  after: lbSpec({ securityGroups: [], ...after }), fields, reason: 't',
});
const inputs = <T>(calls: { args: readonly [{ input: T }] }[]): T[] => calls.map((c) => c.args[0].input);
const awsError = (name: string): Error => Object.assign(new Error(name), { name });

describe('deploy/apply: WAFv2 web ACL and Shield protection', () => {
  // an update reads the DNS name of the load balancer once
  const stubDns = () => elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: ARN.lb, DNSName: 'x.elb.amazonaws.com' }] });
  beforeEach(() => { elb.reset(); waf.reset(); shield.reset(); stubDns(); });

  it('associates the web ACL with a new load balancer, with its ARN', async () => {
    elb.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: ARN.lb, DNSName: 'x.elb.amazonaws.com' }] });
    const res = await applyPlan(plan([create('LoadBalancer', 'LoadBalancer', lbSpec({ securityGroups: [], wafv2WebAclArn: ACL_A }))]), deps());
    assert.equal(res.errors, undefined);
    assert.deepEqual(inputs(waf.commandCalls(AssociateWebACLCommand)), [{ WebACLArn: ACL_A, ResourceArn: ARN.lb }]);
    assert.equal(waf.commandCalls(DisassociateWebACLCommand).length, 0);
  });

  it('switching web ACLs disassociates the old one, then associates the new one', async () => {
    const res = await applyPlan(plan([update({ wafv2WebAclArn: ACL_A }, { wafv2WebAclArn: ACL_B }, ['wafv2WebAclArn'])]), deps());
    assert.equal(res.errors, undefined);
    assert.deepEqual(waf.calls().map((c) => c.args[0].constructor.name), ['DisassociateWebACLCommand', 'AssociateWebACLCommand']);
    assert.deepEqual(inputs(waf.commandCalls(DisassociateWebACLCommand)), [{ ResourceArn: ARN.lb }]);
    assert.deepEqual(inputs(waf.commandCalls(AssociateWebACLCommand)), [{ WebACLArn: ACL_B, ResourceArn: ARN.lb }]);
  });

  it('"none" disassociates only; from no web ACL to one only associates', async () => {
    await applyPlan(plan([update({ wafv2WebAclArn: ACL_A }, { wafv2WebAclArn: NO_WEB_ACL }, ['wafv2WebAclArn'])]), deps());
    assert.deepEqual(waf.calls().map((c) => c.args[0].constructor.name), ['DisassociateWebACLCommand']);
    waf.reset();
    await applyPlan(plan([update({ wafv2WebAclArn: NO_WEB_ACL }, { wafv2WebAclArn: ACL_A }, ['wafv2WebAclArn'])]), deps());
    assert.deepEqual(waf.calls().map((c) => c.args[0].constructor.name), ['AssociateWebACLCommand']);
  });

  it('a change to other fields makes no WAF or Shield call', async () => {
    elb.onAnyCommand().resolves({});
    stubDns();
    await applyPlan(plan([update({ wafv2WebAclArn: ACL_A, shieldAdvancedProtection: true }, { wafv2WebAclArn: ACL_A, shieldAdvancedProtection: true, attributes: { 'idle_timeout.timeout_seconds': '30' } }, ['attributes.idle_timeout.timeout_seconds'])]), deps());
    assert.equal(waf.calls().length + shield.calls().length, 0);
  });

  it('creates the protection, named as upstream, when the subscription is ACTIVE', async () => {
    shield.on(GetSubscriptionStateCommand).resolves({ SubscriptionState: 'ACTIVE' });
    shield.on(CreateProtectionCommand).resolves({ ProtectionId: 'p-1' });
    const res = await applyPlan(plan([update({ shieldAdvancedProtection: false }, { shieldAdvancedProtection: true }, ['shieldAdvancedProtection'])]), deps());
    assert.equal(res.errors, undefined);
    assert.equal(res.warnings, undefined);
    assert.deepEqual(inputs(shield.commandCalls(CreateProtectionCommand)), [{ Name: SHIELD_PROTECTION_NAME, ResourceArn: ARN.lb }]);
    assert.equal(shield.commandCalls(DescribeSubscriptionCommand).length, 0);
  });

  it('GetSubscriptionState failing, DescribeSubscription answers (a subscription without an end is active)', async () => {
    shield.on(GetSubscriptionStateCommand).rejects(awsError('InternalError'));
    shield.on(DescribeSubscriptionCommand).resolves({ Subscription: { SubscriptionLimits: undefined, StartTime: new Date(0) } as never });
    shield.on(CreateProtectionCommand).resolves({ ProtectionId: 'p-1' });
    await applyPlan(plan([update({ shieldAdvancedProtection: false }, { shieldAdvancedProtection: true }, ['shieldAdvancedProtection'])]), deps());
    assert.equal(shield.commandCalls(CreateProtectionCommand).length, 1);
  });

  it('skips the protection with a warning when there is no subscription, or it cannot be read; the rest is applied', async () => {
    shield.on(GetSubscriptionStateCommand).resolves({ SubscriptionState: 'INACTIVE' });
    let res = await applyPlan(plan([update({ shieldAdvancedProtection: false }, { shieldAdvancedProtection: true }, ['shieldAdvancedProtection'])]), deps());
    assert.equal(res.errors, undefined);
    assert.match(res.warnings?.[0] ?? '', /Shield Advanced protection skipped: the account has no active Shield Advanced subscription/);
    shield.reset();
    shield.on(GetSubscriptionStateCommand).rejects(awsError('InternalError'));
    shield.on(DescribeSubscriptionCommand).rejects(awsError('AccessDeniedException'));
    res = await applyPlan(plan([update({ shieldAdvancedProtection: false }, { shieldAdvancedProtection: true }, ['shieldAdvancedProtection'])]), deps());
    assert.equal(res.errors, undefined);
    assert.match(res.warnings?.[0] ?? '', /could not be read \(GetSubscriptionState: InternalError; DescribeSubscription: AccessDenied/);
    assert.equal(shield.commandCalls(CreateProtectionCommand).length, 0);
  });

  it('a subscription that could not be read is asked again only after UNKNOWN_SUBSCRIPTION_TTL_MS', async () => {
    shield.on(GetSubscriptionStateCommand).rejects(awsError('InternalError'));
    shield.on(DescribeSubscriptionCommand).rejects(awsError('AccessDeniedException'));
    const timing = fastTiming();
    const addons = { wafv2: new WAFV2Client({ region: 'us-east-1' }), shield: new ShieldClient({ region: 'us-east-1' }) };
    const protect = () => applyPlan(plan([update({ shieldAdvancedProtection: false }, { shieldAdvancedProtection: true }, ['shieldAdvancedProtection'])]), deps({ timing, addons }));
    const asked = () => shield.commandCalls(GetSubscriptionStateCommand).length;
    await protect();
    assert.equal(asked(), 1);
    const again = await protect();
    assert.equal(asked(), 1, 'the failed check is trusted for a while');
    assert.match(again.warnings?.[0] ?? '', /could not be read/);
    await timing.sleep(UNKNOWN_SUBSCRIPTION_TTL_MS);
    shield.on(GetSubscriptionStateCommand).resolves({ SubscriptionState: 'ACTIVE' });
    shield.on(CreateProtectionCommand).resolves({ ProtectionId: 'p-1' });
    await protect();
    assert.equal(asked(), 2);
    assert.equal(shield.commandCalls(CreateProtectionCommand).length, 1);
  });

  it('false deletes our protection by its ID, and leaves one someone else made', async () => {
    shield.on(DescribeProtectionCommand).resolves({ Protection: { Id: 'p-ours', Name: SHIELD_PROTECTION_NAME, ResourceArn: ARN.lb } });
    await applyPlan(plan([update({ shieldAdvancedProtection: true }, { shieldAdvancedProtection: false }, ['shieldAdvancedProtection'])]), deps());
    assert.deepEqual(inputs(shield.commandCalls(DeleteProtectionCommand)), [{ ProtectionId: 'p-ours' }]);
    shield.reset();
    shield.on(DescribeProtectionCommand).resolves({ Protection: { Id: 'p-theirs', Name: 'security team', ResourceArn: ARN.lb } });
    await applyPlan(plan([update({ shieldAdvancedProtection: true }, { shieldAdvancedProtection: false }, ['shieldAdvancedProtection'])]), deps());
    assert.equal(shield.commandCalls(DeleteProtectionCommand).length, 0);
  });

  it('deletes our protection before the load balancer (with --enable-shield), never without it', async () => {
    shield.on(GetSubscriptionStateCommand).resolves({ SubscriptionState: 'ACTIVE' });
    shield.on(DescribeProtectionCommand).resolves({ Protection: { Id: 'p-ours', Name: SHIELD_PROTECTION_NAME, ResourceArn: ARN.lb } });
    elb.on(DeleteLoadBalancerCommand).resolves({});
    const del: ApplyChange = { action: 'delete', kind: 'LoadBalancer', id: 'LoadBalancer', arn: ARN.lb, before: lbSpec({ securityGroups: [] }), reason: 't' };
    await applyPlan(plan([del]), deps({ shieldOnDelete: true }));
    const order = [...shield.calls(), ...elb.calls()].sort((a, b) => (a as unknown as { callId: number }).callId - (b as unknown as { callId: number }).callId)
      .map((c) => c.args[0].constructor.name);
    assert.deepEqual(order, ['GetSubscriptionStateCommand', 'DescribeProtectionCommand', 'DeleteProtectionCommand', 'DeleteLoadBalancerCommand']);
    shield.reset();
    elb.reset();
    stubDns();
    elb.on(DeleteLoadBalancerCommand).resolves({});
    await applyPlan(plan([del]), deps());
    assert.equal(shield.calls().length, 0);
  });

  it('before deletes, an account without an active subscription is asked once, and no protection is looked for', async () => {
    shield.on(GetSubscriptionStateCommand).rejects(awsError('InternalError'));
    shield.on(DescribeSubscriptionCommand).rejects(awsError('ResourceNotFoundException'));
    elb.on(DeleteLoadBalancerCommand).resolves({});
    const del = (n: number): ApplyChange => ({ action: 'delete', kind: 'LoadBalancer', id: `LoadBalancer${n}`, arn: `${ARN.lb}${n}`, before: lbSpec({ securityGroups: [] }), reason: 't' });
    const d = deps({ shieldOnDelete: true });
    // three groups deleted together, with one Shield client
    await Promise.all([1, 2, 3].map((n) => applyPlan(plan([del(n)]), d)));
    assert.equal(shield.commandCalls(GetSubscriptionStateCommand).length, 1);
    assert.equal(shield.commandCalls(DescribeSubscriptionCommand).length, 1);
    assert.equal(shield.commandCalls(DescribeProtectionCommand).length, 0);
    assert.equal(elb.commandCalls(DeleteLoadBalancerCommand).length, 3);
  });

  it('before a delete, a subscription that cannot be read still looks for our protection', async () => {
    shield.on(GetSubscriptionStateCommand).rejects(awsError('InternalError'));
    shield.on(DescribeSubscriptionCommand).rejects(awsError('AccessDeniedException'));
    shield.on(DescribeProtectionCommand).resolves({ Protection: { Id: 'p-ours', Name: SHIELD_PROTECTION_NAME, ResourceArn: ARN.lb } });
    elb.on(DeleteLoadBalancerCommand).resolves({});
    const del: ApplyChange = { action: 'delete', kind: 'LoadBalancer', id: 'LoadBalancer', arn: ARN.lb, before: lbSpec({ securityGroups: [] }), reason: 't' };
    await applyPlan(plan([del]), deps({ shieldOnDelete: true }));
    assert.deepEqual(inputs(shield.commandCalls(DeleteProtectionCommand)), [{ ProtectionId: 'p-ours' }]);
  });
});
