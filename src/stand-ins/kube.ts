// Cluster side of the stand-ins: kubeconfigs, the CRDs, the controller's RBAC and the IngressClass.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { CONFIG_DEFAULTS } from '../config/config.ts';
import { REPO_ROOT } from './provision.ts';

export const CRDS_FILE = join(REPO_ROOT, 'helm', 'aws-lb-controller', 'crds', 'crds.yaml');
export const CLUSTERROLE_RULES_FILE = join(REPO_ROOT, 'helm', 'aws-lb-controller', 'files', 'clusterrole-rules.yaml');
export const LEADER_ELECTION_RULES_FILE = join(REPO_ROOT, 'helm', 'aws-lb-controller', 'files', 'leader-election-rules.yaml');
/** the placeholder in LEADER_ELECTION_RULES_FILE that the chart replaces with leaderElection.id */
const LEASE_NAME_PLACEHOLDER = '<leader-election-id>';

/**
 * The user the controller runs as in tests; RBAC limits it to the chart's ClusterRole, plus the chart's
 * leader-election Role for the default Lease (`default/aws-load-balancer-controller-leader`).
 */
export const CONTROLLER_USER = 'e2e-controller';
export const ADMIN_USER = 'e2e-admin';
export const CONTROLLER_CLUSTERROLE = 'aws-lb-controller';
export const INGRESS_CLASS = 'alb';
export const INGRESS_CONTROLLER = 'ingress.k8s.aws/alb';

/** Writes a kubeconfig with a bearer token, trusting the stand-ins CA. Returns its path. */
export function writeKubeconfig(path: string, server: string, caFile: string, user: string, token: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stand-ins', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'stand-ins', context: { cluster: 'stand-ins', user, namespace: 'default' } }],
    'current-context': 'stand-ins',
  };
  writeFileSync(path, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
  return path;
}

export function loadKubeConfig(path: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export function isApiError(err: unknown, code?: number): err is k8s.ApiException<unknown> {
  return err instanceof k8s.ApiException && (code === undefined || err.code === code);
}

/**
 * The CustomResourceDefinitions shipped in the Helm chart, as client-node models. (loadAllYaml maps wire
 * names such as `x-kubernetes-int-or-string` to the model's attribute names; a plain YAML parse would
 * have them dropped silently by the typed serializer.)
 */
export function readCrds(file = CRDS_FILE): k8s.V1CustomResourceDefinition[] {
  return (k8s.loadAllYaml(readFileSync(file, 'utf8')) as (k8s.V1CustomResourceDefinition | null)[])
    .filter((d): d is k8s.V1CustomResourceDefinition => d !== null && d.kind === 'CustomResourceDefinition');
}

function readRules(file: string): k8s.V1PolicyRule[] {
  const rules = parse(readFileSync(file, 'utf8')) as k8s.V1PolicyRule[];
  if (!Array.isArray(rules) || rules.length === 0) throw new Error(`stand-ins: ${file} holds no RBAC rules`);
  return rules;
}

/** The controller's ClusterRole rules, shared with the Helm chart. */
export function readClusterRoleRules(file = CLUSTERROLE_RULES_FILE): k8s.V1PolicyRule[] {
  return readRules(file);
}

/** The leader-election Role rules, shared with the Helm chart, for the Lease named `leaseName`. */
export function readLeaderElectionRules(leaseName: string, file = LEADER_ELECTION_RULES_FILE): k8s.V1PolicyRule[] {
  return readRules(file).map((r) => {
    if (!r.resourceNames) return r;
    if (r.resourceNames.join() !== LEASE_NAME_PLACEHOLDER) throw new Error(`stand-ins: ${file}: resourceNames must be ["${LEASE_NAME_PLACEHOLDER}"]`);
    return { ...r, resourceNames: [leaseName] };
  });
}

/** the name of the Role (and RoleBinding) grantLeaderElection creates */
export const leaderElectionRoleName = (leaseName: string): string => `${CONTROLLER_CLUSTERROLE}-leader-election-${leaseName}`;

/**
 * Binds the chart's leader-election Role for `namespace/leaseName` to CONTROLLER_USER, as the chart does for
 * its ServiceAccount in the release namespace.
 */
export async function grantLeaderElection(adminKc: k8s.KubeConfig, namespace: string, leaseName: string): Promise<void> {
  const rbac = adminKc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const name = leaderElectionRoleName(leaseName);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules: readLeaderElectionRules(leaseName) } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER }],
    },
  });
}

/**
 * Applies CRDs, the controller ClusterRole + binding to CONTROLLER_USER, the leader-election Role for the
 * controller's default Lease in `default`, and the IngressClass `alb`.
 */
export async function bootstrapCluster(adminKc: k8s.KubeConfig): Promise<void> {
  const ext = adminKc.makeApiClient(k8s.ApiextensionsV1Api);
  const rbac = adminKc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const net = adminKc.makeApiClient(k8s.NetworkingV1Api);
  const crds = readCrds();
  for (const body of crds) await ext.createCustomResourceDefinition({ body });
  await rbac.createClusterRole({
    body: { metadata: { name: CONTROLLER_CLUSTERROLE }, rules: readClusterRoleRules() },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: CONTROLLER_CLUSTERROLE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CONTROLLER_CLUSTERROLE },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER }],
    },
  });
  await grantLeaderElection(adminKc, 'default', CONFIG_DEFAULTS.leaderElectionId);
  await net.createIngressClass({
    body: { metadata: { name: INGRESS_CLASS }, spec: { controller: INGRESS_CONTROLLER } },
  });
  // CRDs serve only once Established; tests create custom resources right after start.
  const deadline = Date.now() + 60_000;
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    for (;;) {
      const got = await ext.readCustomResourceDefinition({ name });
      if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`stand-ins: CRD ${name} not Established after 60 s`);
      await sleep(100);
    }
  }
}
