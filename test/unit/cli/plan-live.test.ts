// `plan --live` in process: the AWS SDK clients run their whole middleware stack (retries, throttling,
// the call counter) over a fake HTTP transport, so the test reads the real counter: zero writes, and exactly
// the reads discovery and observation need. Flags, errors and --kubeconfig (over a fake KubeRest) too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CallCounter } from '../../../src/aws/metrics.ts';
import { formatCallSummary, liveFlagsFrom, readCluster, bindingsOfStack } from '../../../src/cli/live.ts';
import { parsePlanFlags } from '../../../src/cli/plan-command.ts';
import { UsageError, type Io } from '../../../src/cli/io.ts';
import { planCommand } from '../../../src/cli/plan-command.ts';
import type { LiveDeps } from '../../../src/cli/live.ts';
import { KubeApiError, type KubeRest, type KubeRequest } from '../../../src/k8s/client.ts';
import type { TargetGroupBinding } from '../../../src/k8s/types.ts';
import { action, ec2Ok, elbError, elbOk, FakeHttp, jsonOk, TEST_CREDENTIALS, type FakeReply, type SeenRequest } from '../aws/fake-http.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SEED = join(root, 'test/fixtures/seed');
const VPC = 'vpc-0a1b2c3d4e5f60001';
const BASE = ['--live', '--cluster-name', 'demo', '--aws-vpc-id', VPC, '--aws-region', 'us-east-1'];
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/shop';

const tagSet = (tags: Record<string, string>): string =>
  `<tagSet>${Object.entries(tags).map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`).join('')}</tagSet>`;
const subnet = (id: string, az: string, cidr: string, role: string): string =>
  `<item><subnetId>${id}</subnetId><availabilityZone>${az}</availabilityZone><cidrBlock>${cidr}</cidrBlock><vpcId>${VPC}</vpcId>` +
  `<availableIpAddressCount>250</availableIpAddressCount>${tagSet({ [role]: '1', 'kubernetes.io/cluster/demo': 'shared' })}</item>`;

const VPCS = `<vpcSet><item><vpcId>${VPC}</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><cidrBlockAssociationSet><item><cidrBlock>10.0.0.0/16</cidrBlock>` +
  '<cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet></item></vpcSet>';
const SUBNETS = `<subnetSet>${subnet('subnet-0aaa', 'us-east-1a', '10.0.128.0/19', 'kubernetes.io/role/internal-elb')}` +
  `${subnet('subnet-0bbb', 'us-east-1b', '10.0.160.0/19', 'kubernetes.io/role/internal-elb')}` +
  `${subnet('subnet-0ccc', 'us-east-1a', '10.0.0.0/19', 'kubernetes.io/role/elb')}</subnetSet>`;

/** an account with the VPC and its subnets, nothing owned, one ISSUED certificate for shop.example.com */
function emptyAccount(overrides: (req: SeenRequest) => FakeReply | undefined = () => undefined): FakeHttp {
  return new FakeHttp((req) => {
    const o = overrides(req);
    if (o) return o;
    const target = req.headers['x-amz-target'] ?? '';
    if (target.endsWith('.ListCertificates')) return jsonOk({ CertificateSummaryList: [{ CertificateArn: CERT, DomainName: 'shop.example.com', Status: 'ISSUED' }] });
    if (target.endsWith('.DescribeCertificate')) {
      return jsonOk({ Certificate: { CertificateArn: CERT, DomainName: 'shop.example.com', SubjectAlternativeNames: ['shop.example.com'], Status: 'ISSUED', Type: 'IMPORTED' } });
    }
    switch (action(req)) {
      case 'DescribeVpcs': return ec2Ok('DescribeVpcs', VPCS);
      case 'DescribeSubnets': return ec2Ok('DescribeSubnets', SUBNETS);
      case 'DescribeSecurityGroups': return ec2Ok('DescribeSecurityGroups', '<securityGroupInfo/>');
      case 'DescribeLoadBalancers': return elbOk('DescribeLoadBalancers', '<LoadBalancers/>');
      case 'DescribeTargetGroups': return elbOk('DescribeTargetGroups', '<TargetGroups/>');
      default: throw new Error(`unexpected AWS call ${action(req) ?? target}`);
    }
  });
}

const BACKEND_SG = 'sg-0bac0000000000001';
const BACKEND_UNKNOWN = 'known after discovery: backend-security-group:k8s-traffic-demo-2a97516c35';
/** the shared backend security group exists (found by its tags, as upstream tags it) */
const withBackendGroup = (req: SeenRequest): FakeReply | undefined =>
  (action(req) === 'DescribeSecurityGroups' && decodeURIComponent(req.body).includes('backend-sg')
    ? ec2Ok('DescribeSecurityGroups', `<securityGroupInfo><item><groupId>${BACKEND_SG}</groupId><groupName>k8s-traffic-demo-2a97516c35</groupName><vpcId>${VPC}</vpcId>`
      + `${tagSet({ 'elbv2.k8s.aws/cluster': 'demo', 'elbv2.k8s.aws/resource': 'backend-sg' })}</item></securityGroupInfo>`)
    : undefined);
/** every value the plan could not know, as printed */
const unknowns = (text: string): string[] => [...new Set(text.match(/known after discovery: [^)]*/g) ?? [])];

interface Out { stdout: string; stderr: string; io: Io }
function capture(stdin = ''): Out {
  const out: Out = {
    stdout: '', stderr: '',
    io: { stdout: (t) => { out.stdout += t; }, stderr: (t) => { out.stderr += t; }, readStdin: () => Promise.resolve(stdin) },
  };
  return out;
}

function deps(http: FakeHttp, counter: CallCounter, extra: Partial<LiveDeps> = {}): LiveDeps {
  return { env: {}, clients: { requestHandler: http, credentials: TEST_CREDENTIALS, retryDelayMs: 1, counter }, ...extra };
}

const TLS_INGRESS = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: alb }
spec: { controller: ingress.k8s.aws/alb }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { type: NodePort, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/listen-ports: '[{"HTTPS": 443}]'
spec:
  ingressClassName: alb
  rules:
    - host: shop.example.com
      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
`;

describe('plan --live (in process, fake AWS transport)', () => {
  it('plans the seed against an empty account with discovered facts: exit 2, 6 reads and zero writes; only the backend group to create is unknown', async () => {
    const counter = new CallCounter();
    const out = capture();
    const code = await planCommand([...BASE, '-f', SEED], out.io, deps(emptyAccount(), counter));
    assert.equal(code, 2, out.stderr);
    assert.equal((out.stdout.match(/Plan: 9 to create, 0 to update, 0 to replace, 0 to delete\./g) ?? []).length, 2);
    // the shared backend security group does not exist yet: the controller creates it before its first apply
    assert.deepEqual(unknowns(out.stdout), [BACKEND_UNKNOWN]);
    assert.match(out.stdout, /subnet-0aaa/);
    assert.equal(counter.total({ write: true }), 0);
    // the seed has no HTTPS listener and names no security group: no ACM call, no security group discovery; one
    // DescribeSecurityGroups looks for the backend group, one is observe's
    assert.deepEqual(counter.byOperation(), {
      DescribeLoadBalancers: 1, DescribeSecurityGroups: 2, DescribeSubnets: 1, DescribeTargetGroups: 1, DescribeVpcs: 1,
    });
    assert.match(out.stdout, /\nAWS API calls: 6 reads, 0 writes\n {2}ec2 {4}DescribeSecurityGroups {2}2\n/);
    assert.equal(out.stderr, '');
  });

  it('finds the shared backend security group by its tags and plans with its ID: a complete plan', async () => {
    const http = emptyAccount(withBackendGroup);
    const out = capture();
    assert.equal(await planCommand([...BASE, '-f', SEED, '-o', 'json'], out.io, deps(http, new CallCounter())), 2);
    const doc = JSON.parse(out.stdout) as { plans: { complete: boolean; changes: { kind: string; after?: { securityGroups?: unknown[] } }[] }[] };
    assert.deepEqual(doc.plans.map((p) => p.complete), [true, true]);
    for (const p of doc.plans) assert.equal(p.changes.find((c) => c.kind === 'LoadBalancer')?.after?.securityGroups?.[1], BACKEND_SG);
    const lookup = http.seen.map((r) => decodeURIComponent(r.body)).find((b) => b.includes('backend-sg')) ?? '';
    for (const f of [`vpc-id&Filter.1.Value.1=${VPC}`, 'tag:elbv2.k8s.aws/cluster&Filter.2.Value.1=demo', 'tag:elbv2.k8s.aws/resource&Filter.3.Value.1=backend-sg']) {
      assert.ok(lookup.includes(f), `${f} in ${lookup}`);
    }
    // given by flag: no lookup at all
    const counter = new CallCounter();
    const given = capture();
    await planCommand([...BASE, '-f', SEED, '--backend-security-group', 'sg-0abc'], given.io, deps(emptyAccount(), counter));
    assert.deepEqual(unknowns(given.stdout), []);
    assert.match(given.stdout, /"sg-0abc"/);
    assert.equal(counter.byOperation()['DescribeSecurityGroups'], 1);
  });

  it('discovers certificates only when an Ingress needs one, and then uses them', async () => {
    const counter = new CallCounter();
    const out = capture(TLS_INGRESS);
    const code = await planCommand([...BASE, '-f', '-'], out.io, deps(emptyAccount(), counter));
    assert.equal(code, 2, out.stdout + out.stderr);
    assert.match(out.stdout, /certificate for shop\.example\.com: arn:aws:acm:us-east-1:123456789012:certificate\/shop/);
    assert.deepEqual(unknowns(out.stdout), [BACKEND_UNKNOWN]);
    assert.equal(counter.byOperation()['ListCertificates'], 1);
    assert.equal(counter.byOperation()['DescribeCertificate'], 1);
    // the VPC and subnets are cached between the two builds
    assert.equal(counter.byOperation()['DescribeSubnets'], 1);
    assert.equal(counter.total({ write: true }), 0);
  });

  it('-o json: stdout is one JSON document, the call summary goes to stderr', async () => {
    const out = capture();
    const code = await planCommand([...BASE, '-f', SEED, '-o', 'json'], out.io, deps(emptyAccount(withBackendGroup), new CallCounter()));
    assert.equal(code, 2);
    const doc = JSON.parse(out.stdout) as { plans: { stackId: string; complete: boolean }[] };
    assert.deepEqual(doc.plans.map((p) => p.complete), [true, true]);
    assert.match(out.stderr, /^AWS API calls: 6 reads, 0 writes\n/);
  });

  it('sends each service to its --aws-api-endpoints URL', async () => {
    const http = emptyAccount();
    const out = capture();
    await planCommand([...BASE, '-f', SEED, '--aws-api-endpoints', 'ec2=http://ec2.local:4566,elasticloadbalancing=http://elb.local:4567'], out.io, deps(http, new CallCounter()));
    const hosts = new Set(http.seen.map((r) => `${action(r)}@${r.hostname}:${r.port}`));
    assert.ok(hosts.has('DescribeSubnets@ec2.local:4566'), [...hosts].join(' '));
    assert.ok(hosts.has('DescribeLoadBalancers@elb.local:4567'), [...hosts].join(' '));
  });

  it('an AWS error ends the command with the operation and code, and the calls made are still printed', async () => {
    const out = capture();
    const http = emptyAccount((req) => (action(req) === 'DescribeLoadBalancers' ? elbError('AccessDenied', 'not allowed to describe') : undefined));
    await assert.rejects(planCommand([...BASE, '-f', SEED], out.io, deps(http, new CallCounter())),
      (e: unknown) => e instanceof UsageError && /^AWS error while observing the owned AWS resources: elbv2 DescribeLoadBalancers: AccessDenied: not allowed to describe$/.test(e.message));
    assert.match(out.stderr, /AWS API calls: \d+ reads, 0 writes\n[^]*DescribeLoadBalancers {3}1 \(1 failed\)/);
    assert.equal(out.stdout, '');
  });

  it('an unexpected failure (a builder bug) is one error line after the calls made, exit 1', async () => {
    const out = capture();
    const code = await planCommand([...BASE, '-f', SEED], out.io, { ...deps(emptyAccount(), new CallCounter()), buildStacks: () => { throw new RangeError('bad input'); } });
    assert.equal(code, 1);
    assert.equal(out.stdout, '');
    // the owned resources are observed first (3 reads: they tell members deployed already, ADR 6), then discovery (2)
    assert.match(out.stderr, /^AWS API calls: 5 reads, 0 writes\n[^]*\nerror: plan failed unexpectedly on [^\n]*seed: RangeError: bad input \(AWS_LB_CONTROLLER_DEBUG=1 prints the stack trace\)\n$/);
  });

  it('a VPC that does not exist is a usage error', async () => {
    const http = emptyAccount((req) => (action(req) === 'DescribeVpcs' ? ec2Ok('DescribeVpcs', '<vpcSet/>') : undefined));
    await assert.rejects(planCommand([...BASE, '-f', SEED], capture().io, deps(http, new CallCounter())),
      { name: 'UsageError', message: `--aws-vpc-id ${VPC}: no such VPC in us-east-1` });
  });
});

describe('plan --live flags', () => {
  const rejects = (args: string[], message: RegExp, env: Record<string, string> = {}): Promise<void> =>
    assert.rejects(planCommand(args, capture().io, { env }), (e: unknown) => e instanceof UsageError && message.test(e.message));

  it('rejects --facts and --observed with --live', async () => {
    await rejects([...BASE, '-f', SEED, '--facts', 'f.json'], /^--facts cannot be used with --live: with --live the facts are discovered from AWS$/);
    await rejects([...BASE, '-f', SEED, '--observed', 'o.json'], /^--observed cannot be used with --live: with --live the observed state is read from AWS$/);
  });

  it('requires --aws-vpc-id and a region (flag or AWS_REGION / AWS_DEFAULT_REGION)', async () => {
    await rejects(['--live', '-f', SEED, '--cluster-name', 'demo', '--aws-region', 'us-east-1'], /needs --aws-vpc-id/);
    await rejects(['--live', '-f', SEED, '--cluster-name', 'demo', '--aws-vpc-id', VPC], /needs --aws-region/);
    const live = (args: string[], env: Record<string, string>): ReturnType<typeof parsePlanFlags>['live'] =>
      parsePlanFlags(['--live', '-f', SEED, '--cluster-name', 'demo', '--aws-vpc-id', VPC, ...args], env).live;
    assert.equal(live([], { AWS_DEFAULT_REGION: 'eu-west-1' })?.region, 'eu-west-1');
    assert.equal(live([], { AWS_REGION: 'eu-west-2', AWS_DEFAULT_REGION: 'eu-west-1' })?.region, 'eu-west-2');
    assert.equal(live(['--aws-region', 'us-west-2'], { AWS_REGION: 'eu-west-2' })?.region, 'us-west-2');
    assert.equal(live(['--aws-region', 'us-west-2'], {})?.maxRetries, 3);
    assert.equal(live(['--aws-region', 'us-west-2', '--aws-max-retries', '0'], {})?.maxRetries, 0);
    // $KUBECONFIG does not turn -f into a cluster read
    assert.equal(live(['--aws-region', 'us-west-2'], { KUBECONFIG: '/tmp/k' })?.kubeconfig, undefined);
  });

  it('builds LiveFlags from the parsed shared flags', () => {
    const config = { awsRegion: 'us-east-1', awsVpcId: VPC, awsApiEndpoints: { ec2: 'http://127.0.0.1:5000' }, awsMaxRetries: 10, kubeconfig: undefined };
    assert.deepEqual(liveFlagsFrom(config, false), { region: 'us-east-1', vpcId: VPC, maxRetries: 3, endpoints: { ec2: 'http://127.0.0.1:5000' } });
    assert.equal(liveFlagsFrom(config, true).maxRetries, 10);
    assert.throws(() => liveFlagsFrom({ ...config, awsApiEndpoints: { nosuch: 'http://x' } }, false), /^UsageError: --aws-api-endpoints: unknown service ID "nosuch"/);
  });

  // the values `run` refuses, with run's messages (config.ts parses both commands' shared flags)
  it('checks --aws-region, --aws-vpc-id, --aws-api-endpoints and --aws-max-retries as run does', async () => {
    await rejects([...BASE, '-f', SEED, '--aws-api-endpoints', 'nosuch=http://x'], /^--aws-api-endpoints: unknown service ID "nosuch"/);
    await rejects([...BASE, '-f', SEED, '--aws-api-endpoints', 'ec2=ftp://x'], /^--aws-api-endpoints: the endpoint for ec2 must be an http\(s\) URL, got "ftp:\/\/x"$/);
    await rejects([...BASE, '-f', SEED, '--aws-max-retries=-1'], /^--aws-max-retries must be between 0 and 100, got -1$/);
    await rejects([...BASE, '-f', SEED, '--aws-max-retries=lots'], /^--aws-max-retries must be an integer, got "lots"$/);
    await rejects(['--live', '-f', SEED, '--cluster-name', 'demo', '--aws-vpc-id', 'my-vpc', '--aws-region', 'us-east-1'], /^--aws-vpc-id must look like vpc-0123abcd, got "my-vpc"$/);
    await rejects(['--live', '-f', SEED, '--cluster-name', 'demo', '--aws-vpc-id', VPC, '--aws-region', 'Oregon'], /^--aws-region must look like us-east-1, got "Oregon"$/);
  });

  it('AWS flags and --kubeconfig need --live; -f and --kubeconfig exclude each other', async () => {
    await rejects(['-f', SEED, '--cluster-name', 'demo', '--aws-vpc-id', VPC], /^--aws-vpc-id needs --live$/);
    await rejects(['-f', SEED, '--cluster-name', 'demo', '--kubeconfig', 'k'], /^--kubeconfig needs --live$/);
    await rejects([...BASE, '-f', SEED, '--kubeconfig', 'k'], /^give either -f or --kubeconfig, not both$/);
    await rejects([...BASE], /^-f\/--filename .* or --kubeconfig is required$/);
  });
});

describe('plan --live --kubeconfig (fake apiserver)', () => {
  const seedObjects = async (): Promise<Record<string, unknown>[]> => {
    const { readSources, parseObjects } = await import('../../../src/cli/manifests.ts');
    return parseObjects(await readSources(SEED, capture().io));
  };
  const binding = (name: string, labels: Record<string, string>): TargetGroupBinding => ({
    apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding', metadata: { name, namespace: 'default', labels },
    spec: { targetGroupARN: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1', targetType: 'instance', serviceRef: { name: 'api-service', port: 80 } },
  });

  function fakeRest(objects: Record<string, unknown>[], bindings: TargetGroupBinding[], opts: { noParamsCrd?: boolean; busyOnce?: string } = {}): KubeRest & { seen: KubeRequest[] } {
    const seen: KubeRequest[] = [];
    let busy = opts.busyOnce;
    const byPath: Record<string, unknown[]> = {
      '/apis/networking.k8s.io/v1/ingresses': objects.filter((o) => o['kind'] === 'Ingress'),
      '/apis/networking.k8s.io/v1/ingressclasses': objects.filter((o) => o['kind'] === 'IngressClass'),
      '/apis/elbv2.k8s.aws/v1beta1/ingressclassparams': [],
      '/api/v1/services': objects.filter((o) => o['kind'] === 'Service'),
      '/api/v1/namespaces': [{ metadata: { name: 'default' } }],
      '/apis/elbv2.k8s.aws/v1beta1/targetgroupbindings': bindings,
    };
    return {
      seen,
      request: <T>(req: KubeRequest): Promise<T> => {
        seen.push(req);
        if (req.path === busy) {
          busy = undefined;
          return Promise.reject(new KubeApiError(429, 'TooManyRequests', 'storage is (re)initializing'));
        }
        if (opts.noParamsCrd && req.path.includes('ingressclassparams')) return Promise.reject(new KubeApiError(404, 'NotFound', 'the server could not find the requested resource'));
        const items = byPath[req.path];
        return items ? Promise.resolve({ items } as T) : Promise.reject(new KubeApiError(404, 'NotFound', req.path));
      },
      watch: () => Promise.reject(new Error('no watch in plan')),
    };
  }

  it('reads the objects with GETs only (a missing CRD reads as empty; 429 is retried)', async () => {
    const rest = fakeRest(await seedObjects(), [], { noParamsCrd: true, busyOnce: '/api/v1/services' });
    const c = await readCluster(rest);
    assert.deepEqual([c.snapshot.ingresses.length, c.snapshot.ingressClasses.length, c.snapshot.ingressClassParams.length, c.snapshot.services.length, c.snapshot.namespaces?.length], [2, 1, 0, 4, 1]);
    assert.ok(rest.seen.every((r) => r.method === 'GET'));
  });

  it('selects the bindings of a stack by upstream\'s labels', () => {
    const bs = [
      binding('a', { 'ingress.k8s.aws/stack-namespace': 'default', 'ingress.k8s.aws/stack-name': 'host-based-ingress' }),
      binding('b', { 'ingress.k8s.aws/stack': 'shared' }),
      binding('c', { 'ingress.k8s.aws/stack-namespace': 'default', 'ingress.k8s.aws/stack-name': 'other' }),
    ];
    assert.deepEqual(bindingsOfStack(bs, 'default/host-based-ingress').map((b) => b.name), ['a']);
    assert.deepEqual(bindingsOfStack(bs, 'shared').map((b) => b.name), ['b']);
  });

  it('plans the cluster\'s Ingresses and compares the bindings it holds', async () => {
    const stale = binding('k8s-default-stale-0123456789', { 'ingress.k8s.aws/stack-namespace': 'default', 'ingress.k8s.aws/stack-name': 'host-based-ingress' });
    const counter = new CallCounter();
    const out = capture();
    const code = await planCommand([...BASE, '--kubeconfig', 'unused', '-o', 'json'], out.io, deps(emptyAccount(), counter, { kubeRest: fakeRest(await seedObjects(), [stale]) }));
    assert.equal(code, 2);
    const doc = JSON.parse(out.stdout) as { plans: { stackId: string; changes: { action: string; kind: string; id: string }[] }[] };
    const host = doc.plans.find((p) => p.stackId === 'default/host-based-ingress');
    assert.ok(host);
    assert.ok(host.changes.some((c) => c.kind === 'TargetGroupBinding' && c.action === 'delete' && c.id === 'default/k8s-default-stale-0123456789'));
    const path = doc.plans.find((p) => p.stackId === 'default/path-based-ingress');
    assert.ok(path && !path.changes.some((c) => c.action === 'delete'));
    assert.equal(counter.total({ write: true }), 0);
  });
});

describe('formatCallSummary', () => {
  it('lists reads and writes by service and operation, failed attempts and writes marked', () => {
    const c = new CallCounter();
    c.record('elbv2', 'DescribeLoadBalancers', 'success');
    c.record('elbv2', 'DescribeLoadBalancers', 'Throttling');
    c.record('ec2', 'DescribeSubnets', 'success');
    c.record('elbv2', 'CreateRule', 'success');
    assert.equal(formatCallSummary(c), [
      'AWS API calls: 3 reads, 1 write',
      '  ec2    DescribeSubnets        1',
      '  elbv2  CreateRule             1  WRITE',
      '  elbv2  DescribeLoadBalancers  2 (1 failed)',
      '',
    ].join('\n'));
    assert.equal(formatCallSummary(new CallCounter()), 'AWS API calls: 0 reads, 0 writes\n');
  });
});
