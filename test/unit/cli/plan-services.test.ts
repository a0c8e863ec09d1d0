// `plan` with Services of type LoadBalancer (in process): NLB stacks from manifests on their own, against an observed
// state under `serviceStacks`, Service errors as exit 1, and the Service flags plan shares with run.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { V1Service } from '@kubernetes/client-node';
import { runCli } from '../../../src/cli/index.ts';
import type { DiscoveredFacts } from '../../../src/model/index.ts';
import { buildServiceStack, DEFAULT_SERVICE_GATES } from '../../../src/service/index.ts';
import { observedFromStack } from '../plan/helpers.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const NLB = join(root, 'test/fixtures/nlb');
const FACTS = join(root, 'test/fixtures/seed-facts/facts.json');
const tmp = mkdtempSync(join(tmpdir(), 'plan-nlb-'));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['plan', ...args], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, readStdin: async () => '' });
  return { code, stdout, stderr };
}

describe('plan: Services of type LoadBalancer', () => {
  it('plans the NLB of each Service of this controller from manifests alone, and leaves other Services out', async () => {
    const r = await run(['-f', NLB, '--cluster-name', 'demo', '-o', 'json']);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as { plans: { stackId: string; family?: string; complete: boolean }[]; notes: { subject: string }[] };
    assert.deepEqual(doc.plans.map((p) => [p.family, p.stackId]), [['service', 'default/echo'], ['service', 'default/game']]);
    assert.equal(doc.plans[0]?.complete, false, 'subnets and VPC known after discovery');
  });

  it('plans nothing to do against the NLB AWS holds (observed under serviceStacks)', async () => {
    const facts = JSON.parse(readFileSync(FACTS, 'utf8')) as DiscoveredFacts;
    const services = parseAllDocuments(readFileSync(join(NLB, 'services.yaml'), 'utf8')).map((d) => d.toJS() as V1Service);
    const config = {
      clusterName: 'demo', loadBalancerClass: 'service.k8s.aws/nlb', defaultScheme: 'internal' as const, defaultTargetType: 'instance' as const,
      defaultSslPolicy: 'ELBSecurityPolicy-2016-08', defaultTags: {}, externalManagedTags: [], gates: DEFAULT_SERVICE_GATES,
    };
    const serviceStacks: Record<string, unknown> = {};
    for (const service of services) {
      const b = buildServiceStack({ service, facts, config });
      if (b.action === 'ignored' || !b.stack) continue;
      const o = observedFromStack(b.stack);
      serviceStacks[b.stack.id] = { ...o.state, targetGroupBindings: o.bindings };
    }
    const observed = join(tmp, 'observed.json');
    writeFileSync(observed, JSON.stringify({ serviceStacks }));
    const r = await run(['-f', NLB, '--cluster-name', 'demo', '--facts', FACTS, '--observed', observed]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /Service stack "default\/echo":\n\nNo changes\./);
    // the same state without its Service in the input is reported, not deleted
    const only = join(tmp, 'only-game.yaml');
    writeFileSync(only, readFileSync(join(NLB, 'services.yaml'), 'utf8').split('---').filter((d) => !d.includes('name: echo')).join('---'));
    const r2 = await run(['-f', only, '--cluster-name', 'demo', '--facts', FACTS, '--observed', observed]);
    assert.match(r2.stdout, /Service stack "default\/echo" is in the observed state but no Service of this controller in the input belongs to it; not planned/);
  });

  it('reports a Service error with exit 1, naming the Service and the annotation', async () => {
    const file = join(tmp, 'broken.yaml');
    writeFileSync(file, `apiVersion: v1
kind: Service
metadata:
  name: broken
  namespace: shop
  annotations: { service.beta.kubernetes.io/aws-load-balancer-scheme: public }
spec: { type: LoadBalancer, loadBalancerClass: service.k8s.aws/nlb, ports: [{ port: 80, nodePort: 30080 }] }
`);
    const r = await run(['-f', file, '--cluster-name', 'demo']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /the Services named here get no changes/);
    assert.match(r.stdout, /Service shop\/broken: service\.beta\.kubernetes\.io\/aws-load-balancer-scheme: expected one of internal, internet-facing, got "public"/);
  });

  it('takes --load-balancer-class and --feature-gates as run does; the gate can switch Services off', async () => {
    const other = await run(['-f', NLB, '--cluster-name', 'demo', '--load-balancer-class', 'example.com/other-lb', '-o', 'json']);
    const doc = JSON.parse(other.stdout) as { plans: { stackId: string }[]; issues: { object: { name: string }; code: string }[] };
    assert.deepEqual(doc.plans.map((p) => p.stackId), ['default/game'], 'game is selected by its annotations');
    assert.deepEqual(doc.issues.map((i) => [i.object.name, i.code]), [['other', 'NodePortNotAllocated']], 'other by the class (and has no NodePort)');
    const off = await run(['-f', NLB, '--cluster-name', 'demo', '--feature-gates', 'EnableServiceController=false']);
    assert.equal(off.code, 0);
    assert.match(off.stdout, /No Ingresses or Services for this controller in the input/);
    const bad = await run(['-f', NLB, '--cluster-name', 'demo', '--feature-gates', 'Nope=true']);
    assert.equal(bad.code, 1);
  });
});
