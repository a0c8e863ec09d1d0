// deploy/observe and aws/discovery against moto: only what carries this cluster's tags is observed, and what moto echoes
// back (a single-target forward as a plain TargetGroupArn) converts to the model's forwardConfig shape.
import assert from 'node:assert/strict';
import {
  AddTagsCommand, CreateListenerCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, DeleteLoadBalancerCommand, DeleteTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.ts';
import { Discovery } from '../../src/aws/discovery.ts';
import { observeAllStacks, observeStack, OwnershipCache } from '../../src/deploy/observe.ts';
import { stackTags } from '../../src/model/tags.ts';
import { awsConfig, seeded, standIns } from './support/stand-ins.ts';

describe('deploy/observe on moto', function () {
  const suffix = Math.random().toString(36).slice(2, 8);
  const stackId = `e2e-observe/${suffix}`;
  let elbv2: ElasticLoadBalancingV2Client;
  let aws: AwsClients;
  const created: { lbs: string[]; tgs: string[] } = { lbs: [], tgs: [] };
  let tagged = '';
  let untagged = '';
  let legacy = '';
  let taggedTg = '';

  before(async function () {
    await standIns(this);
    const cfg = awsConfig();
    const facts = seeded();
    elbv2 = new ElasticLoadBalancingV2Client(cfg);
    aws = createAwsClients({
      region: cfg.region, credentials: cfg.credentials,
      endpoints: `elasticloadbalancing=${cfg.endpoint},ec2=${cfg.endpoint},acm=${cfg.endpoint},tagging=${cfg.endpoint}`,
    });
    const subnets = facts.subnets.public.map((s) => s.id);
    const tags = (resource: string) => Object.entries(stackTags(facts.clusterName, stackId, resource)).map(([Key, Value]) => ({ Key, Value }));

    const lb = async (name: string, withTags: boolean | { Key: string; Value: string }[]): Promise<string> => {
      const out = await elbv2.send(new CreateLoadBalancerCommand({
        Name: name, Subnets: subnets, Scheme: 'internet-facing', Type: 'application', IpAddressType: 'ipv4',
        ...(withTags === true ? { Tags: tags('LoadBalancer') } : Array.isArray(withTags) ? { Tags: withTags } : {}),
      }));
      const arn = out.LoadBalancers?.[0]?.LoadBalancerArn;
      assert.ok(arn);
      created.lbs.push(arn);
      return arn;
    };
    tagged = await lb(`obs-tagged-${suffix}`, true);
    untagged = await lb(`obs-untagged-${suffix}`, false);
    // tagged by the v1 ALB ingress controller only: not ours (IAM would refuse to modify or delete it)
    legacy = await lb(`obs-v1-${suffix}`, [
      { Key: 'ingress.k8s.aws/cluster', Value: facts.clusterName }, { Key: 'ingress.k8s.aws/stack', Value: stackId }, { Key: 'ingress.k8s.aws/resource', Value: 'LoadBalancer' },
    ]);

    const tgOut = await elbv2.send(new CreateTargetGroupCommand({
      Name: `obs-tg-${suffix}`, Protocol: 'HTTP', Port: 30080, VpcId: facts.vpcId, TargetType: 'instance',
      HealthCheckPath: '/healthz', Matcher: { HttpCode: '200' }, Tags: tags('ns/ing-web:80'),
    }));
    taggedTg = tgOut.TargetGroups?.[0]?.TargetGroupArn ?? '';
    created.tgs.push(taggedTg);
    const plainTg = await elbv2.send(new CreateTargetGroupCommand({ Name: `obs-plain-${suffix}`, Protocol: 'HTTP', Port: 80, VpcId: facts.vpcId }));
    created.tgs.push(plainTg.TargetGroups?.[0]?.TargetGroupArn ?? '');

    const listener = await elbv2.send(new CreateListenerCommand({
      LoadBalancerArn: tagged, Port: 80, Protocol: 'HTTP', Tags: tags('80'),
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' } }],
    }));
    await elbv2.send(new CreateRuleCommand({
      ListenerArn: listener.Listeners?.[0]?.ListenerArn, Priority: 1, Tags: tags('80:1'),
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/shop/*', '/api/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: taggedTg }],
    }));
  });

  after(async () => {
    for (const arn of created.lbs) await elbv2?.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })).catch(() => undefined);
    for (const arn of created.tgs) await elbv2?.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })).catch(() => undefined);
    aws?.destroy();
  });

  it('observes the tagged load balancer and never the untagged or v1-only one', async () => {
    const all = await observeAllStacks(aws, { clusterName: seeded().clusterName, vpcId: seeded().vpcId });
    const observedLbs = [...all.values()].flatMap((s) => s.loadBalancers.map((l) => l.arn));
    assert.ok(observedLbs.includes(tagged));
    assert.ok(!observedLbs.includes(untagged));
    assert.ok(!observedLbs.includes(legacy));
    assert.deepEqual(all.get(stackId)?.loadBalancers.map((l) => l.arn), [tagged]);
    assert.deepEqual(all.get(stackId)?.targetGroups.map((t) => t.arn), [taggedTg]);
  });

  it('converts listeners, rules and target groups to model specs, with only reads', async () => {
    aws.counter.reset();
    const state = await observeStack(aws, { clusterName: seeded().clusterName, stackId, vpcId: seeded().vpcId });
    assert.equal(aws.counter.total({ write: true }), 0);
    console.log(`      reads for one stack: ${JSON.stringify(aws.counter.byOperation())}`);
    assert.equal(state.listeners.length, 1);
    assert.deepEqual(state.listeners[0]?.spec.defaultActions, [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '404', contentType: 'text/plain' } }]);
    assert.equal(state.listeners[0]?.tags['ingress.k8s.aws/resource'], '80');
    assert.equal(state.rules.length, 1, 'the default rule is not a rule of the stack');
    assert.deepEqual(state.rules[0]?.spec.conditions, [{ field: 'path-pattern', pathPatternConfig: { values: ['/api/*', '/shop/*'] } }]);
    assert.deepEqual(state.rules[0]?.spec.actions, [{ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: taggedTg }] } }]);
    assert.equal(state.rules[0]?.tags['ingress.k8s.aws/resource'], '80:1');
    const tg = state.targetGroups[0];
    assert.equal(tg?.spec.healthCheck.path, '/healthz');
    assert.deepEqual(tg?.spec.healthCheck.matcher, { httpCode: '200' });
    assert.equal(tg?.spec.vpcId, seeded().vpcId);
    assert.equal(tg?.attributes['deregistration_delay.timeout_seconds'], '300');
    assert.deepEqual(state.loadBalancers[0]?.spec.subnets, seeded().subnets.public.map((s) => s.id).sort());
  });
});

describe('deploy/observe cost: one stack among many, with and without an OwnershipCache', function () {
  const suffix = Math.random().toString(36).slice(2, 8);
  const N = 10;
  const TGS_PER_STACK = 3;
  const stackIds = Array.from({ length: N }, (_, i) => `e2e-obs-cost-${suffix}/s${i}`);
  let elbv2: ElasticLoadBalancingV2Client;
  let aws: AwsClients;
  const created: { lbs: string[]; tgs: string[] } = { lbs: [], tgs: [] };

  before(async function () {
    await standIns(this);
    const cfg = awsConfig();
    const facts = seeded();
    elbv2 = new ElasticLoadBalancingV2Client(cfg);
    aws = createAwsClients({ region: cfg.region, credentials: cfg.credentials, endpoints: { elbv2: cfg.endpoint, ec2: cfg.endpoint } });
    const subnets = facts.subnets.public.map((s) => s.id);
    for (const [i, stackId] of stackIds.entries()) {
      const tags = (resource: string) => Object.entries(stackTags(facts.clusterName, stackId, resource)).map(([Key, Value]) => ({ Key, Value }));
      const lbArn = (await elbv2.send(new CreateLoadBalancerCommand({ Name: `cost-${suffix}-${i}`, Subnets: subnets, Tags: tags('LoadBalancer') })))
        .LoadBalancers?.[0]?.LoadBalancerArn ?? '';
      created.lbs.push(lbArn);
      const tgArns: string[] = [];
      for (let t = 0; t < TGS_PER_STACK; t++) {
        const out = await elbv2.send(new CreateTargetGroupCommand({
          Name: `cost-${suffix}-${i}-${t}`, Protocol: 'HTTP', Port: 30080 + t, VpcId: facts.vpcId, Tags: tags(`ns/ing-svc${t}:80`),
        }));
        tgArns.push(out.TargetGroups?.[0]?.TargetGroupArn ?? '');
      }
      created.tgs.push(...tgArns);
      const listener = await elbv2.send(new CreateListenerCommand({
        LoadBalancerArn: lbArn, Port: 80, Protocol: 'HTTP', Tags: tags('80'),
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
      }));
      for (const [p, tg] of tgArns.entries()) {
        await elbv2.send(new CreateRuleCommand({
          ListenerArn: listener.Listeners?.[0]?.ListenerArn, Priority: p + 1, Tags: tags(`80:${p + 1}`),
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/p${p}/*`] } }], Actions: [{ Type: 'forward', TargetGroupArn: tg }],
        }));
      }
    }
  });

  after(async () => {
    for (const arn of created.lbs) await elbv2?.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })).catch(() => undefined);
    for (const arn of created.tgs) await elbv2?.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })).catch(() => undefined);
    aws?.destroy();
  });

  it('a warm cache reads only the stack\'s own tags, and observes the same state (user tags included)', async () => {
    const opts = { clusterName: seeded().clusterName, vpcId: seeded().vpcId, stackId: stackIds[3] as string };
    const lbCount = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers?.length;
    const tgCount = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups?.length;
    const measure = async (cache?: OwnershipCache) => {
      aws.counter.reset();
      const state = await observeStack(aws, { ...opts, ...(cache ? { cache } : {}) });
      return { state, total: aws.counter.total(), ops: aws.counter.byOperation(), writes: aws.counter.total({ write: true }) };
    };
    const before = await measure();
    const cache = new OwnershipCache();
    const cold = await measure(cache);
    const warm = await measure(cache);
    console.log(`      moto holds ${lbCount} load balancers and ${tgCount} target groups; ${N} stacks of 1 LB + ${TGS_PER_STACK} TGs + 1 listener + ${TGS_PER_STACK} rules are ours`);
    console.log(`      observeStack, no cache (before): ${before.total} reads ${JSON.stringify(before.ops)}`);
    console.log(`      observeStack, cold cache:        ${cold.total} reads ${JSON.stringify(cold.ops)}`);
    console.log(`      observeStack, warm cache:        ${warm.total} reads ${JSON.stringify(warm.ops)}`);
    assert.equal(before.writes + cold.writes + warm.writes, 0);
    assert.deepEqual(warm.state, before.state);
    assert.equal(warm.state.loadBalancers.length, 1);
    assert.equal(warm.state.targetGroups.length, TGS_PER_STACK);
    assert.equal(warm.state.rules.length, TGS_PER_STACK);
    assert.equal(warm.ops['DescribeTags'], 1, 'one DescribeTags call: the stack\'s own LB, TGs, listener and rules');
    assert.ok(warm.total < before.total);

    // user tags changed after the verdict was cached are observed
    const lbArn = warm.state.loadBalancers[0]?.arn as string;
    await elbv2.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: [{ Key: 'team', Value: 'payments' }] }));
    const again = await measure(cache);
    assert.equal(again.state.loadBalancers[0]?.tags['team'], 'payments');
    assert.equal(again.state.loadBalancers[0]?.spec.tags['team'], 'payments');
  });
});

describe('aws/discovery on moto', function () {
  it('reads the seeded VPC, subnets and certificates, then serves them from cache', async function () {
    await standIns(this);
    const cfg = awsConfig();
    const facts = seeded();
    const aws = createAwsClients({ region: cfg.region, credentials: cfg.credentials, endpoints: { ec2: cfg.endpoint, acm: cfg.endpoint } });
    try {
      const discovery = new Discovery(aws, { vpcId: facts.vpcId });
      const found = await discovery.discoverFacts();
      assert.deepEqual(found.vpcCidrs, [facts.vpcCidr]);
      const seededSubnets = [...facts.subnets.public, ...facts.subnets.private].map((s) => s.id).sort();
      assert.deepEqual(found.subnets?.map((s) => s.id), seededSubnets);
      const exact = found.certificates?.find((c) => c.arn === facts.certificates.exact.arn);
      assert.deepEqual(exact?.subjectAlternativeNames, facts.certificates.exact.sans);
      assert.equal(exact?.type, 'IMPORTED');
      const calls = aws.counter.total();
      await discovery.discoverFacts();
      assert.equal(aws.counter.total(), calls, 'a second discovery within the TTLs makes no AWS call');
    } finally {
      aws.destroy();
    }
  });
});
