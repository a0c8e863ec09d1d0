// `aws-lb-controller plan --live` against moto, as a user runs it (a child process): the seed's manifests
// (moved to a fresh namespace) → exit 2 with creates and zero AWS writes → apply exactly the printed JSON
// plans (deploy/apply) → `plan --live` again: "No changes.", exit 0, zero writes. Also: the same through
// --kubeconfig (objects and TargetGroupBindings read from the apiserver), --aws-api-endpoints instead of
// AWS_ENDPOINT_URL, and a VPC that does not exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.ts';
import { KubeBindingWriter } from '../../src/controllers/bindings.ts';
import { applyPlan, type ApplyPlan, type BindingWriter } from '../../src/deploy/apply.ts';
import { deleteBackendSecurityGroup, ensureBackendSecurityGroup } from '../../src/deploy/backend-security-group.ts';
import { observeStack } from '../../src/deploy/observe.ts';
import { BACKEND_SG_DESCRIPTION, backendSecurityGroupName } from '../../src/ingress/index.ts';
import { backendSecurityGroupTags } from '../../src/model/index.ts';
import { createKubeRest, ResourceClient } from '../../src/k8s/client.ts';
import { emptyStack, planStack } from '../../src/plan/plan-stack.ts';
import { kube, running, seeded, standIns } from './support/stand-ins.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SEED = path.join(ROOT, 'test/fixtures/seed');
const log = (msg: string): void => console.log(`      ${msg}`);

interface Run { code: number | null; stdout: string; stderr: string }
interface JsonPlan extends ApplyPlan { hasChanges: boolean; summary: Record<string, number> }

/** "AWS API calls: 9 reads, 0 writes" and its rows, from the trailer (text: stdout; JSON: stderr) */
function calls(text: string): { reads: number; writes: number; byOperation: Record<string, number> } {
  const head = /AWS API calls: (\d+) reads?, (\d+) writes?\n((?: {2}.*\n)*)/.exec(text);
  assert.ok(head, `no AWS call summary in:\n${text}`);
  const byOperation: Record<string, number> = {};
  for (const line of (head[3] ?? '').split('\n').filter(Boolean)) {
    const [service, operation, count] = line.trim().split(/\s+/);
    byOperation[`${service} ${operation}`] = Number(count);
  }
  return { reads: Number(head[1]), writes: Number(head[2]), byOperation };
}

describe('plan --live on moto (child process)', function () {
  this.timeout(300_000);
  const ns = `e2e-plan-live-${Math.random().toString(36).slice(2, 7)}`;
  const stackIds = [`${ns}/host-based-ingress`, `${ns}/path-based-ingress`];
  let dir = '';
  let env: Record<string, string | undefined> = {};
  let clusterName = '';
  let vpcId = '';
  let motoUrl = '';
  let aws: AwsClients;
  let kubeBindings: BindingWriter;
  let backendSg: { groupId: string; created: boolean } | undefined;
  const applied: string[] = [];

  before(async function () {
    await standIns(this);
    const s = running();
    clusterName = seeded().clusterName;
    vpcId = seeded().vpcId;
    motoUrl = s.env.AWS_ENDPOINT_URL;
    env = { ...process.env, ...s.env };
    // the seed, moved to a fresh namespace so no other suite's stacks share its IDs
    dir = mkdtempSync(path.join(tmpdir(), 'plan-live-'));
    for (const file of ['ingress-class.yaml', 'ingresses.yaml', 'services.yaml']) {
      const docs = parseAllDocuments(readFileSync(path.join(SEED, file), 'utf8')).map((d) => d.toJS() as Record<string, unknown> | null).filter((d) => d !== null);
      const moved = docs.map((d) => (d['kind'] === 'IngressClass' ? d : { ...d, metadata: { ...(d['metadata'] as object), namespace: ns } }));
      writeFileSync(path.join(dir, file), moved.map((d) => stringify(d)).join('---\n'));
    }
    aws = createAwsClients({ region: s.aws.region, credentials: s.aws.credentials, endpoints: `elasticloadbalancing=${motoUrl},ec2=${motoUrl}`, retryDelayMs: 50 });
    // the shared backend security group, as the controller ensures it before its first apply: with it the live plans
    // are complete (without it its ID would be "known after discovery")
    backendSg = await ensureBackendSecurityGroup(aws.ec2, {
      clusterName, vpcId, name: backendSecurityGroupName(clusterName), description: BACKEND_SG_DESCRIPTION, tags: backendSecurityGroupTags(clusterName),
    });
    // the same objects in the cluster, for --kubeconfig; bindings are written there by apply
    const admin = kube().admin;
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const objects = k8s.KubernetesObjectApi.makeApiClient(admin);
    for (const file of ['ingresses.yaml', 'services.yaml']) {
      for (const d of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) await objects.create(d.toJS() as k8s.KubernetesObject);
    }
    kubeBindings = new KubeBindingWriter(new ResourceClient(createKubeRest(admin), 'targetGroupBinding'));
  });

  after(async function () {
    // delete what this suite created in moto, through the same plan + apply path
    for (const id of applied) {
      const observed = await observeStack(aws, { clusterName, vpcId, stackId: id });
      const r = await applyPlan(planStack(emptyStack(id), observed, { clusterName }), { elbv2: aws.elbv2, ec2: aws.ec2, clusterName, observed, timing: { sleep: (ms) => new Promise((res) => setTimeout(res, Math.min(ms, 200))) } });
      if (r.errors?.length) log(`cleanup of ${id}: ${r.errors[0]?.message}`);
    }
    if (backendSg?.created) await deleteBackendSecurityGroup(aws.ec2, backendSg.groupId, vpcId);
    aws?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const plan = (args: string[], extraEnv: Record<string, string | undefined> = {}): Run => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), 'plan', '--live', '--cluster-name', clusterName, '--aws-vpc-id', vpcId, ...args], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000,
      env: Object.fromEntries(Object.entries({ ...env, ...extraEnv }).filter((e): e is [string, string] => e[1] !== undefined)),
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ours = (doc: { plans: JsonPlan[] }): JsonPlan[] => doc.plans.filter((p) => stackIds.includes(p.stackId));

  it('before apply: exits 2 with only creates, complete plans, and makes no AWS write', () => {
    const text = plan(['-f', dir]);
    assert.equal(text.code, 2, text.stderr);
    assert.equal((text.stdout.match(/Plan: 9 to create, 0 to update, 0 to replace, 0 to delete\./g) ?? []).length, 2, text.stdout);
    assert.doesNotMatch(text.stdout, /known after discovery/);
    const c = calls(text.stdout);
    assert.equal(c.writes, 0);
    log(`live plan of the seed before apply: exit ${text.code}, ${c.reads} reads, ${c.writes} writes: ${JSON.stringify(c.byOperation)}`);

    const json = plan(['-f', dir, '-o', 'json']);
    assert.equal(json.code, 2, json.stderr);
    assert.equal(calls(json.stderr).writes, 0);
    const plans = ours(JSON.parse(json.stdout) as { plans: JsonPlan[] });
    assert.deepEqual(plans.map((p) => [p.stackId, p.complete, p.summary]), stackIds.map((id) => [id, true, { create: 9, delete: 0, noop: 0, replace: 0, update: 0 }]));
  });

  it('applies the printed JSON plans (deploy/apply)', async () => {
    const json = plan(['-f', dir, '-o', 'json']);
    assert.equal(json.code, 2, json.stderr);
    for (const p of ours(JSON.parse(json.stdout) as { plans: JsonPlan[] })) {
      aws.counter.reset();
      applied.push(p.stackId);
      const result = await applyPlan(p, { elbv2: aws.elbv2, ec2: aws.ec2, clusterName, kube: kubeBindings });
      assert.deepEqual(result.errors ?? [], [], `apply of ${p.stackId}`);
      assert.ok(aws.counter.total({ write: true }) > 0);
      log(`applied ${p.stackId}: ${result.applied} changes, ${aws.counter.total({ write: true })} writes`);
    }
  });

  it('after apply: "No changes.", exit 0, zero writes (-f, text and JSON)', () => {
    const text = plan(['-f', dir]);
    assert.equal(text.code, 0, `${text.stdout}\n${text.stderr}`);
    for (const id of stackIds) assert.match(text.stdout, new RegExp(`Stack "${id}":[^]*?No changes\\.`));
    const c = calls(text.stdout);
    assert.equal(c.writes, 0);
    log(`live plan of the seed after apply: exit ${text.code}, ${c.reads} reads, ${c.writes} writes: ${JSON.stringify(c.byOperation)}`);

    const json = plan(['-f', dir, '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(calls(json.stderr).writes, 0);
    assert.deepEqual(ours(JSON.parse(json.stdout) as { plans: JsonPlan[] }).map((p) => [p.stackId, p.hasChanges, p.complete]), stackIds.map((id) => [id, false, true]));
  });

  it('after apply, with --kubeconfig: AWS resources unchanged; only the bindings are renamed (Service UIDs)', () => {
    const r = plan(['--kubeconfig', running().adminKubeconfigPath, '-o', 'json']);
    // other suites may have left Ingresses in the cluster: judge only this suite's stacks
    assert.ok(r.code === 0 || r.code === 2, r.stderr);
    assert.equal(calls(r.stderr).writes, 0);
    const plans = ours(JSON.parse(r.stdout) as { plans: JsonPlan[] });
    assert.deepEqual(plans.map((p) => p.stackId), stackIds);
    // Objects read from the apiserver carry metadata.uid, which enters the target group name hash (as
    // upstream) and so the binding name; the applied plan came from -f manifests without UIDs. Target
    // groups are matched by tag, not name: every AWS resource is a noop. The bindings the -f apply wrote
    // are read from the cluster and, under their old names, replaced by the new ones.
    for (const p of plans) {
      const changed = p.changes.filter((ch) => ch.action !== 'noop');
      assert.ok(changed.every((ch) => ch.kind === 'TargetGroupBinding'), JSON.stringify(changed.map((ch) => `${ch.action} ${ch.kind}/${ch.id}`)));
      assert.deepEqual(changed.map((ch) => ch.action).sort(), ['create', 'create', 'delete', 'delete']);
      assert.equal(p.changes.filter((ch) => ch.kind !== 'TargetGroupBinding' && ch.action === 'noop').length, 7);
    }
  });

  it('honours --aws-api-endpoints without AWS_ENDPOINT_URL', () => {
    const r = plan(['-f', dir, '--aws-api-endpoints', `elasticloadbalancing=${motoUrl},ec2=${motoUrl},acm=${motoUrl}`], { AWS_ENDPOINT_URL: undefined });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(calls(r.stdout).writes, 0);
  });

  it('exits 1 with a clear message for a VPC that does not exist', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), 'plan', '--live', '-f', dir, '--cluster-name', clusterName, '--aws-vpc-id', 'vpc-0000000000000dead'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...running().env } });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /--aws-vpc-id vpc-0000000000000dead: no such VPC in us-east-1/);
  });
});
