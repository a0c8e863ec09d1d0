// Feature gates end to end: the controller (its own process, from the bundle) started with gates the Ingress build
// consults reports what they refuse on that Ingress and serves the rest; a gate value it does not implement, or an
// unknown gate, stops it at start-up with a message naming the gate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { ControllerProcess } from '../../src/cli/demo-command.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { backendNodes, createBackendPods, writeEndpointSlice } from '../../src/stand-ins/backends.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, resetAws, running, seeded, standIns } from './support/stand-ins.ts';

describe('feature gates (own process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  const fleet = suiteControllers('gates');
  let admin: KubeClients;
  let ec2: EC2Client;
  let ns: string;

  // readiness is each test's to check: a refused gate stops the process at start-up
  const start = (name: string, gates: string): Promise<ControllerProcess> =>
    fleet.start(name, { waitReady: false, extraArgs: ['--enable-leader-election=false', `--feature-gates=${gates}`] });
  const logOf = (name: string): string => { try { return readFileSync(fleet.logFile(name), 'utf8'); } catch { return ''; } };

  before(async function () {
    await standIns(this);
    await resetAws();
    admin = createKubeClients({ kubeconfig: running().adminKubeconfigPath });
    ec2 = new EC2Client({ ...running().aws });
    ns = await freshNamespace('gates');
  });

  after(() => ec2?.destroy());

  it('a gate value this controller does not implement, and an unknown gate, stop it at start-up naming each', async () => {
    const p = await start('refused', 'ListenerRulesTagging=false,NoSuchGate=true');
    assert.equal(await p.exited, 1);
    const log = logOf('refused');
    assert.match(log, /ListenerRulesTagging=false is not supported \(upstream's default is true\): listeners and listener rules are always tagged; remove it/);
    assert.match(log, /unknown feature gate "NoSuchGate"/);
  });

  it('EnableIPTargetType=false and WeightedTargetGroups=false: the Ingresses they refuse are reported, the others served', async () => {
    const f = seeded();
    const ctrl = await start('gates', 'EnableIPTargetType=false,WeightedTargetGroups=false');
    await waitFor('controller ready', () => ctrl.ready(), 60_000);
    let ipBase = 300;
    for (const app of ['web', 'canary']) {
      const svc = await admin.services.create({
        apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns },
        spec: { type: 'NodePort', selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
      }, ns);
      const pods = await createBackendPods(admin, { namespace: ns, app, nodes: backendNodes(f), indices: [0], ipBase, enis: { ec2, securityGroupId: f.nodeSecurityGroupId } });
      ipBase += 20;
      await writeEndpointSlice(admin, { namespace: ns, service: svc, pods });
    }
    const ingress = (name: string, annotations: Record<string, string>, service = 'web', port = 'http'): Promise<Ingress> => admin.ingresses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name, namespace: ns, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', ...annotations } },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: port === 'use-annotation' ? { name: port } : { number: 80 } } } }] } }] },
    }, ns);
    await ingress('ip', { 'alb.ingress.kubernetes.io/target-type': 'ip' });
    await ingress('split', {
      'alb.ingress.kubernetes.io/actions.split': '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":80,"weight":90},{"serviceName":"canary","servicePort":80,"weight":10}]}}',
    }, 'split', 'use-annotation');
    await ingress('instance', {});

    const failed = (name: string) => waitFor(`FailedBuildModel on ${name}`, async () => {
      const s = readReconcileStatus((await admin.ingresses.get(name, ns)) as Ingress);
      return s?.reason === 'FailedBuildModel' ? s : undefined;
    });
    assert.match((await failed('ip')).message, /target type ip \(from alb\.ingress\.kubernetes\.io\/target-type\) is turned off by the feature gate EnableIPTargetType=false/);
    assert.match((await failed('split')).message, /actions\.split: forwards to 2 target groups, which the feature gate WeightedTargetGroups=false turns off/);
    assert.ok(await waitFor('hostname on the instance Ingress', async () => (await admin.ingresses.get('instance', ns))?.status?.loadBalancer?.ingress?.[0]?.hostname));
    for (const name of ['ip', 'split']) assert.equal((await admin.ingresses.get(name, ns))?.status?.loadBalancer?.ingress, undefined, `no load balancer for ${name}`);
  });
});
