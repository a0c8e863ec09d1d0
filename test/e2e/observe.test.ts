// deploy/observe and aws/discovery against moto: only what carries this cluster's tags is observed, and what moto echoes
// back (a single-target forward as a plain TargetGroupArn) converts to the model's forwardConfig shape.
import assert from 'node:assert/strict';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, DeleteLoadBalancerCommand, DeleteTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.ts';
import { Discovery } from '../../src/aws/discovery.ts';
import { observeAllStacks, observeStack } from '../../src/deploy/observe.ts';
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

    const lb = async (name: string, withTags: boolean): Promise<string> => {
      const out = await elbv2.send(new CreateLoadBalancerCommand({
        Name: name, Subnets: subnets, Scheme: 'internet-facing', Type: 'application', IpAddressType: 'ipv4',
        ...(withTags ? { Tags: tags('LoadBalancer') } : {}),
      }));
      const arn = out.LoadBalancers?.[0]?.LoadBalancerArn;
      assert.ok(arn);
      created.lbs.push(arn);
      return arn;
    };
    tagged = await lb(`obs-tagged-${suffix}`, true);
    untagged = await lb(`obs-untagged-${suffix}`, false);

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

  it('observes the tagged load balancer and never the untagged one', async () => {
    const all = await observeAllStacks(aws, { clusterName: seeded().clusterName, vpcId: seeded().vpcId });
    const observedLbs = [...all.values()].flatMap((s) => s.loadBalancers.map((l) => l.arn));
    assert.ok(observedLbs.includes(tagged));
    assert.ok(!observedLbs.includes(untagged));
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
