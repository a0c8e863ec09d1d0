// The Helm chart against a real kube-apiserver (the stand-ins): every rendered object, and the chart's
// CRDs, pass server-side validation and admission (server-side apply with dryRun=All), with the
// defaults and with every optional feature on. Objects of third-party APIs that the stand-ins do not
// serve (cert-manager, prometheus-operator) are listed and must be the only ones left out.
// Also checks that the ClusterRole and leader-election Role the end-to-end controller runs under are the chart's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { CONFIG_DEFAULTS } from '../../src/config/config.ts';
import { CONTROLLER_CLUSTERROLE, leaderElectionRoleName } from '../../src/stand-ins/index.ts';
import { standInKubernetesVersion } from '../../src/stand-ins/provision.ts';
import { standIns, kube, freshNamespace } from './support/stand-ins.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHART = path.join(ROOT, 'helm/aws-lb-controller');
/** APIs of other projects the chart can target; the stand-ins have no CRDs for them */
const THIRD_PARTY_GROUPS = new Set(['cert-manager.io', 'monitoring.coreos.com']);

let helm = '';

function render(namespace: string, release: string, ...extra: string[]): k8s.KubernetesObject[] {
  const r = spawnSync(helm, ['template', release, CHART, '--namespace', namespace, '--kube-version', standInKubernetesVersion(), ...extra], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `helm template failed:\n${r.stderr}`);
  return loadObjects(r.stdout);
}

/**
 * Typed objects, as the client's serializer expects them: it maps field names by type (for example
 * `x-kubernetes-int-or-string` in a CRD schema) and silently drops names it does not know, so raw YAML
 * must go through loadAllYaml first.
 */
function loadObjects(text: string): k8s.KubernetesObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as k8s.KubernetesObject | null)
    .filter((o): o is k8s.KubernetesObject => !!o?.kind)
    .map((o) => k8s.loadYaml<k8s.KubernetesObject>(stringify(o)));
}

const groupOf = (apiVersion = ''): string => (apiVersion.includes('/') ? apiVersion.split('/')[0] ?? '' : '');

async function servedGroupVersions(kc: k8s.KubeConfig): Promise<Set<string>> {
  const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
  return new Set(['v1', ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))]);
}

/** server-side apply with dryRun=All; returns the error messages per object */
async function dryRunApply(kc: k8s.KubeConfig, objs: k8s.KubernetesObject[]): Promise<string[]> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const errors: string[] = [];
  for (const obj of objs) {
    try {
      await client.patch(obj, undefined, 'All', 'helm-apply-test', true, k8s.PatchStrategy.ServerSideApply);
    } catch (err) {
      const body = err instanceof k8s.ApiException ? String(err.body) : String(err);
      errors.push(`${obj.kind} ${obj.metadata?.name}: ${body.slice(0, 600)}`);
    }
  }
  return errors;
}

async function checkChart(namespace: string, objs: k8s.KubernetesObject[]): Promise<string[]> {
  const { admin } = kube();
  const served = await servedGroupVersions(admin);
  const skipped = objs.filter((o) => !served.has(o.apiVersion ?? ''));
  for (const o of skipped) assert.ok(THIRD_PARTY_GROUPS.has(groupOf(o.apiVersion)), `${o.apiVersion} ${o.kind} is not served by the stand-ins`);
  const applied = objs.filter((o) => served.has(o.apiVersion ?? ''));
  assert.deepEqual(await dryRunApply(admin, applied), [], `namespace ${namespace}`);
  return skipped.map((o) => `${o.kind}/${o.metadata?.name}`);
}

describe('helm chart on the stand-ins (server-side dry run)', function () {
  before(async function () {
    await standIns(this);
    this.timeout(45 * 60_000); // scripts/helm.sh may build helm on a fresh machine
    const r = spawnSync('bash', [path.join(ROOT, 'scripts/helm.sh')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `scripts/helm.sh failed:\n${r.stderr}`);
    helm = r.stdout.trim().split('\n').at(-1) ?? '';
  });

  it("validates the chart's CRDs", async () => {
    const crds = loadObjects(readFileSync(path.join(CHART, 'crds/crds.yaml'), 'utf8')).filter((o) => o.kind === 'CustomResourceDefinition');
    assert.ok(crds.length >= 2);
    assert.deepEqual(await dryRunApply(kube().admin, crds), []);
  });

  it('applies every object of the default chart', async () => {
    const ns = await freshNamespace('helm');
    const skipped = await checkChart(ns, render(ns, 'lbc', '--set', 'clusterName=demo'));
    assert.deepEqual(skipped, []);
  });

  it('applies every object with all optional features on (third-party kinds aside)', async () => {
    const ns = await freshNamespace('helm');
    const skipped = await checkChart(ns, render(ns, 'lbc', '-f', path.join(ROOT, 'test/fixtures/helm/all-features.yaml')));
    console.log(`      not applied (API not served by the stand-ins): ${skipped.join(', ')}`);
    assert.ok(skipped.length <= 3);
  });

  it('runs the end-to-end controller under the ClusterRole and the leader-election Role the chart renders', async () => {
    const ns = await freshNamespace('helm');
    const objs = render(ns, 'lbc', '--set', 'clusterName=demo');
    const rbac = kube().admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    const norm = (rules: k8s.V1PolicyRule[] | undefined): string => JSON.stringify((rules ?? []).map((r) => ({
      apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], resourceNames: r.resourceNames ?? [], verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [],
    })));
    const clusterRole = objs.find((o) => o.kind === 'ClusterRole') as k8s.V1ClusterRole;
    assert.equal(norm((await rbac.readClusterRole({ name: CONTROLLER_CLUSTERROLE })).rules), norm(clusterRole.rules));
    // the stand-ins bind the Role for the controller's default Lease in "default"; the chart, in its namespace
    const role = objs.find((o) => o.kind === 'Role') as k8s.V1Role;
    const inCluster = await rbac.readNamespacedRole({ namespace: 'default', name: leaderElectionRoleName(CONFIG_DEFAULTS.leaderElectionId) });
    assert.equal(norm(inCluster.rules), norm(role.rules));
  });
});
