// Start-up on EKS with `--cluster-name` alone: the controller (its own process, from the bundle) reads the region and
// the VPC from instance metadata, here the IMDS stand-in on loopback (IMDSv2 only), and serves an Ingress against moto.
// And when instance metadata never answers (a pod beyond the hop limit), it stops at start-up with a clear error.
// The VPC in upstream's order without --aws-vpc-id: --aws-vpc-tags (DescribeVpcs in moto, exactly one VPC or a
// start-up error), instance metadata, then $NODENAME naming an instance (DescribeInstances in moto).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateTagsCommand, CreateVpcCommand, DeleteVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startControllerProcess, type ControllerProcess } from '../../src/cli/demo-command.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { backendNodes, createBackendPods, writeEndpointSlice } from '../../src/stand-ins/backends.ts';
import { startImdsStandIn, type ImdsStandIn } from '../../src/stand-ins/imds.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { freshNamespace, resetAws, running, seeded, standIns } from './support/stand-ins.ts';

describe('start-up with --cluster-name alone (region and VPC from the IMDS stand-in)', function () {
  this.timeout(300_000);
  const logDir = join(tmpdir(), `aws-lb-controller-e2e-imds-${process.pid}`);
  const procs: ControllerProcess[] = [];
  const imdsStandIns: ImdsStandIn[] = [];
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;

  /** the controller with no --aws-region, no --aws-vpc-id and no region in its environment */
  const start = async (name: string, imds: ImdsStandIn, more: { args?: readonly string[]; env?: Record<string, string> } = {}): Promise<ControllerProcess> => {
    const s = running();
    const p = await startControllerProcess({
      clusterName: s.clusterName, kubeconfig: s.controllerKubeconfigPath, awsEndpoint: s.motoUrl, logFile: join(logDir, `${name}.log`),
      extraArgs: ['--sync-period=1h', '--enable-leader-election=false', ...(more.args ?? [])],
      env: { AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, ...more.env },
    });
    procs.push(p);
    return p;
  };
  const logOf = (name: string): string => { try { return readFileSync(join(logDir, `${name}.log`), 'utf8'); } catch { return ''; } };
  const startedLine = (name: string): Record<string, unknown> | undefined =>
    logOf(name).split('\n').filter((l) => l.includes('starting aws-lb-controller')).map((l) => JSON.parse(l) as Record<string, unknown>)[0];
  /** the exit code; the controller's own bounds end it, this wait only guards the test */
  const exitOf = (ctrl: ControllerProcess): Promise<number | string> =>
    Promise.race([ctrl.exited, new Promise<string>((resolve) => { setTimeout(() => resolve('still running'), 60_000).unref(); })]);
  const imdsStandIn = async (vpcId: string | undefined): Promise<ImdsStandIn> => {
    const imds = await startImdsStandIn({ region: running().region, ...(vpcId ? { vpcId } : {}) });
    imdsStandIns.push(imds);
    return imds;
  };
  const names = ['imds', 'no-imds', 'vpc-tags', 'vpc-tags-2', 'vpc-tags-0', 'nodename'];

  before(async function () {
    await standIns(this);
    await resetAws();
    const s = running();
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    ec2 = new EC2Client({ ...s.aws });
  });

  after(async function () {
    this.timeout(60_000);
    for (const p of procs) await p.stop(5_000);
    for (const i of imdsStandIns) await i.stop();
    elbv2?.destroy();
    ec2?.destroy();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const n of names) console.error(`--- ${n} log tail ---\n${logOf(n).split('\n').slice(-30).join('\n')}`);
  });

  it('finds the region and the VPC through IMDSv2 and serves an Ingress', async () => {
    const s = running();
    const f = seeded();
    const imds = await startImdsStandIn({ region: s.region, vpcId: f.vpcId });
    imdsStandIns.push(imds);
    const ctrl = await start('imds', imds);
    await waitFor('controller ready', () => ctrl.ready(), 60_000);

    const started = startedLine('imds');
    assert.equal(started?.region, s.region);
    assert.equal(started?.regionFrom, 'instance metadata');
    assert.equal(started?.vpcId, f.vpcId);
    assert.equal(started?.vpcIdFrom, 'instance metadata');
    // IMDSv2: one token PUT with a TTL, then the three reads upstream makes, each with the token
    assert.equal(imds.requests[0]?.method, 'PUT');
    assert.ok(imds.requests[0]?.ttl);
    assert.deepEqual(imds.requests.slice(1).map((r) => r.path).sort(), [
      '/latest/meta-data/mac', '/latest/meta-data/network/interfaces/macs/0e:12:34:56:78:9a/vpc-id', '/latest/meta-data/placement/region',
    ]);
    assert.ok(imds.requests.slice(1).every((r) => r.method === 'GET' && r.validToken));

    const ns = await freshNamespace('imds');
    const svc = await admin.services.create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    }, ns);
    const pods = await createBackendPods(admin, {
      namespace: ns, app: 'web', nodes: backendNodes(f), indices: [0, 1], ipBase: 200, enis: { ec2, securityGroupId: f.nodeSecurityGroupId },
    });
    await writeEndpointSlice(admin, { namespace: ns, service: svc, pods });
    await admin.ingresses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name: 'web', namespace: ns, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/target-type': 'ip' } },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    }, ns);
    const host = await waitFor('hostname on the Ingress', async () => (await admin.ingresses.get('web', ns))?.status?.loadBalancer?.ingress?.[0]?.hostname);
    const lb = ((await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []).find((l) => l.DNSName?.toLowerCase() === host);
    assert.ok(lb, `a load balancer named ${host} in moto`);
    assert.equal(lb.VpcId, f.vpcId, 'in the VPC instance metadata gave');
  });

  it('stops at start-up with a clear error when instance metadata never answers (hop limit), within a bounded time', async () => {
    const imds = await startImdsStandIn({ region: running().region, vpcId: seeded().vpcId, dropTokenAnswers: true });
    imdsStandIns.push(imds);
    const t0 = Date.now();
    const ctrl = await start('no-imds', imds);
    // the reader's own bounds (4 attempts of 1 s, 3.6 s of backoff) end it; this wait only guards the test
    const code = await Promise.race([ctrl.exited, new Promise<string>((resolve) => { setTimeout(() => resolve('still running'), 60_000).unref(); })]);
    assert.equal(code, 1);
    console.log(`      exited ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s, ${imds.requests.length} token PUTs unanswered`);
    const log = logOf('no-imds');
    assert.match(log, /the region was not given and could not be read from instance metadata at http:\/\/127\.0\.0\.1:\d+: no IMDSv2 token .*give --aws-region \(or AWS_REGION\), or .*hop limit must be at least 2/);
    assert.match(log, /the VPC ID was not given .*give --aws-vpc-id/);
    assert.ok(imds.requests.every((r) => r.method === 'PUT'), 'no read without a token (no IMDSv1 fallback)');
  });

  describe('the VPC without --aws-vpc-id', () => {
    /** tags of this run: the cluster's VPC carries lookup=<run> and role=cluster, a second VPC lookup=<run> and role=other */
    const run = `e2e-${process.pid}-${Date.now().toString(36)}`;
    let otherVpcId: string;
    /** each controller here watches an empty namespace: it only has to start */
    let quiet: string;

    before(async () => {
      await ec2.send(new CreateTagsCommand({ Resources: [seeded().vpcId], Tags: [{ Key: 'lookup', Value: run }, { Key: 'role', Value: 'cluster' }] }));
      const other = await ec2.send(new CreateVpcCommand({
        CidrBlock: '10.251.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'lookup', Value: run }, { Key: 'role', Value: 'other' }] }],
      }));
      otherVpcId = other.Vpc?.VpcId ?? assert.fail('CreateVpc returned no VpcId');
      quiet = await freshNamespace('imds-quiet');
    });

    after(async () => {
      if (otherVpcId) await ec2.send(new DeleteVpcCommand({ VpcId: otherVpcId }));
    });

    it('--aws-vpc-tags: the one VPC with every tag (DescribeVpcs), before instance metadata, which is asked only for the region', async () => {
      const imds = await imdsStandIn(otherVpcId);
      const ctrl = await start('vpc-tags', imds, { args: [`--aws-vpc-tags=lookup=${run},role=cluster`, `--watch-namespace=${quiet}`] });
      await waitFor('controller ready', () => ctrl.ready(), 60_000);
      const started = startedLine('vpc-tags');
      assert.equal(started?.vpcId, seeded().vpcId);
      assert.equal(started?.vpcIdFrom, 'VPC tags');
      assert.equal(started?.regionFrom, 'instance metadata');
      assert.deepEqual(imds.requests.filter((r) => r.method === 'GET').map((r) => r.path), ['/latest/meta-data/placement/region']);
      await ctrl.stop(5_000);
    });

    it('--aws-vpc-tags matching two VPCs, or none: a start-up error naming the tags and the count', async () => {
      const imds = await imdsStandIn(seeded().vpcId);
      const two = await start('vpc-tags-2', imds, { args: [`--aws-vpc-tags=lookup=${run}`, `--watch-namespace=${quiet}`] });
      const none = await start('vpc-tags-0', imds, { args: [`--aws-vpc-tags=lookup=${run},role=gone`, `--watch-namespace=${quiet}`] });
      assert.equal(await exitOf(two), 1);
      assert.equal(await exitOf(none), 1);
      const log2 = logOf('vpc-tags-2');
      assert.match(log2, new RegExp(`--aws-vpc-tags lookup=${run} matched 2 VPCs \\(vpc-\\w+, vpc-\\w+\\), not one; give --aws-vpc-id, or tags of exactly one VPC`));
      assert.ok(log2.includes(seeded().vpcId) && log2.includes(otherVpcId), 'both VPCs named');
      assert.match(logOf('vpc-tags-0'), new RegExp(`--aws-vpc-tags lookup=${run},role=gone matched no VPC`));
      assert.ok(!logOf('vpc-tags-0').includes('starting aws-lb-controller'), 'nothing started');
    });

    it('instance metadata without the VPC and NODENAME an instance ID: that instance\'s VPC (DescribeInstances)', async () => {
      const imds = await imdsStandIn(undefined);
      const node = seeded().nodes[0] ?? assert.fail('a seeded node');
      const ctrl = await start('nodename', imds, { args: [`--watch-namespace=${quiet}`], env: { NODENAME: node.instanceId } });
      await waitFor('controller ready', () => ctrl.ready(), 60_000);
      const started = startedLine('nodename');
      assert.equal(started?.vpcId, seeded().vpcId);
      assert.equal(started?.vpcIdFrom, 'NODENAME instance');
      assert.ok(imds.requests.some((r) => r.path.endsWith('/vpc-id')), 'instance metadata was asked first');
      await ctrl.stop(5_000);
    });
  });
});
