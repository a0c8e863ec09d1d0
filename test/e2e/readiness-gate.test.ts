// Namespace labels and the pod readiness gate, end to end: the controller as its own process (controller
// user's RBAC) serving its pod webhook over TLS on 127.0.0.1, registered with the real kube-apiserver through a
// MutatingWebhookConfiguration (url + caBundle, failurePolicy Ignore), against moto.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ControllerProcess } from '../../src/cli/demo-command.ts';
import { backendNodes, podIpIn, writeEndpointSlice, type BackendNode, type BackendPod } from '../../src/stand-ins/backends.ts';
import { readinessGateType } from '../../src/controllers/target-group-binding.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { Ingress, Pod, Service } from '../../src/k8s/types.ts';
import { running, seeded, standIns } from './support/stand-ins.ts';
import { startWebhookController, webhookCerts } from './support/webhook.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';



const INJECT_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';
const TEAM_LABEL = 'e2e.example.com/team';
const WEBHOOK_CONFIGS = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
const suffix = Math.random().toString(36).slice(2, 8);

describe('controller: Namespace labels and the pod readiness gate (own process, webhook over TLS)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ctrl: ControllerProcess | undefined;
  let nodes: BackendNode[];
  let certDir: string;
  let webhookName: string | undefined;
  const logFile = join(tmpdir(), `aws-lb-controller-e2e-${process.pid}`, 'readiness-gate.log');
  let ipN = 900;

  const createNamespace = async (prefix: string, labels: Record<string, string> = {}): Promise<string> => {
    const name = `${prefix}-${suffix}`;
    await admin.rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } });
    return name;
  };

  const service = (ns: string, app: string): Promise<Service> => admin.services.create({
    apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns },
    spec: { type: 'NodePort', selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  }, ns);

  const ingress = (ns: string, name: string, opts: { className?: string; service?: string } = {}): Promise<Ingress> => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/target-type': 'ip' } },
    spec: { ingressClassName: opts.className ?? 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: opts.service ?? name, port: { number: 80 } } } }] } }] },
  }, ns);

  const hostnameOf = async (ns: string, name: string): Promise<string | undefined> => (await admin.ingresses.get(name, ns))?.status?.loadBalancer?.ingress?.[0]?.hostname;

  /** the controller's binding for a Service, once its TargetGroupBinding loop has taken it (finalizer = in its cache) */
  const bindingOf = (ns: string, svc: string): Promise<string> => waitFor(`TargetGroupBinding of ${ns}/${svc} taken by the controller`, async () => {
    const tgb = (await admin.targetGroupBindings.list(ns)).items.find((t) => t.spec.serviceRef.name === svc);
    return tgb?.metadata?.finalizers?.includes('elbv2.k8s.aws/resources') ? tgb.metadata.name : undefined;
  });

  const createPod = (ns: string, name: string, labels: Record<string, string>): Promise<Pod> => admin.pods.create({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels },
    spec: { nodeName: nodes[0]?.nodeName ?? '', containers: [{ name: 'app', image: 'registry.invalid/app:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
  } as Pod, ns);

  const gatesOf = (p: Pod): string[] => (p.spec?.readinessGates ?? []).map((g) => g.conditionType);

  before(async function () {
    await standIns(this);
    const s = running();
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    const f = seeded();
    nodes = backendNodes(f);

    const certs = webhookCerts();
    certDir = certs.dir;
    const started = await startWebhookController({ certDir, logFile });
    ctrl = started.ctrl;
    const port = started.port;
    assert.match(readFileSync(logFile, 'utf8'), /"msg":"webhook listening"/);

    webhookName = `e2e-readiness-gate-${suffix}`;
    await admin.rest.request({
      method: 'POST', path: WEBHOOK_CONFIGS, body: {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: webhookName },
        webhooks: [{
          name: 'mpod.elbv2.k8s.aws', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore', timeoutSeconds: 5,
          clientConfig: { url: `https://127.0.0.1:${port}/mutate-v1-pod`, caBundle: certs.caBundle },
          namespaceSelector: { matchLabels: { [INJECT_LABEL]: 'enabled' } },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
        }],
      },
    });
  });

  after(async function () {
    this.timeout(60_000);
    if (webhookName) await admin.rest.request({ method: 'DELETE', path: `${WEBHOOK_CONFIGS}/${webhookName}` }).catch(() => undefined);
    await ctrl?.stop(5_000);
    elbv2?.destroy();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      try { console.error(`--- controller log tail ---\n${readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n')}`); } catch { /* no log */ }
    }
  });

  let teamNs: string;
  let otherNs: string;
  let gatedNs: string;

  it('serves an IngressClassParams namespaceSelector from Namespace labels, and re-checks when the labels change', async () => {
    const cls = `e2e-team-${suffix}`;
    await admin.ingressClassParams.create({
      apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'IngressClassParams', metadata: { name: cls }, spec: { namespaceSelector: { matchLabels: { [TEAM_LABEL]: 'web' } } },
    });
    await admin.ingressClasses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: cls },
      spec: { controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: cls } },
    });
    teamNs = await createNamespace('team', { [TEAM_LABEL]: 'web' });
    otherNs = await createNamespace('other');
    for (const ns of [teamNs, otherNs]) {
      await service(ns, 'web');
      await ingress(ns, 'web', { className: cls });
    }
    await waitFor('the Ingress in the labelled namespace served', () => hostnameOf(teamNs, 'web'));
    const sig = await waitFor('NamespaceNotAllowed on the Ingress in the unlabelled namespace', async () => {
      const s = readReconcileStatus((await admin.ingresses.get('web', otherNs)) as Ingress);
      // (a first FailedBuildModel may say the parameters are not found yet: see the Event below)
      return s?.reason === 'FailedBuildModel' && /does not allow namespace/.test(s.message) ? s : undefined;
    });
    assert.match(sig.message, /does not allow namespace/);
    // each kind has its own watch: under load the Ingress can arrive before its IngressClassParams, and a first
    // FailedBuildModel then says the parameters are not found (the params' arrival requeues it); wait for this one
    const event = await waitFor('Warning Event on it', async () => (await admin.events.list(otherNs, { fieldSelector: 'involvedObject.name=web' })).items
      .find((e) => e.reason === 'FailedBuildModel' && /NamespaceNotAllowed|does not allow namespace/.test(e.message ?? '')));
    assert.equal(event.type, 'Warning');
    assert.match(event.message ?? '', /NamespaceNotAllowed|does not allow namespace/);
    assert.equal(await hostnameOf(otherNs, 'web'), undefined);

    // labelling the namespace lets its Ingress in (nothing else changes: only the Namespace informer can tell)
    const labelledAt = Date.now();
    await admin.rest.request({ method: 'PATCH', path: `/api/v1/namespaces/${otherNs}`, contentType: 'application/merge-patch+json', body: { metadata: { labels: { [TEAM_LABEL]: 'web' } } } });
    await waitFor('the Ingress served after its namespace was labelled', () => hostnameOf(otherNs, 'web'));
    console.log(`      served ${Date.now() - labelledAt} ms after the Namespace label change`);
  });

  it('injects the gate only into matching pods of labelled namespaces, and sets it True once the target is healthy', async () => {
    const ns = gatedNs = await createNamespace('gated', { [INJECT_LABEL]: 'enabled' });
    const svc = await service(ns, 'web');
    await ingress(ns, 'web');
    const tgbName = await bindingOf(ns, 'web');
    const gate = readinessGateType(tgbName);
    // team's binding exists too (its namespace is not labelled for injection)
    await bindingOf(teamNs, 'web');

    const created = await createPod(ns, 'web-0', { app: 'web' });
    assert.deepEqual(created.spec?.readinessGates, [{ conditionType: gate }], 'the webhook added the gate at creation');
    assert.deepEqual(gatesOf(await createPod(ns, 'other-0', { app: 'other' })), [], 'a pod no Service of a binding selects gets none');
    assert.deepEqual(gatesOf(await createPod(teamNs, 'web-x', { app: 'web' })), [], 'a pod in a namespace without the label gets none');

    // the kubelet's part: Running with an IP, containers ready, Ready held back by the gate; the endpoint not ready
    const node = nodes[0] as BackendNode;
    const ip = podIpIn(node.subnetCidr, ipN++);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await admin.pods.mergePatch('web-0', ns, {
      status: {
        phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: now,
        conditions: [['PodScheduled', 'True'], ['Initialized', 'True'], ['ContainersReady', 'True'], ['Ready', 'False']].map(([type, status]) => ({ type, status, lastTransitionTime: now })),
      },
    }, 'status');
    const pod: BackendPod = { name: 'web-0', ip, nodeName: node.nodeName, zone: node.az, uid: created.metadata?.uid ?? '' };
    const started = Date.now();
    await writeEndpointSlice(admin, { namespace: ns, service: svc, pods: [pod], ready: false });
    const cond = await waitFor(`pod condition ${gate} True`, async () => {
      const c = (await admin.pods.get('web-0', ns))?.status?.conditions?.find((x) => x.type === gate);
      return c?.status === 'True' ? c : undefined;
    }, 60_000, 100);
    const ms = Date.now() - started;
    console.log(`      gate ${gate} True ${ms} ms after the pod entered the EndpointSlice (reason ${cond.reason})`);
    assert.equal(cond.reason, 'Elb.Healthy');
    const tgArn = (await admin.targetGroupBindings.get(tgbName, ns))?.spec.targetGroupARN as string;
    const health = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions ?? [];
    assert.deepEqual(health.map((h) => `${h.Target?.Id}:${h.Target?.Port}`), [`${ip}:8080`]);
    assert.equal(gatesOf((await admin.pods.get('web-x', teamNs)) as Pod).length, 0);
  });

  it('never blocks pod creation: with the controller stopped a pod in a labelled namespace is still created', async () => {
    // clean up AWS first, while the controller still runs
    const all = [teamNs, otherNs, gatedNs];
    for (const ns of all) await admin.ingresses.delete('web', ns);
    await waitFor('Ingresses gone (finalizers removed)', async () => (await Promise.all(all.map((ns) => admin.ingresses.get('web', ns)))).every((i) => !i), 120_000);
    await waitFor('bindings gone', async () => (await Promise.all(all.map((ns) => admin.targetGroupBindings.list(ns)))).every((l) => l.items.length === 0), 60_000);
    await (ctrl as ControllerProcess).stop(10_000);
    ctrl = undefined;

    const t0 = Date.now();
    const p = await createPod(gatedNs, 'web-1', { app: 'web' });
    console.log(`      pod created in ${Date.now() - t0} ms with the webhook down`);
    assert.equal(p.metadata?.name, 'web-1');
    assert.deepEqual(gatesOf(p), []);
  });

  it('with --enable-pod-readiness-gate-inject=false the pod webhook mutates nothing (the server stays up for the binding webhooks)', async () => {
    // an ip binding whose Service selects app=web: with injection on, a pod app=web here would get its gate
    await admin.targetGroupBindings.create({
      apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding', metadata: { name: 'would-gate', namespace: gatedNs },
      spec: { targetGroupARN: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/none/0000000000000000', targetType: 'ip', serviceRef: { name: 'web', port: 80 } },
    }, gatedNs);
    const offLog = join(tmpdir(), `aws-lb-controller-e2e-${process.pid}`, 'readiness-gate-off.log');
    const { ctrl: off, port } = await startWebhookController({ certDir, logFile: offLog, extraArgs: ['--enable-pod-readiness-gate-inject=false'] });
    try {
      assert.match(readFileSync(offLog, 'utf8'), /pod webhook disabled by --enable-pod-readiness-gate-inject=false/);
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: gatedNs, labels: { app: 'web' } }, spec: { containers: [] } };
      const answer = await postTls(port, '/mutate-v1-pod', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'off-1', kind: { kind: 'Pod' }, operation: 'CREATE', namespace: gatedNs, object: pod } });
      assert.deepEqual(answer.response, { uid: 'off-1', allowed: true }, 'allowed, no patch');
    } finally {
      await off.stop(5_000);
      await admin.targetGroupBindings.delete('would-gate', gatedNs).catch(() => undefined);
    }
  });

  /** POSTs JSON to the webhook over TLS, trusting the suite's CA */
  const postTls = (port: number, path: string, body: unknown): Promise<{ response: unknown }> => new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: 'POST', ca: readFileSync(join(certDir, 'ca.crt')), headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { response: unknown }); } catch (err) { reject(err); } });
    });
    req.on('error', reject);
    req.end(data);
  });
});
