// create-acm-cert end to end (ADR 0018): the controller (its own process) with the feature gate
// EnableCertificateManagement requests a DNS-validated certificate for the Ingress's hosts, tagged as upstream tags
// it, reports it pending (naming the certificate and its DNS validation record) without blocking, attaches it to the
// HTTPS listener once moto issues it (MOTO_ACM_VALIDATION_WAIT=10 in the shared stand-ins: the controller describes a certificate right after requesting it, well within that), and deletes it after the
// Ingress is deleted. Without the gate, the annotation is refused with an Issue naming the gate. Only this suite's
// certificates (its namespace's stack tag) and load balancers are judged: the stand-ins are shared.
// With --default-pca-arn, an Ingress without acm-pca-arn gets a private certificate from that CA (moto issues it at once).
import assert from 'node:assert/strict';
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ControllerProcess } from '../../src/cli/demo-command.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { createBackend } from './support/backends.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, running, standIns } from './support/stand-ins.ts';

const ANN = 'alb.ingress.kubernetes.io/';

describe('create-acm-cert (own process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  const fleet = suiteControllers('acm');
  let admin: KubeClients;
  let acm: ACMClient;
  let elbv2: ElasticLoadBalancingV2Client;

  const start = (name: string, gates: string[], more: string[] = []): Promise<ControllerProcess> =>
    fleet.start(name, { extraArgs: ['--enable-leader-election=false', ...gates.map((g) => `--feature-gates=${g}`), ...more] });

  const ingress = (ns: string, name: string, host: string, annotations: Record<string, string>): Promise<Ingress> => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { [`${ANN}scheme`]: 'internet-facing', ...annotations } },
    spec: { ingressClassName: 'alb', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  }, ns) as Promise<Ingress>;

  /** this stack's certificates in moto: ARN and tags */
  const certificatesOf = async (stack: string): Promise<{ arn: string; tags: Record<string, string> }[]> => {
    const list = await acm.send(new ListCertificatesCommand({
      CertificateStatuses: ['PENDING_VALIDATION', 'ISSUED', 'FAILED', 'VALIDATION_TIMED_OUT', 'REVOKED', 'EXPIRED', 'INACTIVE'],
    }));
    const out: { arn: string; tags: Record<string, string> }[] = [];
    for (const s of list.CertificateSummaryList ?? []) {
      const tags = Object.fromEntries(((await acm.send(new ListTagsForCertificateCommand({ CertificateArn: s.CertificateArn }))).Tags ?? []).map((t) => [t.Key, t.Value ?? '']));
      if (tags['ingress.k8s.aws/stack'] === stack) out.push({ arn: s.CertificateArn ?? '', tags });
    }
    return out;
  };

  before(async function () {
    await standIns(this);
    admin = createKubeClients({ kubeconfig: running().adminKubeconfigPath });
    acm = new ACMClient({ ...running().aws });
    elbv2 = new ElasticLoadBalancingV2Client({ ...running().aws });
  });

  after(() => {
    acm?.destroy();
    elbv2?.destroy();
  });

  afterEach(() => fleet.stopAll());

  it('without the gate, create-acm-cert is refused with an Issue naming the gate, and nothing is requested', async () => {
    const ns = await freshNamespace('acm-off');
    await createBackend({ namespace: ns, name: 'web', replicas: 1 });
    await start('acm-off', []);
    await ingress(ns, 'shop', 'shop.acm-off.example.com', { [`${ANN}create-acm-cert`]: 'true' });
    const status = await waitFor('FailedBuildModel on shop', async () => {
      const s = readReconcileStatus((await admin.ingresses.get('shop', ns)) as Ingress);
      return s?.reason === 'FailedBuildModel' ? s : undefined;
    });
    assert.match(status.message, /create-acm-cert: requesting ACM certificates is off: start the controller with --feature-gates=EnableCertificateManagement=true/);
    assert.deepEqual(await certificatesOf(`${ns}/shop`), []);
    // gone before the next test starts a controller with the gate on (which would request its certificate)
    await admin.ingresses.delete('shop', ns);
    await waitFor('shop gone', async () => ((await admin.ingresses.get('shop', ns)) ? undefined : true));
  });

  it('with the gate: a certificate is requested, shown pending, attached once ISSUED, and deleted with the Ingress', async () => {
    const ns = await freshNamespace('acm-on');
    const stack = `${ns}/shop`;
    const host = `shop.${ns}.example.com`;
    await createBackend({ namespace: ns, name: 'web', replicas: 1 });
    await start('acm-on', ['EnableCertificateManagement=true']);
    await ingress(ns, 'shop', host, { [`${ANN}create-acm-cert`]: 'true' });

    // requested with upstream's tags, for the Ingress's host, without waiting for issuance
    const [cert] = await waitFor('a certificate for the stack', async () => { const c = await certificatesOf(stack); return c.length > 0 ? c : undefined; });
    assert.ok(cert);
    assert.equal(cert.tags['elbv2.k8s.aws/cluster'], running().clusterName);
    assert.match(cert.tags['ingress.k8s.aws/resource'] ?? '', new RegExp(`^amazon_issued/${host.replaceAll('.', '\\.')}-[0-9a-f]{8}$`));
    // the pending state is reported (Event), with the DNS record ACM validates with
    const events = await waitFor('the pending Event', async () => {
      const list = await admin.events.list(ns, { fieldSelector: 'involvedObject.name=shop' });
      const msgs = list.items.map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
      return msgs.some((m) => m.startsWith('FailedBuildModel') && m.includes('PENDING_VALIDATION')) && msgs.some((m) => m.startsWith('CertificateRequested')) ? msgs : undefined;
    });
    const pending = events.find((m) => m.startsWith('FailedBuildModel') && m.includes('PENDING_VALIDATION')) ?? '';
    assert.ok(pending.includes(cert.arn), pending);
    assert.match(pending, new RegExp(`CNAME \\S+ -> \\S+ \\(for ${host.replaceAll('.', '\\.')}\\)`));

    // attached to the HTTPS listener once moto issues it (the controller re-checks by itself)
    const dns = await waitFor('hostname on shop', async () => (await admin.ingresses.get('shop', ns))?.status?.loadBalancer?.ingress?.[0]?.hostname, 120_000);
    const lb = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers?.find((l) => l.DNSName?.toLowerCase() === dns.toLowerCase());
    assert.ok(lb, `load balancer ${dns}`);
    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    const https = listeners.find((l) => l.Port === 443);
    assert.equal(https?.Protocol, 'HTTPS');
    assert.deepEqual(https?.Certificates?.map((c) => c.CertificateArn), [cert.arn]);

    // deleted after the Ingress is (and not before its listener is gone)
    await admin.ingresses.delete('shop', ns);
    await waitFor('the Ingress gone', async () => ((await admin.ingresses.get('shop', ns)) ? undefined : true), 120_000);
    await waitFor('the certificate deleted', async () => ((await certificatesOf(stack)).length === 0 ? true : undefined), 60_000);
    assert.equal((await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers?.some((l) => l.LoadBalancerArn === lb.LoadBalancerArn), false);
  });

  it('--default-pca-arn: an Ingress without acm-pca-arn gets a private certificate from that CA (RequestCertificate CertificateAuthorityArn)', async () => {
    const ns = await freshNamespace('acm-pca');
    const stack = `${ns}/shop`;
    const host = `shop.${ns}.example.com`;
    const ca = `arn:aws:acm-pca:${running().region}:123456789012:certificate-authority/0a1b2c3d-0000-4000-8000-0123456789ab`;
    await createBackend({ namespace: ns, name: 'web', replicas: 1 });
    await start('acm-pca', ['EnableCertificateManagement=true'], [`--default-pca-arn=${ca}`]);
    await ingress(ns, 'shop', host, { [`${ANN}create-acm-cert`]: 'true' });

    const [cert] = await waitFor('a certificate for the stack', async () => { const c = await certificatesOf(stack); return c.length > 0 ? c : undefined; });
    assert.ok(cert);
    assert.match(cert.tags['ingress.k8s.aws/resource'] ?? '', new RegExp(`^private/${host.replaceAll('.', '\\.')}-[0-9a-f]{8}$`));
    const described = (await acm.send(new DescribeCertificateCommand({ CertificateArn: cert.arn }))).Certificate;
    assert.equal(described?.CertificateAuthorityArn, ca);
    assert.equal(described?.Type, 'PRIVATE');
    assert.equal(described?.DomainName, host);

    await admin.ingresses.delete('shop', ns);
    await waitFor('the Ingress gone', async () => ((await admin.ingresses.get('shop', ns)) ? undefined : true), 120_000);
    await waitFor('the certificate deleted', async () => ((await certificatesOf(stack)).length === 0 ? true : undefined), 60_000);
  });
});
