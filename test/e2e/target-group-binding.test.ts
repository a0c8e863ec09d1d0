// TargetGroupBinding admission and ownership, end to end: the controller as its own process (controller user's
// RBAC) serving the TargetGroupBinding webhooks over TLS on 127.0.0.1, registered with the real kube-apiserver
// (MutatingWebhookConfiguration + ValidatingWebhookConfiguration, url + caBundle, failurePolicy Fail) for the
// namespaces labelled for this suite only; other namespaces have no webhook, as with the webhook turned off.
//
//   1. an Ingress's own binding goes through the webhooks; a binding of its target group from another namespace
//      (stack labels forged) is denied by them;
//   2. the same binding where no webhook runs is refused by the controller: Warning Event, Ready=False, no
//      RegisterTargets / DeregisterTargets call, the Ingress's targets untouched;
//   3. a hand-made target group found by name: refused until claimed, then registered, and a networking rule
//      without ports opens only the NodePort on the node security group;
//   4. the mutating webhook resolves targetGroupName and fills the defaults; a second binding of the same target
//      group and a change of targetType are denied;
//   5. a multi-cluster binding (ADR 20) leaves a target "another cluster" registered alone while its own targets
//      move and when it is deleted, recording its own in upstream's ConfigMap.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateTargetGroupCommand, DeleteTargetGroupCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ControllerProcess } from '../../src/cli/demo-command.ts';
import { type KubeClients } from '../../src/k8s/client.ts';
import type { Service, TargetGroupBinding } from '../../src/k8s/types.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { CLAIM_ANNOTATION } from '../../src/targets/binding-policy.ts';
import { NETWORKING_RULE_DESCRIPTION } from '../../src/targets/networking.ts';
import { seeded, suiteClients } from './support/stand-ins.ts';
import { startWebhookController, webhookCerts } from './support/webhook.ts';

const GUARD_LABEL = 'e2e.aws-lb-controller/tgb-webhook';
const MUTATING = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
const VALIDATING = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const suffix = Math.random().toString(36).slice(2, 8);

describe('controller: TargetGroupBinding admission and ownership (own process, webhooks over TLS)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ctrl: ControllerProcess | undefined;
  let certDir: string;
  let webhookName: string | undefined;
  const created = { targetGroups: [] as string[], securityGroups: [] as string[], namespaces: [] as string[], instances: [] as string[] };
  const logFile = join(tmpdir(), `aws-lb-controller-e2e-${process.pid}`, 'target-group-binding.log');
  let teamA: string;
  let teamB: string;
  let open: string;

  const createNamespace = async (prefix: string, guarded: boolean): Promise<string> => {
    const name = `${prefix}-${suffix}`;
    await admin.rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: guarded ? { [GUARD_LABEL]: suffix } : {} } } });
    created.namespaces.push(name);
    return name;
  };
  const service = (ns: string, name = 'web'): Promise<Service> => admin.services.create({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { type: 'NodePort', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  }, ns);
  const binding = (ns: string, name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): TargetGroupBinding => ({
    apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding', metadata: { name, namespace: ns, ...meta },
    spec: { serviceRef: { name: 'web', port: 80 }, ...spec },
  } as TargetGroupBinding);
  const warning = (ns: string, name: string, reason: string) => waitFor(`Warning ${reason} on ${ns}/${name}`, async () =>
    (await admin.events.list(ns, { fieldSelector: `involvedObject.name=${name}` })).items.find((e) => e.reason === reason && e.type === 'Warning'));
  const targetsOf = async (arn: string): Promise<string[]> =>
    ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? []).map((h) => `${h.Target?.Id}:${h.Target?.Port}`).sort();
  const handMadeTargetGroup = async (name: string): Promise<string> => {
    const out = await elbv2.send(new CreateTargetGroupCommand({ Name: `${name}-${suffix}`, Protocol: 'HTTP', Port: 80, VpcId: seeded().vpcId, TargetType: 'instance' }));
    const arn = out.TargetGroups?.[0]?.TargetGroupArn as string;
    created.targetGroups.push(arn);
    return arn;
  };
  const nodeTargets = (nodePort: number): string[] => seeded().nodes.map((n) => `${n.instanceId}:${nodePort}`).sort();
  /**
   * target writes the controller made for the forged bindings (all named `grab`), from its log: every
   * registration or deregistration of a binding's targets is logged with the binding's name. (Its AWS call
   * metrics cannot tell: the controller also serves the bindings other suites left in the shared cluster.)
   */
  const writes = async (): Promise<number> => {
    let n = 0;
    for (const line of readFileSync(logFile, 'utf8').split('\n')) {
      if (!line.includes('/grab"')) continue;
      const e = JSON.parse(line) as { msg?: string; registered?: number; deregistered?: number };
      if (e.msg === 'targets reconciled') n += (e.registered ?? 0) + (e.deregistered ?? 0);
      if (e.msg === 'binding cleaned up') n += 1;
    }
    return n;
  };
  const rejection = async (what: Promise<unknown>): Promise<string> => {
    try {
      await what;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    throw new Error('the apiserver accepted it');
  };

  before(async function () {
    ({ admin, elbv2, ec2 } = await suiteClients(this));

    const certs = webhookCerts();
    certDir = certs.dir;
    const started = await startWebhookController({ certDir, logFile });
    ctrl = started.ctrl;
    const port = started.port;

    webhookName = `e2e-tgb-${suffix}`;
    const hook = (name: string, path: string) => ({
      name, admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail', timeoutSeconds: 10,
      clientConfig: { url: `https://127.0.0.1:${port}${path}`, caBundle: certs.caBundle },
      namespaceSelector: { matchLabels: { [GUARD_LABEL]: suffix } },
      rules: [{ apiGroups: ['elbv2.k8s.aws'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['targetgroupbindings'], scope: 'Namespaced' }],
    });
    await admin.rest.request({ method: 'POST', path: MUTATING, body: {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: webhookName },
      webhooks: [hook('mtargetgroupbinding.elbv2.k8s.aws', '/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding')],
    } });
    await admin.rest.request({ method: 'POST', path: VALIDATING, body: {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: webhookName },
      webhooks: [hook('vtargetgroupbinding.elbv2.k8s.aws', '/validate-elbv2-k8s-aws-v1beta1-targetgroupbinding')],
    } });
    teamA = await createNamespace('tgb-team-a', true);
    teamB = await createNamespace('tgb-team-b', true);
    open = await createNamespace('tgb-open', false);
  });

  after(async function () {
    this.timeout(180_000);
    try {
      // the controller deregisters and lets the bindings go while it still runs
      for (const ns of created.namespaces) for (const i of (await admin.ingresses.list(ns)).items) await admin.ingresses.delete(i.metadata?.name ?? '', ns);
      for (const ns of created.namespaces) for (const b of (await admin.targetGroupBindings.list(ns)).items) await admin.targetGroupBindings.delete(b.metadata?.name ?? '', ns);
      await waitFor('Ingresses and bindings gone', async () => {
        for (const ns of created.namespaces) if ((await admin.ingresses.list(ns)).items.length + (await admin.targetGroupBindings.list(ns)).items.length > 0) return false;
        return true;
      }, 150_000);
    } finally {
      if (webhookName) {
        await admin.rest.request({ method: 'DELETE', path: `${MUTATING}/${webhookName}` }).catch(() => undefined);
        await admin.rest.request({ method: 'DELETE', path: `${VALIDATING}/${webhookName}` }).catch(() => undefined);
      }
      await ctrl?.stop(10_000);
      for (const arn of created.targetGroups) await elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })).catch(() => undefined);
      for (const id of created.securityGroups) await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })).catch(() => undefined);
      if (created.instances.length > 0) await ec2.send(new TerminateInstancesCommand({ InstanceIds: created.instances })).catch(() => undefined);
      elbv2?.destroy();
      ec2?.destroy();
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    }
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      try { console.error(`--- controller log tail ---\n${readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n')}`); } catch { /* no log */ }
    }
  });

  let stackArn = '';
  let stackTargets: string[] = [];
  /** the binding team-b forges: team-a's stack labels, the claim, team-a's target group */
  const forged = (ns: string): TargetGroupBinding => binding(ns, 'grab', { targetGroupARN: stackArn, targetType: 'instance' }, {
    labels: { 'ingress.k8s.aws/stack-namespace': teamA, 'ingress.k8s.aws/stack-name': 'web' }, annotations: { [CLAIM_ANNOTATION]: 'true' },
  });

  it('lets an Ingress\'s own binding through the webhooks, and denies another namespace\'s binding of its target group', async () => {
    const svc = await service(teamA);
    const nodePort = svc.spec?.ports?.[0]?.nodePort as number;
    await admin.ingresses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name: 'web', namespace: teamA, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/target-type': 'instance' } },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    }, teamA);
    const own = await waitFor('the Ingress\'s binding, created through the webhooks and taken by the controller', async () => {
      const b = (await admin.targetGroupBindings.list(teamA)).items.find((t) => t.spec.serviceRef.name === 'web');
      return b?.status?.targetGroupARN ? b : undefined;
    }, 120_000);
    stackArn = own.spec.targetGroupARN as string;
    assert.equal(own.status?.targetGroupARN, stackArn);
    assert.equal(own.spec.targetGroupProtocol, 'HTTP', 'the mutating webhook filled in the protocol the Ingress controller leaves out');
    stackTargets = await waitFor('the Ingress\'s targets registered', async () => {
      const t = await targetsOf(stackArn);
      return t.length === seeded().nodes.length ? t : undefined;
    });
    assert.deepEqual(stackTargets, nodeTargets(nodePort));

    const before = await writes();
    const t0 = Date.now();
    const message = await rejection(admin.targetGroupBindings.create(forged(teamB), teamB));
    console.log(`      denied in ${Date.now() - t0} ms: ${message.slice(0, 200)}`);
    assert.match(message, /vtargetgroupbinding\.elbv2\.k8s\.aws/);
    assert.match(message, /spec\.targetGroupARN: target group .* was made for "[^"]*\/web-web:80"/);
    assert.equal(await admin.targetGroupBindings.get('grab', teamB), undefined);
    assert.equal(await writes(), before);
    assert.deepEqual(await targetsOf(stackArn), stackTargets);
  });

  it('refuses the same binding in a namespace without the webhook: Event, Ready=False, no target write', async () => {
    await service(open);
    const before = await writes();
    await admin.targetGroupBindings.create(forged(open), open);
    const event = await warning(open, 'grab', 'TargetGroupOfOtherStack');
    console.log(`      Event ${event.reason}: ${event.message?.slice(0, 160)}`);
    assert.match(event.message ?? '', /^spec\.targetGroupARN: target group /);
    const stored = await waitFor('Ready=False on the binding', async () => {
      const b = await admin.targetGroupBindings.get('grab', open);
      return b?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False') ? b : undefined;
    });
    assert.equal(stored.metadata?.finalizers, undefined, 'no finalizer: nothing to clean up');
    assert.equal(stored.status?.targetGroupARN, undefined);
    assert.equal(await writes(), before, 'no RegisterTargets / DeregisterTargets');
    assert.deepEqual(await targetsOf(stackArn), stackTargets, 'the Ingress\'s targets are untouched');
    await admin.targetGroupBindings.delete('grab', open);
    await waitFor('the refused binding gone', async () => !(await admin.targetGroupBindings.get('grab', open)));
    assert.equal(await writes(), before, 'deleting it deregisters nothing');
    assert.deepEqual(await targetsOf(stackArn), stackTargets);
  });

  it('binds a hand-made target group by name once claimed, opening only the NodePort for a rule without ports', async () => {
    const nodePort = (await admin.services.get('web', open))?.spec?.ports?.[0]?.nodePort as number;
    const arn = await handMadeTargetGroup('e2e-hand');
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: `e2e-tgb-src-${suffix}`, Description: 'stands in for an ALB security group', VpcId: seeded().vpcId }))).GroupId as string;
    created.securityGroups.push(sg);
    const rulesFrom = async (): Promise<string[]> => {
      const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [seeded().nodeSecurityGroupId] }));
      return (out.SecurityGroups?.[0]?.IpPermissions ?? []).flatMap((p) => (p.UserIdGroupPairs ?? [])
        .filter((g) => g.GroupId === sg).map((g) => `${p.IpProtocol}/${p.FromPort}-${p.ToPort} ${g.Description ?? ''}`));
    };

    await admin.targetGroupBindings.create(binding(open, 'hand', {
      targetGroupName: `e2e-hand-${suffix}`,
      networking: { ingress: [{ from: [{ securityGroup: { groupID: sg } }], ports: [] }] },
    }), open);
    const refused = await warning(open, 'hand', 'TargetGroupNotClaimed');
    assert.match(refused.message ?? '', new RegExp(`kubectl annotate targetgroupbinding -n ${open} hand ${CLAIM_ANNOTATION.replace(/\//g, '\\/')}=true`));
    assert.deepEqual(await targetsOf(arn), []);
    assert.deepEqual(await rulesFrom(), []);

    await admin.targetGroupBindings.mergePatch('hand', open, { metadata: { annotations: { [CLAIM_ANNOTATION]: 'true' } } });
    await waitFor('the nodes registered on the NodePort', async () => JSON.stringify(await targetsOf(arn)) === JSON.stringify(nodeTargets(nodePort)));
    const rules = await waitFor('the rule on the node security group', async () => { const r = await rulesFrom(); return r.length > 0 ? r : undefined; });
    console.log(`      rules from ${sg} on the node group: ${rules.join(', ')}`);
    assert.deepEqual(rules, [`tcp/${nodePort}-${nodePort} ${NETWORKING_RULE_DESCRIPTION}`], 'the NodePort only, never 0-65535');
    const stored = await admin.targetGroupBindings.get('hand', open);
    assert.equal(stored?.status?.targetGroupARN, arn, 'the target group found by name is recorded');
    assert.equal(stored?.spec.targetGroupARN, undefined, 'the controller does not write the spec');

    await admin.targetGroupBindings.delete('hand', open);
    await waitFor('binding gone (targets deregistered, rule revoked)', async () => !(await admin.targetGroupBindings.get('hand', open)), 60_000);
    assert.deepEqual(await targetsOf(arn), []);
    assert.deepEqual(await rulesFrom(), []);
  });

  it('resolves targetGroupName in the mutating webhook; denies a second binding and a change of targetType', async () => {
    const svc = await service(teamB);
    const nodePort = svc.spec?.ports?.[0]?.nodePort as number;
    const arn = await handMadeTargetGroup('e2e-named');
    const stored = await admin.targetGroupBindings.create(binding(teamB, 'named', { targetGroupName: `e2e-named-${suffix}` }, { annotations: { [CLAIM_ANNOTATION]: 'true' } }), teamB);
    assert.equal(stored.spec.targetGroupARN, arn);
    assert.deepEqual([stored.spec.targetType, stored.spec.ipAddressType, stored.spec.vpcID, stored.spec.targetGroupProtocol], ['instance', 'ipv4', seeded().vpcId, 'HTTP']);
    await waitFor('the nodes registered', async () => JSON.stringify(await targetsOf(arn)) === JSON.stringify(nodeTargets(nodePort)));

    const second = await rejection(admin.targetGroupBindings.create(binding(teamA, 'again', { targetGroupARN: arn, targetType: 'instance' }, { annotations: { [CLAIM_ANNOTATION]: 'true' } }), teamA));
    assert.match(second, new RegExp(`already bound by TargetGroupBinding ${teamB}/named`));
    const change = await rejection(admin.targetGroupBindings.mergePatch('named', teamB, { spec: { targetType: 'ip' } }));
    assert.match(change, /spec\.targetType: cannot change/);
  });
  it('multi-cluster: another cluster\'s target survives our syncs while our targets move, and our deletion', async () => {
    const nodePortOf = async (): Promise<number> => (await admin.services.get('mc', open))?.spec?.ports?.[0]?.nodePort as number;
    await service(open, 'mc');
    const firstPort = await nodePortOf();
    const arn = await handMadeTargetGroup('e2e-mc');
    // "another cluster" registered a node of its own in the shared target group (moto keys targets by ID, so
    // another instance than ours)
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, SubnetId: seeded().nodes[0]?.subnetId }));
    const otherId = run.Instances?.[0]?.InstanceId as string;
    created.instances.push(otherId);
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: otherId, Port: 31999 }] }));
    const other = `${otherId}:31999`;
    const expect = (port: number): string => JSON.stringify([...nodeTargets(port), other].sort());
    const record = async (): Promise<string | undefined> => (await admin.configMaps.get('aws-lbc-targets-mc', open))?.data?.targets;

    await admin.targetGroupBindings.create(binding(open, 'mc', { targetGroupARN: arn, targetType: 'instance', multiClusterTargetGroup: true, serviceRef: { name: 'mc', port: 80 } },
      { annotations: { [CLAIM_ANNOTATION]: 'true' } }), open);
    await waitFor('our nodes registered next to the other cluster\'s target', async () => JSON.stringify(await targetsOf(arn)) === expect(firstPort), 60_000);
    assert.equal(await record(), nodeTargets(firstPort).join(','), 'upstream\'s ConfigMap records only our targets');

    // our targets move: the Service is recreated with another NodePort
    await admin.services.delete('mc', open);
    await waitFor('the Service gone', async () => !(await admin.services.get('mc', open)));
    await service(open, 'mc');
    const secondPort = await nodePortOf();
    assert.notEqual(secondPort, firstPort);
    await waitFor('our targets moved to the new NodePort, the other cluster\'s target still there', async () => JSON.stringify(await targetsOf(arn)) === expect(secondPort), 60_000);
    assert.equal(await record(), nodeTargets(secondPort).join(','));

    await admin.targetGroupBindings.delete('mc', open);
    await waitFor('the binding gone', async () => !(await admin.targetGroupBindings.get('mc', open)), 60_000);
    assert.deepEqual(await targetsOf(arn), [other], 'deleting our binding deregistered ours only');
    assert.equal(await record(), undefined, 'and its record');
  });
});
