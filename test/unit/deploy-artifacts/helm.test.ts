// The Helm chart: `helm lint` and `helm template` with the defaults and with every optional feature on,
// and the rendered objects checked for what matters (RBAC from the shared rules file, webhook + TLS,
// security context, probes, flags the controller actually accepts). helm comes from scripts/helm.sh
// (PATH, or built once from its Go module into ~/.cache/aws-lb-controller).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../src/config/index.ts';
import { readLeaderElectionRules, readOidcSecretRules } from '../../../src/stand-ins/kube.ts';
import { standInKubernetesVersion } from '../../../src/stand-ins/provision.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CHART = path.join(ROOT, 'helm/aws-lb-controller');
const ALL_FEATURES = path.join(ROOT, 'test/fixtures/helm/all-features.yaml');
const NS = 'kube-system';
const RELEASE = 'aws-lb-controller';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

let helm = '';

// the chart requires a Kubernetes version, and the one helm assumes depends on how it was built (a plain
// `go install` assumes v1.20): say which one, the stand-ins' own
const KUBE_VERSION = ['--kube-version', standInKubernetesVersion()];

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const withVersion = args[0] === 'template' || args[0] === 'lint' ? [...args, ...KUBE_VERSION] : args;
  const r = spawnSync(helm, withVersion, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function template(...extra: string[]): Obj[] {
  const r = run(['template', RELEASE, CHART, '--namespace', NS, ...extra]);
  assert.equal(r.code, 0, `helm template failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj | null).filter((o): o is Obj => o !== null && typeof o === 'object');
}

const all = (objs: Obj[], kind: string): Obj[] => objs.filter((o) => o.kind === kind);
function one(objs: Obj[], kind: string): Obj {
  const found = all(objs, kind);
  assert.equal(found.length, 1, `exactly one ${kind}, got ${found.length}`);
  return found[0] as Obj;
}
const container = (objs: Obj[]): Obj => one(objs, 'Deployment').spec.template.spec.containers[0];
const args = (objs: Obj[]): string[] => container(objs).args;
const flag = (objs: Obj[], name: string): string | undefined =>
  args(objs).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** does a label selector (matchLabels + matchExpressions) select these labels? */
function selects(selector: Obj, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && ((e.values ?? []) as string[]).includes(labels[e.key] as string);
    const ok = { In: inValues, NotIn: !inValues, Exists: has, DoesNotExist: !has }[e.operator as string];
    if (!ok) return false;
  }
  return true;
}

function portNumber(c: Obj, port: string | number): number {
  if (typeof port === 'number') return port;
  const p = (c.ports as Obj[]).find((x) => x.name === port);
  assert.ok(p, `container port named ${port}`);
  return p.containerPort;
}

describe('deploy artifacts: Helm chart', function () {
  this.timeout(120_000);

  before(function () {
    this.timeout(45 * 60_000); // the first run builds helm from source
    const started = Date.now();
    const r = spawnSync('bash', [path.join(ROOT, 'scripts/helm.sh')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `scripts/helm.sh failed:\n${r.stderr}`);
    helm = r.stdout.trim().split('\n').at(-1) ?? '';
    const version = run(['version', '--short']).stdout.trim();
    console.log(`      helm: ${helm} (${version}), ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  describe('lint', () => {
    it('passes with the defaults (+ clusterName)', () => {
      const r = run(['lint', CHART, '--strict', '--set', 'clusterName=demo']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    it('passes with every optional feature on', () => {
      const r = run(['lint', CHART, '--strict', '-f', ALL_FEATURES]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });
  });

  describe('values validation', () => {
    it('refuses to render without clusterName, and says how to fix it', () => {
      const r = run(['template', RELEASE, CHART, '--namespace', NS]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /clusterName is required/);
    });

    it('rejects values outside the schema', () => {
      for (const bad of ['podMutatorWebhookConfig.failurePolicy=Sometimes', 'defaultTargetType=pod', 'replicaCount=0', 'logLevel=verbose', 'disableIngressGroupNameAnnotation=maybe']) {
        const r = run(['template', RELEASE, CHART, '--namespace', NS, '--set', 'clusterName=demo', '--set', bad]);
        assert.notEqual(r.code, 0, `${bad} was accepted`);
        assert.match(r.stderr, /schema/i, bad);
      }
    });
  });

  it('renders NOTES.txt with the install checks and the IAM hint', () => {
    // helm template skips NOTES.txt: render it as a named template in a copy of the chart
    const dir = mkdtempSync(path.join(tmpdir(), 'alb-notes-'));
    try {
      cpSync(CHART, `${dir}/c`, { recursive: true });
      const notes = readFileSync(`${dir}/c/templates/NOTES.txt`, 'utf8');
      writeFileSync(`${dir}/c/templates/_notes.tpl`, `{{- define "test.notes" -}}\n${notes}{{- end }}\n`);
      writeFileSync(`${dir}/c/templates/notes.yaml`, 'notes: |\n{{ include "test.notes" . | indent 2 }}\n');
      const show = (...extra: string[]): string => {
        const r = run(['template', RELEASE, `${dir}/c`, '--namespace', NS, '--show-only', 'templates/notes.yaml', ...extra]);
        assert.equal(r.code, 0, r.stderr);
        return (parse(r.stdout) as { notes: string }).notes;
      };
      const plain = show('--set', 'clusterName=demo');
      assert.match(plain, /rollout status deployment\/aws-lb-controller/);
      assert.match(plain, /create-pod-identity-association --cluster-name demo/);
      assert.match(plain, /kubectl annotate targetgroupbinding -n <ns> <name> elbv2\.k8s\.aws\/claim-target-group=true/);
      assert.match(plain, /webhooks fail closed \(failurePolicy Fail\)/);
      assert.match(show('-f', ALL_FEATURES), /IRSA role: arn:aws:iam::111122223333:role\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('defaults', () => {
    let objs: Obj[];
    before(() => { objs = template('--set', 'clusterName=demo'); });

    it('renders the expected objects', () => {
      const kinds = objs.map((o) => o.kind).sort();
      assert.deepEqual(kinds, [
        'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'IngressClass', 'MutatingWebhookConfiguration',
        'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount', 'ValidatingWebhookConfiguration',
      ]);
      for (const o of objs.filter((x) => !['ClusterRole', 'ClusterRoleBinding', 'IngressClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].includes(x.kind))) {
        assert.equal(o.metadata.namespace, NS, `${o.kind} ${o.metadata.name} in the release namespace`);
      }
    });

    it('renders the ClusterRole rules from files/clusterrole-rules.yaml, bound to the ServiceAccount', () => {
      const rules = parse(readFileSync(path.join(CHART, 'files/clusterrole-rules.yaml'), 'utf8')) as unknown;
      assert.ok(Array.isArray(rules) && rules.length > 0);
      const role = one(objs, 'ClusterRole');
      assert.deepEqual(role.rules, rules);
      const binding = one(objs, 'ClusterRoleBinding');
      const sa = one(objs, 'ServiceAccount');
      assert.equal(binding.roleRef.name, role.metadata.name);
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: NS }]);
      assert.equal(one(objs, 'Deployment').spec.template.spec.serviceAccountName, sa.metadata.name);
    });

    it('renders the leader-election Role from files/leader-election-rules.yaml, for the Lease the controller is told to use', () => {
      const role = one(objs, 'Role');
      const id = flag(objs, 'leader-election-id');
      assert.equal(id, 'aws-load-balancer-controller-leader');
      assert.equal(flag(objs, 'leader-election-namespace'), NS);
      assert.equal(role.metadata.namespace, NS);
      // the same rules the stand-ins bind to the end-to-end controller user
      assert.deepEqual(role.rules, readLeaderElectionRules(id));
      assert.deepEqual(role.rules.filter((r: Obj) => !r.resourceNames).flatMap((r: Obj) => r.verbs), ['create'], 'only create is unnamed');
      assert.deepEqual(role.rules.flatMap((r: Obj) => r.resourceNames ?? []), [id]);
      const binding = one(objs, 'RoleBinding');
      assert.equal(binding.metadata.namespace, NS);
      assert.equal(binding.roleRef.name, role.metadata.name);
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: one(objs, 'ServiceAccount').metadata.name, namespace: NS }]);
    });

    it('names another Lease in the Role, the flag and nowhere else when leaderElection.id changes; no Role without leader election', () => {
      const custom = template('--set', 'clusterName=demo', '--set', 'leaderElection.id=team-a-lbc');
      assert.equal(flag(custom, 'leader-election-id'), 'team-a-lbc');
      assert.deepEqual(one(custom, 'Role').rules, readLeaderElectionRules('team-a-lbc'));
      const off = template('--set', 'clusterName=demo', '--set', 'leaderElection.enabled=false');
      assert.equal(all(off, 'Role').length, 0);
      assert.equal(all(off, 'RoleBinding').length, 0);
      assert.ok(args(off).includes('--enable-leader-election=false'));
      assert.ok(all(off, 'ClusterRole').length === 1, 'the ClusterRole stays');
    });

    it('renders a Role and RoleBinding per oidcSecrets entry: get on that one Secret, in its namespace (ADR 0014); none by default', () => {
      assert.equal(all(objs, 'Role').filter((r) => r.metadata.name.includes('-oidc-')).length, 0);
      const granted = template('--set', 'clusterName=demo', '--set', 'oidcSecrets[0].namespace=team-a', '--set', 'oidcSecrets[0].name=oidc-client',
        '--set', 'oidcSecrets[1].namespace=team-b', '--set', 'oidcSecrets[1].name=idp');
      const roles = all(granted, 'Role').filter((r) => r.metadata.name.includes('-oidc-'));
      assert.deepEqual(roles.map((r) => [r.metadata.namespace, r.rules]), [['team-a', readOidcSecretRules('oidc-client')], ['team-b', readOidcSecretRules('idp')]]);
      assert.deepEqual(readOidcSecretRules('x'), [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['x'], verbs: ['get'] }]);
      const bindings = all(granted, 'RoleBinding').filter((r) => r.metadata.name.includes('-oidc-'));
      assert.deepEqual(bindings.map((b) => [b.metadata.namespace, b.roleRef.name, b.subjects]), roles.map((r) =>
        [r.metadata.namespace, r.metadata.name, [{ kind: 'ServiceAccount', name: one(granted, 'ServiceAccount').metadata.name, namespace: NS }]]));
    });

    it('runs 2 replicas, hardened, with probes on the health port and soft anti-affinity on hostname', () => {
      const deploy = one(objs, 'Deployment');
      const pod = deploy.spec.template.spec;
      const c = container(objs);
      assert.equal(deploy.spec.replicas, 2);
      assert.equal(pod.priorityClassName, 'system-cluster-critical');
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(c.securityContext.runAsNonRoot, true);
      assert.ok(c.securityContext.runAsUser > 0);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
      assert.equal(c.securityContext.seccompProfile.type, 'RuntimeDefault');
      assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
      assert.equal(c.livenessProbe.httpGet.path, '/healthz');
      assert.equal(c.readinessProbe.httpGet.path, '/readyz');
      assert.equal(portNumber(c, c.livenessProbe.httpGet.port), 61779);
      assert.equal(portNumber(c, c.readinessProbe.httpGet.port), 61779);
      assert.equal(flag(objs, 'health-probe-bind-addr'), ':61779');
      const term = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
      assert.equal(term.topologyKey, 'kubernetes.io/hostname');
      assert.ok(selects(term.labelSelector, deploy.spec.template.metadata.labels));
      assert.equal(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, undefined, 'soft, not required');
    });

    it('passes flags the controller accepts: run --cluster-name=demo --ingress-class=alb ...', () => {
      const a = args(objs);
      assert.equal(a[0], 'run');
      assert.ok(a.includes('--cluster-name=demo'));
      assert.ok(a.includes('--ingress-class=alb'));
      assert.ok(a.includes('--enable-leader-election=true'));
      for (const unset of ['aws-region', 'aws-vpc-id', 'default-tags', 'feature-gates', 'sync-period', 'watch-namespace', 'aws-api-endpoints', 'default-ssl-policy', 'enable-pod-readiness-gate-inject',
        'disable-ingress-class-annotation', 'disable-ingress-group-name-annotation', 'drift-check-budget', 'drift-check-interval',
        'max-rules-per-load-balancer', 'max-listeners-per-load-balancer', 'max-certificates-per-load-balancer', 'max-inbound-rules-per-security-group']) {
        assert.equal(flag(objs, unset), undefined, `--${unset} only when set`);
      }
      const parsed = parseConfig(a.slice(1), { POD_NAMESPACE: NS, POD_NAME: 'x' });
      assert.ok('config' in parsed, `controller rejects the chart's flags: ${'errors' in parsed ? parsed.errors.join('; ') : ''}`);
      assert.equal(parsed.config.clusterName, 'demo');
    });

    it('serves the pod readiness-gate webhook over chart-generated TLS', () => {
      const hook = one(objs, 'MutatingWebhookConfiguration');
      assert.deepEqual(hook.webhooks.map((x: Obj) => x.name), ['mpod.elbv2.k8s.aws', 'mtargetgroupbinding.elbv2.k8s.aws', 'mservice.elbv2.k8s.aws']);
      const w = hook.webhooks[0];
      assert.equal(w.name, 'mpod.elbv2.k8s.aws');
      assert.equal(w.failurePolicy, 'Ignore');
      assert.equal(w.sideEffects, 'None');
      assert.deepEqual(w.admissionReviewVersions, ['v1']);
      assert.deepEqual(w.rules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }]);
      assert.equal(w.clientConfig.service.path, '/mutate-v1-pod');
      assert.ok(selects(w.namespaceSelector, { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' }));
      assert.ok(!selects(w.namespaceSelector, {}), 'only namespaces that opt in');
      const deploy = one(objs, 'Deployment');
      assert.ok(!selects(w.objectSelector, deploy.spec.template.metadata.labels), "excludes the controller's own pods");
      assert.ok(selects(w.objectSelector, { app: 'web' }), 'selects other pods');

      const svc = all(objs, 'Service').find((s) => s.metadata.name === w.clientConfig.service.name);
      assert.ok(svc, 'the webhook Service exists');
      assert.equal(w.clientConfig.service.namespace, NS);
      assert.equal(w.clientConfig.service.port, 443);
      assert.equal(svc.spec.ports[0].port, 443);
      assert.equal(portNumber(container(objs), svc.spec.ports[0].targetPort), 9443);
      assert.ok(selects({ matchLabels: svc.spec.selector }, deploy.spec.template.metadata.labels));

      const secret = one(objs, 'Secret');
      assert.equal(secret.type, 'kubernetes.io/tls');
      const vol = deploy.spec.template.spec.volumes.find((v: Obj) => v.secret);
      assert.equal(vol.secret.secretName, secret.metadata.name);
      const mount = container(objs).volumeMounts.find((m: Obj) => m.name === vol.name);
      assert.equal(mount.mountPath, flag(objs, 'webhook-cert-dir'));
      const pem = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
      assert.equal(w.clientConfig.caBundle, secret.data['ca.crt'], 'caBundle is the CA in the Secret');
      const ca = new X509Certificate(pem(w.clientConfig.caBundle));
      const cert = new X509Certificate(pem(secret.data['tls.crt']));
      assert.ok(cert.verify(ca.publicKey), 'the serving certificate is signed by the caBundle CA');
      assert.equal(cert.checkHost(`${svc.metadata.name}.${NS}.svc`), `${svc.metadata.name}.${NS}.svc`);
      assert.match(pem(secret.data['tls.key']), /PRIVATE KEY/);
    });

    it('serves the Service webhook: sets the class on LoadBalancer Services, fails open, never its own Services', () => {
      const w = one(objs, 'MutatingWebhookConfiguration').webhooks.find((x: Obj) => x.name === 'mservice.elbv2.k8s.aws');
      assert.equal(w.clientConfig.service.path, '/mutate-v1-service');
      assert.equal(w.failurePolicy, 'Ignore');
      assert.deepEqual(w.rules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'], scope: 'Namespaced' }]);
      assert.ok(!selects(w.objectSelector, one(objs, 'Deployment').spec.template.metadata.labels));
      assert.equal(w.clientConfig.caBundle, one(objs, 'MutatingWebhookConfiguration').webhooks[0].clientConfig.caBundle);
      assert.equal(flag(objs, 'enable-service-mutator-webhook'), undefined, 'on by default in the controller too');
      const off = template('--set', 'clusterName=demo', '--set', 'enableServiceMutatorWebhook=false');
      assert.equal(flag(off, 'enable-service-mutator-webhook'), 'false');
      assert.deepEqual(one(off, 'MutatingWebhookConfiguration').webhooks.map((x: Obj) => x.name), ['mpod.elbv2.k8s.aws', 'mtargetgroupbinding.elbv2.k8s.aws']);
      const noServices = template('--set', 'clusterName=demo', '--set', 'enableServiceController=false');
      assert.equal(flag(noServices, 'enable-service-controller'), 'false');
      assert.deepEqual(one(noServices, 'MutatingWebhookConfiguration').webhooks.map((x: Obj) => x.name), ['mpod.elbv2.k8s.aws', 'mtargetgroupbinding.elbv2.k8s.aws'], 'no webhook for a controller that does not serve it');
    });

    it('lets the controller manage Services: patch on services and services/status', () => {
      const rules = one(objs, 'ClusterRole').rules as Obj[];
      const can = (resource: string, verb: string): boolean => rules.some((r) => r.apiGroups.includes('') && r.resources.includes(resource) && r.verbs.includes(verb));
      for (const [resource, verb] of [['services', 'watch'], ['services', 'patch'], ['services/status', 'patch']]) assert.ok(can(resource as string, verb as string), `${verb} ${resource}`);
    });

    it('registers the TargetGroupBinding webhooks (fail closed, upstream\'s paths) with the same CA and Service', () => {
      const pod = one(objs, 'MutatingWebhookConfiguration').webhooks[0];
      const mutate = one(objs, 'MutatingWebhookConfiguration').webhooks[1];
      const validate = one(objs, 'ValidatingWebhookConfiguration').webhooks[0];
      assert.equal(one(objs, 'ValidatingWebhookConfiguration').webhooks.length, 1);
      for (const [w, name, path] of [[mutate, 'mtargetgroupbinding.elbv2.k8s.aws', '/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding'],
        [validate, 'vtargetgroupbinding.elbv2.k8s.aws', '/validate-elbv2-k8s-aws-v1beta1-targetgroupbinding']] as const) {
        assert.equal(w.name, name);
        assert.equal(w.failurePolicy, 'Fail');
        assert.equal(w.sideEffects, 'None');
        assert.equal(w.clientConfig.service.path, path);
        assert.deepEqual({ ...w.clientConfig.service, path: undefined }, { ...pod.clientConfig.service, path: undefined });
        assert.equal(w.clientConfig.caBundle, pod.clientConfig.caBundle);
        assert.deepEqual(w.rules, [{ apiGroups: ['elbv2.k8s.aws'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['targetgroupbindings'], scope: 'Namespaced' }]);
        assert.equal(w.namespaceSelector, undefined, 'every namespace: one binding per target group is cluster-wide');
      }
    });

    it('the TargetGroupBinding webhooks follow targetGroupBindingWebhook (enabled, failurePolicy, timeout)', () => {
      const ignore = template('--set', 'clusterName=demo', '--set', 'targetGroupBindingWebhook.failurePolicy=Ignore', '--set', 'targetGroupBindingWebhook.timeoutSeconds=3');
      assert.deepEqual([one(ignore, 'MutatingWebhookConfiguration').webhooks[1].failurePolicy, one(ignore, 'ValidatingWebhookConfiguration').webhooks[0].timeoutSeconds], ['Ignore', 3]);
      const off = template('--set', 'clusterName=demo', '--set', 'targetGroupBindingWebhook.enabled=false');
      assert.equal(all(off, 'ValidatingWebhookConfiguration').length, 0);
      assert.deepEqual(one(off, 'MutatingWebhookConfiguration').webhooks.map((x: Obj) => x.name), ['mpod.elbv2.k8s.aws', 'mservice.elbv2.k8s.aws']);
      const none = template('--set', 'clusterName=demo', '--set', 'targetGroupBindingWebhook.enabled=false', '--set', 'enablePodReadinessGateInject=false', '--set', 'enableServiceMutatorWebhook=false');
      assert.equal(all(none, 'MutatingWebhookConfiguration').length + all(none, 'ValidatingWebhookConfiguration').length, 0);
      const r = run(['template', RELEASE, CHART, '--namespace', NS, '--set', 'clusterName=demo', '--set', 'targetGroupBindingWebhook.failurePolicy=Sometimes']);
      assert.notEqual(r.code, 0, 'the schema rejects an unknown failure policy');
    });

    it('creates the IngressClass alb, not default, without parameters', () => {
      const ic = one(objs, 'IngressClass');
      assert.equal(ic.metadata.name, 'alb');
      assert.equal(ic.spec.controller, 'ingress.k8s.aws/alb');
      assert.equal(ic.spec.parameters, undefined);
      assert.equal(ic.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'], undefined);
    });

    it('keeps a PodDisruptionBudget of maxUnavailable 1 over the controller pods, and none for a single replica', () => {
      const pdb = one(objs, 'PodDisruptionBudget');
      assert.equal(pdb.spec.maxUnavailable, 1);
      assert.ok(selects(pdb.spec.selector, one(objs, 'Deployment').spec.template.metadata.labels));
      assert.equal(all(template('--set', 'clusterName=demo', '--set', 'replicaCount=1'), 'PodDisruptionBudget').length, 0);
    });

    it('passes enablePodReadinessGateInject=false to the controller and then leaves out the pod webhook', () => {
      const off = template('--set', 'clusterName=demo', '--set', 'enablePodReadinessGateInject=false');
      assert.equal(flag(off, 'enable-pod-readiness-gate-inject'), 'false');
      assert.deepEqual(one(off, 'MutatingWebhookConfiguration').webhooks.map((x: Obj) => x.name), ['mtargetgroupbinding.elbv2.k8s.aws', 'mservice.elbv2.k8s.aws'], 'pod creation never calls the webhook');
      const parsed = parseConfig(args(off).slice(1), { POD_NAMESPACE: NS, POD_NAME: 'x' });
      assert.ok('config' in parsed && parsed.config.enablePodReadinessGateInject === false);
      const on = template('--set', 'clusterName=demo', '--set', 'enablePodReadinessGateInject=true');
      assert.equal(flag(on, 'enable-pod-readiness-gate-inject'), 'true');
      assert.equal(all(on, 'MutatingWebhookConfiguration').length, 1);
      const r = run(['template', RELEASE, CHART, '--namespace', NS, '--set', 'clusterName=demo', '--set', 'enablePodReadinessGateInject=maybe']);
      assert.notEqual(r.code, 0, 'the schema rejects a non-boolean');
    });

    it('uses the given webhook certificate, and can turn off RBAC, the ServiceAccount and the IngressClass', () => {
      const r = template('--set', 'clusterName=demo', '--set', 'rbac.create=false', '--set', 'serviceAccount.create=false',
        '--set', 'serviceAccount.name=existing', '--set', 'createIngressClassResource=false',
        '--set', 'webhookTLS.caCert=CA', '--set', 'webhookTLS.cert=CRT', '--set', 'webhookTLS.key=KEY');
      for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount', 'IngressClass']) {
        assert.equal(all(r, kind).length, 0, kind);
      }
      assert.equal(one(r, 'Deployment').spec.template.spec.serviceAccountName, 'existing');
      assert.equal(one(r, 'Secret').data['tls.crt'], Buffer.from('CRT').toString('base64'));
      assert.equal(one(r, 'MutatingWebhookConfiguration').webhooks[0].clientConfig.caBundle, Buffer.from('CA').toString('base64'));
    });
  });

  describe('every optional feature on (test/fixtures/helm/all-features.yaml)', () => {
    let objs: Obj[];
    let values: Obj;
    before(() => {
      objs = template('-f', ALL_FEATURES);
      values = parse(readFileSync(ALL_FEATURES, 'utf8')) as Obj;
    });

    it('renders every flag from its value, and the controller accepts them', () => {
      assert.equal(flag(objs, 'cluster-name'), 'demo');
      assert.equal(flag(objs, 'aws-region'), 'eu-west-1');
      assert.equal(flag(objs, 'aws-vpc-id'), values.vpcId);
      assert.equal(flag(objs, 'aws-vpc-tags'), 'Name=prod,team=web');
      assert.equal(flag(objs, 'default-pca-arn'), values.certManagement.defaultPCAARN);
      assert.equal(flag(objs, 'aws-api-endpoints'), values.awsApiEndpoints);
      assert.equal(flag(objs, 'aws-api-throttle'), values.awsApiThrottle);
      assert.equal(flag(objs, 'aws-max-retries'), '5');
      assert.equal(flag(objs, 'default-tags'), 'env=test,team=web');
      assert.equal(flag(objs, 'external-managed-tags'), 'cost-center');
      assert.equal(flag(objs, 'default-target-type'), 'ip');
      assert.equal(flag(objs, 'default-load-balancer-scheme'), 'internet-facing');
      assert.equal(flag(objs, 'default-ssl-policy'), values.defaultSSLPolicy);
      assert.equal(flag(objs, 'enable-backend-security-group'), 'true');
      assert.equal(flag(objs, 'backend-security-group'), 'sg-0123456789abcdef0');
      assert.equal(flag(objs, 'enable-manage-backend-security-group-rules'), 'true');
      assert.equal(flag(objs, 'feature-gates'), 'ListenerRulesTagging=true,SubnetsClusterTagCheck=false');
      assert.equal(flag(objs, 'sync-period'), '1h');
      assert.equal(flag(objs, 'drift-check-budget'), '0', 'a budget of 0 is rendered (it turns the rotation off)');
      assert.equal(flag(objs, 'drift-check-interval'), '30m');
      assert.equal(flag(objs, 'watch-namespace'), 'apps');
      assert.equal(flag(objs, 'disable-ingress-class-annotation'), 'true');
      assert.equal(flag(objs, 'disable-ingress-group-name-annotation'), 'false', 'false is passed too: it was set');
      assert.equal(flag(objs, 'log-level'), 'debug');
      assert.equal(flag(objs, 'ingress-max-concurrent-reconciles'), '5');
      assert.equal(flag(objs, 'targetgroupbinding-max-concurrent-reconciles'), '4');
      assert.equal(flag(objs, 'max-rules-per-load-balancer'), '200');
      assert.equal(flag(objs, 'max-listeners-per-load-balancer'), '60');
      assert.equal(flag(objs, 'max-certificates-per-load-balancer'), '50');
      assert.equal(flag(objs, 'max-inbound-rules-per-security-group'), '120');
      assert.equal(flag(objs, 'service-max-concurrent-reconciles'), '2');
      assert.equal(flag(objs, 'load-balancer-class'), 'example.com/nlb');
      assert.equal(flag(objs, 'enable-service-controller'), 'true');
      assert.equal(args(objs).at(-1), values.extraArgs[0], 'extra args come last');
      const parsed = parseConfig(args(objs).slice(1), { POD_NAMESPACE: NS, POD_NAME: 'x' });
      assert.ok('config' in parsed, 'errors' in parsed ? parsed.errors.join('; ') : '');
      assert.deepEqual(parsed.config.defaultTags, values.defaultTags);
      assert.equal(parsed.config.featureGates.SubnetsClusterTagCheck, false);
      assert.equal(parsed.config.disableIngressClassAnnotation, true);
      assert.equal(parsed.config.disableIngressGroupNameAnnotation, false);
      assert.deepEqual(parsed.config.awsQuotas, { rulesPerLoadBalancer: 200, listenersPerLoadBalancer: 60, certificatesPerLoadBalancer: 50, inboundRulesPerSecurityGroup: 120 });
      assert.equal(one(objs, 'Deployment').spec.replicas, 3);
      assert.ok(container(objs).env.some((e: Obj) => e.name === 'AWS_STS_REGIONAL_ENDPOINTS' && e.value === 'regional'));
    });

    it('annotates the ServiceAccount for IRSA', () => {
      const sa = one(objs, 'ServiceAccount');
      assert.equal(sa.metadata.name, 'alb-controller');
      assert.equal(sa.metadata.annotations['eks.amazonaws.com/role-arn'], values.serviceAccount.annotations['eks.amazonaws.com/role-arn']);
    });

    it('creates IngressClassParams and a default IngressClass that references them', () => {
      const params = one(objs, 'IngressClassParams');
      assert.equal(params.apiVersion, 'elbv2.k8s.aws/v1beta1');
      assert.equal(params.metadata.name, 'alb-params');
      assert.deepEqual(params.spec, values.ingressClassParams.spec);
      const ic = one(objs, 'IngressClass');
      assert.deepEqual(ic.spec.parameters, { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'alb-params' });
      assert.equal(ic.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');
    });

    it('gets the webhook certificate from cert-manager and lets it inject the CA', () => {
      assert.equal(all(objs, 'Secret').length, 0, 'no chart-generated Secret');
      const cert = one(objs, 'Certificate');
      const issuer = one(objs, 'Issuer');
      assert.deepEqual(cert.spec.issuerRef, { name: issuer.metadata.name, kind: 'Issuer' });
      const hook = one(objs, 'MutatingWebhookConfiguration');
      assert.equal(hook.metadata.annotations['cert-manager.io/inject-ca-from'], `${NS}/${cert.metadata.name}`);
      assert.equal(one(objs, 'ValidatingWebhookConfiguration').metadata.annotations['cert-manager.io/inject-ca-from'], `${NS}/${cert.metadata.name}`);
      for (const w of [...hook.webhooks, ...one(objs, 'ValidatingWebhookConfiguration').webhooks]) assert.equal(w.clientConfig.caBundle, undefined);
      const svc = hook.webhooks[0].clientConfig.service.name;
      assert.ok(cert.spec.dnsNames.includes(`${svc}.${NS}.svc`));
      const vol = one(objs, 'Deployment').spec.template.spec.volumes.find((v: Obj) => v.secret);
      assert.equal(vol.secret.secretName, cert.spec.secretName);
    });

    it('applies the webhook failure policy and the extra selectors, still excluding its own pods', () => {
      const service = one(objs, 'MutatingWebhookConfiguration').webhooks.find((x: Obj) => x.name === 'mservice.elbv2.k8s.aws');
      assert.deepEqual([service.failurePolicy, service.timeoutSeconds, service.rules[0].operations], ['Fail', 3, ['CREATE']]);
      assert.ok(selects(service.objectSelector, { lb: 'nlb' }));
      assert.ok(!selects(service.objectSelector, {}), 'upstream\'s serviceMutatorWebhookConfig.objectSelector');
      assert.ok(!selects(service.objectSelector, { ...one(objs, 'Deployment').spec.template.metadata.labels, lb: 'nlb' }));
      assert.ok(!selects(service.namespaceSelector, { 'kubernetes.io/metadata.name': 'kube-system' }));
      assert.ok(selects(service.namespaceSelector, { 'kubernetes.io/metadata.name': 'apps' }));
      const w = one(objs, 'MutatingWebhookConfiguration').webhooks[0];
      assert.equal(w.failurePolicy, 'Fail');
      assert.equal(w.timeoutSeconds, 5);
      const optedIn = { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' };
      assert.ok(selects(w.namespaceSelector, { ...optedIn, 'kubernetes.io/metadata.name': 'apps' }));
      assert.ok(!selects(w.namespaceSelector, { ...optedIn, 'kubernetes.io/metadata.name': 'kube-system' }));
      assert.ok(!selects(w.objectSelector, one(objs, 'Deployment').spec.template.metadata.labels));
      assert.ok(!selects(w.objectSelector, { 'elbv2.k8s.aws/skip': 'yes' }));
    });

    it('exposes metrics through a Service that the ServiceMonitor selects', () => {
      const sm = one(objs, 'ServiceMonitor');
      assert.equal(sm.metadata.labels.release, 'prometheus');
      assert.equal(sm.spec.endpoints[0].interval, '30s');
      const metrics = all(objs, 'Service').filter((s) => selects(sm.spec.selector, s.metadata.labels));
      assert.equal(metrics.length, 1, 'exactly the metrics Service');
      const port = (metrics[0] as Obj).spec.ports.find((p: Obj) => p.name === sm.spec.endpoints[0].port);
      assert.ok(port);
      assert.equal(portNumber(container(objs), port.targetPort), 8080);
    });

    it('keeps the PodDisruptionBudget, labels and scheduling settings', () => {
      assert.equal(one(objs, 'PodDisruptionBudget').spec.maxUnavailable, 1);
      const deploy = one(objs, 'Deployment');
      const pod = deploy.spec.template.spec;
      assert.deepEqual(pod.nodeSelector, values.nodeSelector);
      assert.deepEqual(pod.tolerations, values.tolerations);
      assert.deepEqual(pod.topologySpreadConstraints, values.topologySpreadConstraints);
      assert.equal(deploy.spec.template.metadata.labels.team, 'platform');
      assert.equal(deploy.spec.template.metadata.annotations['example.com/scrape'], 'true');
      for (const o of objs) assert.equal(o.metadata.labels?.owner, 'platform', `${o.kind} carries additionalLabels`);
    });
  });
});
