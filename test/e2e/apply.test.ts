// deploy/apply against moto, end to end: build (src/ingress) with discovered facts → observe → plan →
// apply → moto's exact state; one annotation changed → only the writes it needs; unchanged → zero writes;
// empty desired stack → nothing owned left. Resources made in moto without our tags are never touched,
// and an apply killed midway converges on the next run without duplicates.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import {
  CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteLoadBalancerCommand, DeleteTargetGroupCommand, DescribeTargetGroupsCommand,
  DescribeLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import type { V1Ingress, V1Node } from '@kubernetes/client-node';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.ts';
import { Discovery } from '../../src/aws/discovery.ts';
import { observeStack } from '../../src/deploy/observe.ts';
import { emptyStack, planStack } from '../../src/plan/plan-stack.ts';
import type { DiscoveredFacts, Stack } from '../../src/model/index.ts';
import { SEEDED_NODE_LABEL } from '../../src/stand-ins/index.ts';
import { awsConfig, kube, seeded, standIns } from './support/stand-ins.ts';
import { Moto, RecordingBindings, build, reconcile, registerTargets, seedObjects, summary, type SeedObjects } from './apply-harness.ts';

const A = 'alb.ingress.kubernetes.io/';
const log = (msg: string): void => console.log(`      ${msg}`);

describe('deploy/apply on moto', function () {
  this.timeout(300_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const ns = `e2e-apply-${suffix}`;
  let aws: AwsClients;
  let moto: Moto;
  let facts: DiscoveredFacts;
  let clusterName = '';
  let vpcId = '';
  let nodes: V1Node[] = [];
  const foreign: { lb?: string; tg?: string; sg?: string } = {};

  before(async function () {
    await standIns(this);
    const cfg = awsConfig();
    const s = seeded();
    clusterName = s.clusterName;
    vpcId = s.vpcId;
    aws = createAwsClients({
      region: cfg.region, credentials: cfg.credentials, retryDelayMs: 50,
      endpoints: `elasticloadbalancing=${cfg.endpoint},ec2=${cfg.endpoint},acm=${cfg.endpoint},tagging=${cfg.endpoint}`,
    });
    moto = new Moto(cfg);
    facts = await new Discovery(aws, { vpcId }).discoverFacts();
    const nodeList = await kube().admin.makeApiClient(k8s.CoreV1Api).listNode({ labelSelector: SEEDED_NODE_LABEL });
    nodes = nodeList.items;
    assert.ok(nodes.length > 0, 'seeded nodes');

    // Resources a user made by hand, without this cluster's tags: they must come out untouched.
    const lb = await moto.elbv2.send(new CreateLoadBalancerCommand({ Name: `foreign-${suffix}`, Subnets: s.subnets.public.map((x) => x.id), Scheme: 'internet-facing', Type: 'application' }));
    foreign.lb = lb.LoadBalancers?.[0]?.LoadBalancerArn;
    const tg = await moto.elbv2.send(new CreateTargetGroupCommand({ Name: `foreign-tg-${suffix}`, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip', HealthCheckPath: '/mine' }));
    foreign.tg = tg.TargetGroups?.[0]?.TargetGroupArn;
    const sg = await moto.ec2.send(new CreateSecurityGroupCommand({ GroupName: `foreign-${suffix}`, Description: 'hand-made', VpcId: vpcId }));
    foreign.sg = sg.GroupId;
  });

  after(async () => {
    if (foreign.lb) await moto?.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: foreign.lb })).catch(() => undefined);
    if (foreign.tg) await moto?.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: foreign.tg })).catch(() => undefined);
    if (foreign.sg) await moto?.ec2.send(new DeleteSecurityGroupCommand({ GroupId: foreign.sg })).catch(() => undefined);
    moto?.destroy();
    aws?.destroy();
  });

  const stacksOf = (objects: SeedObjects): Stack[] => {
    const built = build(objects, facts, clusterName);
    assert.deepEqual(built.issues, [], 'the builder reports no issue');
    return [...built.stacks];
  };

  const checkZeroWrites = async (stack: Stack, bindings: RecordingBindings, label: string): Promise<void> => {
    const again = await reconcile(aws, stack, { clusterName, vpcId, bindings });
    assert.deepEqual(summary(again.plan), [], `${label}: the re-plan is all noops`);
    assert.equal(again.result.errors, undefined);
    assert.equal(again.writeCount, 0, `${label}: zero writes, got ${JSON.stringify(again.writes)}`);
    log(`${label}: unchanged re-apply: 0 writes, ${again.reads} reads`);
  };

  describe('the seed Ingresses (path- and host-based routing)', () => {
    const objects = () => seedObjects(ns);
    const bindings = new RecordingBindings();
    let stacks: Stack[] = [];

    it('creates both stacks and moto holds exactly what was planned', async () => {
      stacks = stacksOf(objects());
      assert.deepEqual(stacks.map((s) => s.id).sort(), [`${ns}/host-based-ingress`, `${ns}/path-based-ingress`]);
      for (const stack of stacks) {
        const r = await reconcile(aws, stack, { clusterName, vpcId, bindings });
        assert.equal(r.result.errors, undefined, JSON.stringify(r.result.errors));
        log(`${stack.id}: first apply: ${r.writeCount} writes ${JSON.stringify(r.writes)}, ${r.reads} reads`);
        assert.ok(r.result.dnsName?.endsWith('.elb.amazonaws.com'));
      }
      const t = await registerTargets(aws, bindings, objects(), nodes);
      assert.equal(t.registered, 4 * nodes.length, 'every node on each of the four NodePorts');

      const path = await moto.stack(clusterName, `${ns}/path-based-ingress`);
      assert.equal(path.loadBalancers.length, 1);
      assert.equal(path.loadBalancers[0]?.Scheme, 'internal');
      assert.deepEqual(path.loadBalancers[0]?.AvailabilityZones?.map((z) => z.SubnetId).sort(), seeded().subnets.private.map((x) => x.id).sort());
      assert.equal(path.securityGroups.length, 1, 'the managed security group');
      assert.deepEqual(path.listeners.map((l) => [l.port, l.protocol]), [[80, 'HTTP']]);
      const pathRules = path.listeners[0]?.rules ?? [];
      assert.deepEqual(pathRules.map((r) => r.priority), [1, 2]);
      assert.deepEqual(pathRules.map((r) => r.conditions.map((c) => (c as { Field: string }).Field).sort()), [['host-header', 'path-pattern'], ['host-header', 'path-pattern']]);
      const paths = pathRules.map((r) => (r.conditions as { Field: string; PathPatternConfig?: { Values?: string[] } }[]).find((c) => c.Field === 'path-pattern')?.PathPatternConfig?.Values);
      assert.deepEqual(paths, [['/products', '/products/*'], ['/orders', '/orders/*']]);
      assert.deepEqual(path.targetGroups.map((tg) => [tg.targetType, tg.port, tg.protocol, tg.healthCheckPath, tg.matcher]).sort(), [
        ['instance', 30083, 'HTTP', '/', '200'], ['instance', 30084, 'HTTP', '/', '200'],
      ].sort());
      const nodeTargets = (port: number) => nodes.map((n) => `${n.spec?.providerID?.split('/').pop()}:${port}`).sort();
      for (const tg of path.targetGroups) assert.deepEqual(tg.targets, nodeTargets(tg.port), `targets of ${tg.name}`);
      // every rule forwards to one of this stack's target groups
      const tgArns = new Set(path.targetGroups.map((tg) => tg.arn));
      for (const r of pathRules) {
        const fwd = (r.actions[0] as { ForwardConfig?: { TargetGroups?: { TargetGroupArn?: string }[] }; TargetGroupArn?: string });
        assert.ok(tgArns.has(fwd.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ?? fwd.TargetGroupArn ?? ''));
      }

      const host = await moto.stack(clusterName, `${ns}/host-based-ingress`);
      const hosts = (host.listeners[0]?.rules ?? []).map((r) => (r.conditions as { Field: string; HostHeaderConfig?: { Values?: string[] } }[]).find((c) => c.Field === 'host-header')?.HostHeaderConfig?.Values);
      assert.deepEqual(hosts, [['api.example.com'], ['admin.example.com']]);
      assert.equal(host.targetGroups.length, 2);
    });

    it('re-applying the unchanged stacks makes zero writes (and registering targets again makes none)', async () => {
      for (const stack of stacks) await checkZeroWrites(stack, bindings, stack.id);
      aws.counter.reset();
      const t = await registerTargets(aws, bindings, objects(), nodes);
      assert.deepEqual([t.registered, t.deregistered, t.writes], [0, 0, 0]);
    });

    it('one changed annotation makes only the writes it needs', async () => {
      const changed = objects();
      const ing = changed.ingresses.find((i) => i.metadata?.name === 'path-based-ingress') as V1Ingress;
      ing.metadata = { ...ing.metadata, annotations: { [`${A}load-balancer-attributes`]: 'idle_timeout.timeout_seconds=120' } };
      const stack = stacksOf(changed).find((s) => s.id === `${ns}/path-based-ingress`) as Stack;
      const r = await reconcile(aws, stack, { clusterName, vpcId, bindings });
      assert.equal(r.result.errors, undefined);
      assert.deepEqual(summary(r.plan), ['update LoadBalancer/LoadBalancer']);
      assert.deepEqual(r.writes, { ModifyLoadBalancerAttributes: 1 });
      log(`idle timeout changed: writes ${JSON.stringify(r.writes)}, ${r.reads} reads`);
      const lb = (await moto.stack(clusterName, stack.id)).loadBalancers[0];
      const attrs = await moto.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn }));
      assert.equal(attrs.Attributes?.find((a) => a.Key === 'idle_timeout.timeout_seconds')?.Value, '120');
      await checkZeroWrites(stack, bindings, 'after the change');
      stacks = stacks.map((s) => (s.id === stack.id ? stack : s));
    });

    it('an empty desired stack deletes everything the stack owns', async () => {
      for (const stack of stacks) {
        const r = await reconcile(aws, emptyStack(stack.id), { clusterName, vpcId, bindings });
        assert.equal(r.result.errors, undefined, JSON.stringify(r.result.errors));
        log(`${stack.id}: teardown: ${r.writeCount} writes ${JSON.stringify(r.writes)}`);
        const left = await moto.stack(clusterName, stack.id);
        assert.deepEqual([left.loadBalancers.length, left.targetGroups.length, left.securityGroups.length], [0, 0, 0]);
        const observed = await observeStack(aws, { clusterName, vpcId, stackId: stack.id });
        assert.deepEqual(summary(planStack(emptyStack(stack.id), observed, { clusterName })), []);
      }
      assert.equal(bindings.live.size, 0, 'bindings deleted too');
    });
  });

  describe('a TLS group: certificate discovery, ssl-redirect, a weighted forward', () => {
    const group = `e2e-tls-${suffix}`;
    const bindings = new RecordingBindings();
    let stack: Stack;

    const tlsObjects = (healthcheckPath = '/healthz', apiFirst = false): SeedObjects => {
      const o = seedObjects(ns);
      const weighted = JSON.stringify({ type: 'forward', forwardConfig: { targetGroups: [
        { serviceName: 'product-service', servicePort: 80, weight: 80 }, { serviceName: 'order-service', servicePort: 80, weight: 20 },
      ] } });
      const ing: V1Ingress = {
        apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
        metadata: {
          name: 'shop-tls', namespace: ns,
          annotations: {
            [`${A}group.name`]: group, [`${A}scheme`]: 'internet-facing',
            [`${A}listen-ports`]: '[{"HTTP":80},{"HTTPS":443}]', [`${A}ssl-redirect`]: '443',
            [`${A}healthcheck-path`]: healthcheckPath, [`${A}success-codes`]: '200-299',
            [`${A}actions.weighted`]: weighted,
          },
        },
        spec: {
          ingressClassName: 'alb',
          rules: ((rules) => (apiFirst ? [...rules].reverse() : rules))([
            { host: 'shop.example.com', http: { paths: [
              { path: '/checkout', pathType: 'Prefix', backend: { service: { name: 'weighted', port: { name: 'use-annotation' } } } },
              { path: '/products', pathType: 'Prefix', backend: { service: { name: 'product-service', port: { number: 80 } } } },
            ] } },
            { host: 'api.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api-service', port: { number: 80 } } } }] } },
          ]),
        },
      };
      return { ...o, ingresses: [ing] };
    };

    it('creates the group with default and SNI certificates, redirect and weights', async () => {
      [stack] = stacksOf(tlsObjects()) as [Stack];
      assert.equal(stack.id, group);
      const r = await reconcile(aws, stack, { clusterName, vpcId, bindings });
      assert.equal(r.result.errors, undefined, JSON.stringify(r.result.errors));
      log(`${group}: first apply: ${r.writeCount} writes ${JSON.stringify(r.writes)}, ${r.reads} reads`);
      await registerTargets(aws, bindings, tlsObjects(), nodes);

      const m = await moto.stack(clusterName, group);
      const certs = seeded().certificates;
      assert.equal(m.loadBalancers.length, 1);
      assert.equal(m.loadBalancers[0]?.Scheme, 'internet-facing');
      assert.deepEqual(m.listeners.map((l) => [l.port, l.protocol]), [[80, 'HTTP'], [443, 'HTTPS']]);
      const [http, https] = m.listeners as [typeof m.listeners[0], typeof m.listeners[0]];
      assert.deepEqual(http.defaultActions.map((a) => (a as { Type: string }).Type), ['redirect']);
      assert.equal((http.defaultActions[0] as { RedirectConfig?: { Port?: string; Protocol?: string } }).RedirectConfig?.Port, '443');
      assert.equal(https.sslPolicy, 'ELBSecurityPolicy-2016-08');
      const both = [certs.exact.arn, certs.wildcard.arn];
      assert.ok(https.defaultCertificate && both.includes(https.defaultCertificate), 'a discovered certificate is the default');
      assert.deepEqual(https.sniCertificates, both.filter((c) => c !== https.defaultCertificate), 'the other one is an SNI certificate, once');
      const ruleSummary = https.rules.map((r) => ({
        priority: r.priority,
        host: (r.conditions as { Field: string; HostHeaderConfig?: { Values?: string[] } }[]).find((c) => c.Field === 'host-header')?.HostHeaderConfig?.Values,
        weights: ((r.actions[0] as { ForwardConfig?: { TargetGroups?: { Weight?: number }[] } }).ForwardConfig?.TargetGroups ?? []).map((t) => t.Weight),
      }));
      assert.deepEqual(ruleSummary, [
        { priority: 1, host: ['shop.example.com'], weights: [80, 20] },
        { priority: 2, host: ['shop.example.com'], weights: [1] },
        { priority: 3, host: ['api.example.com'], weights: [1] },
      ]);
      assert.deepEqual(m.targetGroups.map((tg) => [tg.healthCheckPath, tg.matcher]), [['/healthz', '200-299'], ['/healthz', '200-299'], ['/healthz', '200-299']]);
      for (const tg of m.targetGroups) assert.equal(tg.targets.length, nodes.length);
      await checkZeroWrites(stack, bindings, group);
    });

    it('a changed health-check path modifies the three target groups and nothing else', async () => {
      [stack] = stacksOf(tlsObjects('/ready')) as [Stack];
      const r = await reconcile(aws, stack, { clusterName, vpcId, bindings });
      assert.equal(r.result.errors, undefined);
      assert.deepEqual(r.writes, { ModifyTargetGroup: 3 });
      log(`health-check path changed: writes ${JSON.stringify(r.writes)}, ${r.reads} reads`);
      const m = await moto.stack(clusterName, group);
      assert.deepEqual(m.targetGroups.map((tg) => tg.healthCheckPath), ['/ready', '/ready', '/ready']);
      await checkZeroWrites(stack, bindings, 'after the health-check change');
    });

    it('reordered rules move to their new priorities (through free ones, as moto demands) and only retag', async () => {
      [stack] = stacksOf(tlsObjects('/ready', true)) as [Stack];
      const r = await reconcile(aws, stack, { clusterName, vpcId, bindings });
      assert.equal(r.result.errors, undefined, JSON.stringify(r.result.errors));
      log(`rules reordered: ${summary(r.plan).length} changes, writes ${JSON.stringify(r.writes)}`);
      // the resource tag of a rule is "<port>:<priority>", so a moved rule is retagged; nothing is modified or recreated
      assert.deepEqual(Object.keys(r.writes).sort(), ['AddTags', 'SetRulePriorities']);
      assert.equal(r.writes['AddTags'], 3);
      const https = (await moto.stack(clusterName, group)).listeners.find((l) => l.port === 443);
      const hosts = https?.rules.map((x) => [x.priority, (x.conditions as { Field: string; HostHeaderConfig?: { Values?: string[] } }[]).find((c) => c.Field === 'host-header')?.HostHeaderConfig?.Values?.[0]]);
      assert.deepEqual(hosts, [[1, 'api.example.com'], [2, 'shop.example.com'], [3, 'shop.example.com']]);
      await checkZeroWrites(stack, bindings, 'after the reorder');
    });

    it('tears the group down', async () => {
      const r = await reconcile(aws, emptyStack(group), { clusterName, vpcId, bindings });
      assert.equal(r.result.errors, undefined, JSON.stringify(r.result.errors));
      const left = await moto.stack(clusterName, group);
      assert.deepEqual([left.loadBalancers.length, left.targetGroups.length, left.securityGroups.length], [0, 0, 0]);
    });
  });

  describe('an apply killed midway', () => {
    it('converges on the next run from a fresh observe, with no duplicate load balancer or target group', async () => {
      const objects = seedObjects(ns);
      const stack = stacksOf(objects).find((s) => s.id === `${ns}/path-based-ingress`) as Stack;
      const bindings = new RecordingBindings();
      const observed = await observeStack(aws, { clusterName, vpcId, stackId: stack.id });
      const plan = planStack(stack, observed, { clusterName });
      const killAt = Math.floor(plan.changes.length / 2);
      const { applyPlan } = await import('../../src/deploy/apply.ts');
      await assert.rejects(applyPlan(plan, {
        elbv2: aws.elbv2, ec2: aws.ec2, clusterName, kube: bindings, observed,
        onChangeApplied: (_c, i) => { if (i === killAt) throw new Error('killed'); },
      }), /killed/);
      log(`killed after change ${killAt + 1} of ${plan.changes.length}: ${summary(plan).slice(0, killAt + 1).join(', ')}`);

      const r = await reconcile(aws, stack, { clusterName, vpcId, bindings });
      assert.equal(r.result.errors, undefined, JSON.stringify(r.result.errors));
      log(`second run: ${summary(r.plan).join(', ')}`);
      const names = (xs: { name: string }[]) => xs.map((x) => x.name);
      const lbNames = stack.resources.flatMap((x) => (x.kind === 'LoadBalancer' ? [x.spec.name] : []));
      const tgNames = stack.resources.flatMap((x) => (x.kind === 'TargetGroup' ? [x.spec.name] : []));
      const allLbs = (await moto.allLoadBalancers()).map((l) => ({ name: l.LoadBalancerName ?? '' }));
      const allTgs = (await moto.allTargetGroups()).map((t) => ({ name: t.TargetGroupName ?? '' }));
      for (const n of lbNames) assert.equal(names(allLbs).filter((x) => x === n).length, 1, `one load balancer ${n}`);
      for (const n of tgNames) assert.equal(names(allTgs).filter((x) => x === n).length, 1, `one target group ${n}`);
      await checkZeroWrites(stack, bindings, 'after the crash and re-run');
      const down = await reconcile(aws, emptyStack(stack.id), { clusterName, vpcId, bindings });
      assert.equal(down.result.errors, undefined);
    });
  });

  describe('a stale plan replayed (its creates already done)', () => {
    it('adopts the target groups and the security group it finds by name, carrying our tags, with no duplicate', async () => {
      const objects = seedObjects(ns);
      const stack = stacksOf(objects).find((s) => s.id === `${ns}/host-based-ingress`) as Stack;
      const observed = await observeStack(aws, { clusterName, vpcId, stackId: stack.id });
      const full = planStack(stack, observed, { clusterName });
      const partial = { ...full, changes: full.changes.filter((c) => c.kind === 'SecurityGroup' || c.kind === 'TargetGroup') };
      const { applyPlan } = await import('../../src/deploy/apply.ts');
      const first = await applyPlan(partial, { elbv2: aws.elbv2, ec2: aws.ec2, clusterName });
      assert.equal(first.errors, undefined);
      aws.counter.reset();
      const replay = await applyPlan(partial, { elbv2: aws.elbv2, ec2: aws.ec2, clusterName });
      assert.equal(replay.errors, undefined, JSON.stringify(replay.errors));
      log(`stale replay: calls ${JSON.stringify(aws.counter.byOperation())}`);
      assert.deepEqual([...replay.arns].sort(), [...first.arns].sort(), 'the same resources, adopted');
      assert.equal(aws.counter.total({ operation: 'CreateTargetGroup', outcome: 'DuplicateTargetGroupName' }) + aws.counter.total({ operation: 'CreateTargetGroup', outcome: 'DuplicateTargetGroupNameException' }), 2);
      const tgNames = stack.resources.flatMap((x) => (x.kind === 'TargetGroup' ? [x.spec.name] : []));
      const all = await moto.allTargetGroups();
      for (const n of tgNames) assert.equal(all.filter((t) => t.TargetGroupName === n).length, 1);
      const down = await reconcile(aws, emptyStack(stack.id), { clusterName, vpcId, bindings: new RecordingBindings() });
      assert.equal(down.result.errors, undefined);
      assert.equal((await moto.stack(clusterName, stack.id)).targetGroups.length, 0);
    });
  });

  describe('resources without our tags', () => {
    it('a same-named target group made by hand is never adopted, modified or deleted', async () => {
      const objects = seedObjects(ns);
      const stack = stacksOf(objects).find((s) => s.id === `${ns}/host-based-ingress`) as Stack;
      const tgSpec = stack.resources.find((x) => x.kind === 'TargetGroup');
      assert.ok(tgSpec?.kind === 'TargetGroup');
      const squat = await moto.elbv2.send(new CreateTargetGroupCommand({
        Name: tgSpec.spec.name, Protocol: 'HTTP', Port: tgSpec.spec.port, VpcId: vpcId, TargetType: 'instance', HealthCheckPath: '/squatter',
      }));
      const squatArn = squat.TargetGroups?.[0]?.TargetGroupArn ?? '';
      try {
        const bindings = new RecordingBindings();
        const r = await reconcile(aws, stack, { clusterName, vpcId, bindings });
        assert.equal(r.result.errors?.[0]?.code, 'NotOwned', JSON.stringify(r.result.errors));
        const after = (await moto.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [squatArn] }))).TargetGroups?.[0];
        assert.equal(after?.HealthCheckPath, '/squatter', 'not modified');
        assert.deepEqual(await moto.tags([squatArn]).then((t) => t.get(squatArn)), {}, 'not tagged');
        // teardown of what the failed apply did create leaves the squatter in place
        const down = await reconcile(aws, emptyStack(stack.id), { clusterName, vpcId, bindings });
        assert.equal(down.result.errors, undefined);
        assert.equal((await moto.allTargetGroups()).filter((t) => t.TargetGroupArn === squatArn).length, 1, 'not deleted');
      } finally {
        await moto.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: squatArn }));
      }
    });

    it('the hand-made load balancer, target group and security group are untouched after everything above', async () => {
      const lbs = await moto.allLoadBalancers();
      const lb = lbs.find((l) => l.LoadBalancerArn === foreign.lb);
      assert.ok(lb, 'foreign load balancer still exists');
      assert.deepEqual(await moto.tags([foreign.lb ?? '']).then((t) => t.get(foreign.lb ?? '')), {});
      const tg = (await moto.allTargetGroups()).find((t) => t.TargetGroupArn === foreign.tg);
      assert.equal(tg?.HealthCheckPath, '/mine');
      const sg = await moto.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [foreign.sg ?? ''] }));
      assert.equal(sg.SecurityGroups?.length, 1);
      assert.deepEqual(sg.SecurityGroups?.[0]?.IpPermissions ?? [], []);
    });
  });
});
