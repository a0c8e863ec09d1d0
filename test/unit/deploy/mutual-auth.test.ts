// Mutual TLS on ALB listeners, the AWS side: the exact CreateListener / ModifyListener / DescribeTrustStores requests
// (moto ignores MutualAuthentication and answers trust store calls with 500, so these are proven here only), what
// observing makes of DescribeListeners' answer, and when the plan claims a difference.
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { ACMClient } from '@aws-sdk/client-acm';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand, DescribeTrustStoresCommand, ElasticLoadBalancingV2Client, ModifyListenerCommand, TrustStoreNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { applyPlan } from '../../../src/deploy/apply.ts';
import { toListenerSpec } from '../../../src/deploy/convert.ts';
import { Discovery } from '../../../src/aws/discovery.ts';
import { listenerDiffs } from '../../../src/plan/kinds/listener.ts';
import type { ListenerSpec, MutualAuthentication } from '../../../src/model/index.ts';
import type { ObservedListener } from '../../../src/model/observed.ts';
import { ARN, CLUSTER, create, fastTiming, listenerSpec, plan } from './apply-fixtures.ts';

const TS = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/store-a/0123456789abcdef';
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
const VERIFY: MutualAuthentication = { mode: 'verify', trustStoreArn: TS, ignoreClientCertificateExpiry: false, advertiseTrustStoreCaNames: 'off' };
const https = (mutualAuthentication?: MutualAuthentication): ListenerSpec => listenerSpec({
  loadBalancer: ARN.lb, port: 443, protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-2016-08', certificates: [CERT],
  ...(mutualAuthentication ? { mutualAuthentication } : {}),
});

const elb = mockClient(ElasticLoadBalancingV2Client);
const deps = () => ({
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), ec2: new EC2Client({ region: 'us-east-1' }), clusterName: CLUSTER, timing: fastTiming(),
});

describe('mutual authentication in AWS', () => {
  beforeEach(() => elb.reset());
  after(() => elb.restore());

  describe('apply', () => {
    it('CreateListener carries MutualAuthentication as upstream sends it: the trust store and switches for verify only', async () => {
      elb.on(CreateListenerCommand).resolves({ Listeners: [{ ListenerArn: ARN.listener }] });
      await applyPlan(plan([create('Listener', '443', https(VERIFY))]), deps());
      await applyPlan(plan([create('Listener', '443', https({ mode: 'passthrough' }))]), deps());
      await applyPlan(plan([create('Listener', '443', https())]), deps());
      const sent = elb.commandCalls(CreateListenerCommand).map((c) => c.args[0].input.MutualAuthentication);
      assert.deepEqual(sent, [
        { Mode: 'verify', TrustStoreArn: TS, IgnoreClientCertificateExpiry: false, AdvertiseTrustStoreCaNames: 'off' },
        { Mode: 'passthrough' },
        undefined,
      ]);
      assert.equal(elb.calls().length, 3);
    });

    it('ModifyListener sends only MutualAuthentication when only it differs', async () => {
      elb.on(ModifyListenerCommand).resolves({});
      await applyPlan(plan([{
        action: 'update', kind: 'Listener', id: '443', arn: ARN.listener, before: https({ mode: 'off' }), after: https(VERIFY), fields: ['mutualAuthentication'], reason: 't',
      }]), deps());
      assert.deepEqual(elb.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input), [{
        ListenerArn: ARN.listener, MutualAuthentication: { Mode: 'verify', TrustStoreArn: TS, IgnoreClientCertificateExpiry: false, AdvertiseTrustStoreCaNames: 'off' },
      }]);
    });

    it('an update for another field does not resend it', async () => {
      elb.on(ModifyListenerCommand).resolves({});
      await applyPlan(plan([{
        action: 'update', kind: 'Listener', id: '443', arn: ARN.listener, before: https(VERIFY), after: { ...https(VERIFY), sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }, fields: ['sslPolicy'], reason: 't',
      }]), deps());
      assert.deepEqual(elb.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input), [{ ListenerArn: ARN.listener, SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }]);
    });
  });

  describe('observe and plan', () => {
    const observed = (spec: ListenerSpec): ObservedListener => ({ arn: ARN.listener, spec, tags: spec.tags } as ObservedListener);
    const diffs = (desired: ListenerSpec, seen: ListenerSpec) => listenerDiffs(desired, observed(seen), (r) => r as never, { clusterName: CLUSTER })
      .filter((d) => d.path === 'mutualAuthentication');
    const fromAws = (m: object | undefined) => toListenerSpec({
      ListenerArn: ARN.listener, LoadBalancerArn: ARN.lb, Port: 443, Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-2016-08',
      Certificates: [{ CertificateArn: CERT }], DefaultActions: [], ...(m ? { MutualAuthentication: m } : {}),
    }, undefined, https().tags);

    it('reads what DescribeListeners reports; no MutualAuthentication (moto) leaves it unknown', () => {
      assert.deepEqual(fromAws({ Mode: 'verify', TrustStoreArn: TS, IgnoreClientCertificateExpiry: true, AdvertiseTrustStoreCaNames: 'on', TrustStoreAssociationStatus: 'active' }).mutualAuthentication,
        { mode: 'verify', trustStoreArn: TS, ignoreClientCertificateExpiry: true, advertiseTrustStoreCaNames: 'on' });
      assert.deepEqual(fromAws({ Mode: 'off' }).mutualAuthentication, { mode: 'off' });
      assert.equal(fromAws(undefined).mutualAuthentication, undefined);
    });

    it('claims a difference only against a reported setting, in AWS\'s effective form', () => {
      // unknown on the AWS side: no difference claimed, so no ModifyListener on every reconcile
      assert.deepEqual(diffs(https({ mode: 'passthrough' }), fromAws(undefined)), []);
      // unset in the desired spec: whatever AWS has stays (upstream without EnhancedDefaultBehavior)
      assert.deepEqual(diffs(https(), fromAws({ Mode: 'verify', TrustStoreArn: TS })), []);
      // AWS's defaults are not differences; a real one is
      assert.deepEqual(diffs(https(VERIFY), fromAws({ Mode: 'verify', TrustStoreArn: TS })), []);
      assert.deepEqual(diffs(https({ mode: 'off' }), fromAws({ Mode: 'off', IgnoreClientCertificateExpiry: false })), []);
      const changed = diffs(https({ mode: 'passthrough' }), fromAws({ Mode: 'off' }));
      assert.deepEqual(changed.map((d) => [d.path, d.status]), [['mutualAuthentication', 'changed']]);
      assert.deepEqual(diffs(https({ ...VERIFY, ignoreClientCertificateExpiry: true }), fromAws({ Mode: 'verify', TrustStoreArn: TS })).map((d) => d.status), ['changed']);
    });
  });

  describe('trust store names', () => {
    const discovery = () => new Discovery({ ec2: new EC2Client({ region: 'us-east-1' }), acm: new ACMClient({ region: 'us-east-1' }), elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }) });

    it('one DescribeTrustStores per name; a missing name is null and asked again, a found ARN is cached', async () => {
      elb.on(DescribeTrustStoresCommand, { Names: ['store-a'] }).resolves({ TrustStores: [{ Name: 'store-a', TrustStoreArn: TS }] });
      elb.on(DescribeTrustStoresCommand, { Names: ['nope'] }).rejects(new TrustStoreNotFoundException({ message: 'not found', $metadata: {} }));
      const d = discovery();
      assert.deepEqual(await d.trustStores(['store-a', 'nope']), { 'store-a': TS, nope: null });
      assert.deepEqual(elb.commandCalls(DescribeTrustStoresCommand).map((c) => c.args[0].input), [{ Names: ['store-a'] }, { Names: ['nope'] }]);
      assert.deepEqual(await d.trustStores(['store-a', 'nope']), { 'store-a': TS, nope: null });
      assert.deepEqual(elb.commandCalls(DescribeTrustStoresCommand).map((c) => c.args[0].input.Names?.[0]), ['store-a', 'nope', 'nope']);
    });

    it('discoverFacts looks them up only when asked; another failure (moto: 500) is thrown, not taken for "not found"', async () => {
      elb.on(DescribeTrustStoresCommand).rejects(Object.assign(new Error('internal'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }));
      const d = discovery();
      const none = await d.discoverFacts({ subnets: false, securityGroups: false, certificates: false });
      assert.equal(none.trustStores, undefined);
      assert.equal(elb.commandCalls(DescribeTrustStoresCommand).length, 0);
      await assert.rejects(d.discoverFacts({ subnets: false, securityGroups: false, certificates: false, trustStoreNames: ['store-a'] }), /DescribeTrustStores/);
    });
  });
});
