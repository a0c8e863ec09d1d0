// Authentication end to end (issue 12, ADR 0014): an HTTPS Ingress with auth-type oidc whose client comes from a
// Secret the controller may `get` by name only (a namespaced Role, as the chart renders it for oidcSecrets), and a
// backend Service whose own auth-type cognito wins over the Ingress's. The controller runs as its own process
// under the chart's RBAC, against the real kube-apiserver and moto. The client secret must show up in AWS only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { type KubeClients } from '../../src/k8s/client.ts';
import { oidcDigest } from '../../src/k8s/oidc-secrets.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { CoreEvent, Ingress } from '../../src/k8s/types.ts';
import { TAG_INGRESS_STACK, TAG_OIDC_SECRET_DIGEST } from '../../src/model/index.ts';
import { CONTROLLER_USER, readOidcSecretRules } from '../../src/stand-ins/kube.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { nodePortApp } from './support/backends.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, grantSuiteLease, kube, resetAws, seeded, suiteClients } from './support/stand-ins.ts';

const LEASE = 'auth-e2e';
const A = (suffix: string): string => `alb.ingress.kubernetes.io/${suffix}`;
const SECRET_VALUE = 'e2e-client-secret-that-must-stay-in-aws';
const ROTATED_VALUE = 'e2e-rotated-secret-that-must-stay-in-aws';
const POOL = 'arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_e2eAbc';
const OIDC = {
  issuer: 'https://idp.example.com', authorizationEndpoint: 'https://idp.example.com/authorize',
  tokenEndpoint: 'https://idp.example.com/token', userInfoEndpoint: 'https://idp.example.com/userinfo', secretName: 'oidc-client',
};

describe('authentication: auth-type oidc from a name-scoped Secret, cognito from the Service (own process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let core: k8s.CoreV1Api;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ns: string;
  const fleet = suiteControllers('auth');
  const log = fleet.logFile('main');

  before(async function () {
    ({ admin, elbv2, ec2 } = await suiteClients(this));
    await resetAws();
    core = kube().admin.makeApiClient(k8s.CoreV1Api);
    ns = await freshNamespace('auth');
    await grantSuiteLease(LEASE);
    await fleet.start('main', { extraArgs: [`--leader-election-id=${LEASE}`] });
  });

  after(async function () {
    this.timeout(60_000);
    elbv2?.destroy();
    ec2?.destroy();
  });

  const service = (name: string, annotations: Record<string, string> = {}): Promise<unknown> => nodePortApp(admin, ec2, { namespace: ns, name, annotations });

  /** what the chart renders for oidcSecrets: [{namespace, name}], from the same rules file */
  async function grantSecret(name: string): Promise<void> {
    const rbac = kube().admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: `oidc-${name}` }, rules: readOidcSecretRules(name) } });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: { metadata: { name: `oidc-${name}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `oidc-${name}` }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER }] },
    });
  }

  const ingress = (name: string, annotations: Record<string, string>, paths: { path: string; service: string }[]): Promise<Ingress> => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { [A('target-type')]: 'ip', ...annotations } },
    spec: {
      ingressClassName: 'alb',
      rules: [{ host: `${name}.example.com`, http: { paths: paths.map((p) => ({ path: p.path, pathType: 'Prefix', backend: { service: { name: p.service, port: { number: 80 } } } })) } }],
    },
  }, ns);

  const get = async (name: string): Promise<Ingress> => (await admin.ingresses.get(name, ns)) as Ingress;
  const eventsOf = async (name: string): Promise<CoreEvent[]> => (await admin.events.list(ns, { fieldSelector: `involvedObject.name=${name}` })).items;

  /** the rules of the stack's listener on `port`, each with its tags */
  async function rulesOf(stack: string, port: number): Promise<{ rule: Rule; tags: Record<string, string> }[] | undefined> {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    if (lbs.length === 0) return undefined;
    const tagged = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.map((l) => l.LoadBalancerArn as string) }))).TagDescriptions ?? [];
    const lb = tagged.find((t) => t.Tags?.some((x) => x.Key === TAG_INGRESS_STACK && x.Value === stack));
    if (!lb) return undefined;
    const listener = ((await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.ResourceArn }))).Listeners ?? []).find((l) => l.Port === port);
    if (!listener) return undefined;
    const rules = ((await elbv2.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
    if (rules.length === 0) return [];
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn as string) }))).TagDescriptions ?? [];
    return rules.map((rule) => ({ rule, tags: Object.fromEntries((tags.find((t) => t.ResourceArn === rule.RuleArn)?.Tags ?? []).map((t) => [t.Key, t.Value])) }));
  }

  const pathOf = (r: Rule): string => r.Conditions?.find((c) => c.Field === 'path-pattern')?.PathPatternConfig?.Values?.join(',') ?? '';
  let secretUid = '';

  it('puts authenticate-oidc (client from the Secret) and the Service\'s authenticate-cognito before the forwards on HTTPS:443', async () => {
    const secret = await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'oidc-client' }, stringData: { clientID: 'e2e-client', clientSecret: SECRET_VALUE } } });
    secretUid = secret.metadata?.uid ?? '';
    await grantSecret('oidc-client');
    await service('app');
    await service('admin', { [A('auth-type')]: 'cognito', [A('auth-idp-cognito')]: JSON.stringify({ userPoolARN: POOL, userPoolClientID: 'pool-client', userPoolDomain: 'e2e-domain' }) });
    await ingress('web', {
      [A('listen-ports')]: '[{"HTTPS": 443}]', [A('certificate-arn')]: seeded().certificates.exact.arn,
      [A('auth-type')]: 'oidc', [A('auth-idp-oidc')]: JSON.stringify(OIDC), [A('auth-scope')]: 'openid email', [A('auth-session-timeout')]: '3600',
      [A('auth-on-unauthenticated-request')]: 'deny',
    }, [{ path: '/', service: 'app' }, { path: '/admin', service: 'admin' }]);

    await waitFor('web reconciled', async () => readReconcileStatus(await get('web'))?.reason === 'SuccessfullyReconciled' || undefined);
    const rules = await waitFor('two rules on 443', async () => { const r = await rulesOf(`${ns}/web`, 443); return r?.length === 2 ? r : undefined; });
    const app = rules.find((r) => pathOf(r.rule) === '/*');
    const adm = rules.find((r) => pathOf(r.rule).startsWith('/admin'));
    assert.ok(app && adm, `rules for / and /admin: ${JSON.stringify(rules.map((r) => pathOf(r.rule)))}`);

    const ordered = (r: Rule) => [...(r.Actions ?? [])].sort((x, y) => (x.Order ?? 0) - (y.Order ?? 0));
    assert.deepEqual(ordered(app.rule).map((a) => [a.Type, a.Order]), [['authenticate-oidc', 1], ['forward', 2]]);
    const oidc = ordered(app.rule)[0]?.AuthenticateOidcConfig;
    assert.equal(oidc?.ClientId, 'e2e-client');
    assert.equal(oidc?.Issuer, OIDC.issuer);
    assert.equal(oidc?.Scope, 'openid email');
    assert.equal(oidc?.SessionTimeout, 3600);
    assert.equal(oidc?.OnUnauthenticatedRequest, 'deny');
    assert.equal(oidc?.SessionCookieName, 'AWSELBAuthSessionCookie');
    assert.equal(app.tags[TAG_OIDC_SECRET_DIGEST], oidcDigest(secretUid, 'e2e-client', SECRET_VALUE), 'the digest of what was sent is on the rule');

    // the Service's auth-type wins over the Ingress's; the Ingress's other auth-* keys still apply
    assert.deepEqual(ordered(adm.rule).map((a) => [a.Type, a.Order]), [['authenticate-cognito', 1], ['forward', 2]]);
    const cognito = ordered(adm.rule)[0]?.AuthenticateCognitoConfig;
    assert.deepEqual([cognito?.UserPoolArn, cognito?.UserPoolClientId, cognito?.UserPoolDomain, cognito?.Scope], [POOL, 'pool-client', 'e2e-domain', 'openid email']);
    assert.equal(adm.tags[TAG_OIDC_SECRET_DIGEST], undefined);
  });

  it('sends a rotated client secret at the next reconcile, and the secret appears in no log line or Event', async () => {
    await core.patchNamespacedSecret({ namespace: ns, name: 'oidc-client', body: { stringData: { clientSecret: ROTATED_VALUE } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    // Secrets are not watched (get by name only, ADR 0014): a change of the Ingress, or the periodic resync, picks it up
    await admin.ingresses.mergePatch('web', ns, { metadata: { annotations: { 'e2e/touch': '1' } } });
    const want = oidcDigest(secretUid, 'e2e-client', ROTATED_VALUE);
    await waitFor('rotated digest on the rule', async () => (await rulesOf(`${ns}/web`, 443))?.some((r) => r.tags[TAG_OIDC_SECRET_DIGEST] === want) || undefined);
    const text = readFileSync(log, 'utf8') + JSON.stringify(await admin.events.list(ns, {}));
    assert.ok(!text.includes(SECRET_VALUE) && !text.includes(ROTATED_VALUE), 'no client secret in the controller log or the Events');
  });

  it('refuses a Secret it may not read, and authentication on a plain HTTP listener, with Events that say why', async () => {
    await ingress('locked', {
      [A('listen-ports')]: '[{"HTTPS": 443}]', [A('certificate-arn')]: seeded().certificates.exact.arn,
      [A('auth-type')]: 'oidc', [A('auth-idp-oidc')]: JSON.stringify({ ...OIDC, secretName: 'not-granted' }),
    }, [{ path: '/', service: 'app' }]);
    await ingress('plain', { [A('auth-type')]: 'oidc', [A('auth-idp-oidc')]: JSON.stringify(OIDC) }, [{ path: '/', service: 'app' }]);

    const locked = await waitFor('Warning on locked', async () => (await eventsOf('locked')).find((e) => e.reason === 'FailedBuildModel'));
    assert.match(locked.message ?? '', new RegExp(`Secret ${ns}/not-granted: cannot be read by the controller: grant it get on this Secret`));
    const plain = await waitFor('Warning on plain', async () => (await eventsOf('plain')).find((e) => e.reason === 'FailedBuildModel'));
    assert.match(plain.message ?? '', /asks for authenticate-oidc, which ALB runs on HTTPS listeners only, but port 80 is HTTP/);
    assert.equal(await rulesOf(`${ns}/locked`, 443), undefined, 'no load balancer for the refused Ingress');
    assert.equal(await rulesOf(`${ns}/plain`, 80), undefined, 'no load balancer for the refused Ingress');
  });

  it('deletes the Ingresses and their load balancer', async () => {
    for (const name of ['web', 'locked', 'plain']) await admin.ingresses.delete(name, ns);
    await waitFor('Ingresses gone', async () => (await admin.ingresses.list(ns)).items.length === 0 || undefined, 120_000);
    assert.equal(await rulesOf(`${ns}/web`, 443), undefined);
  });
});
