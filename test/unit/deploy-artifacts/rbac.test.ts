// The chart's RBAC against the code: the (group, resource, verb) set the controller can request is derived from
// the sources on every run (k8s-usage.ts: every ResourceClient call and every Informer reachable from the `run`
// command, resources read from the types), and the ClusterRole (files/clusterrole-rules.yaml) and the
// leader-election Role (files/leader-election-rules.yaml) must grant exactly that set: nothing missing, nothing
// unused. Also checks that ResourceClient's verb table and the Informer's verbs match the HTTP requests they send.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type ts from 'typescript';
import { parse } from 'yaml';
import { RBAC_VERBS, ResourceClient, type KubeRequest, type KubeRest, type RbacVerb, type RequestMethod } from '../../../src/k8s/client.ts';
import { INFORMER_VERBS, Informer } from '../../../src/k8s/informer.ts';
import { programFor, scanKubeUsage, useKey, type KubeScan } from './k8s-usage.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CHART_FILES = path.join(ROOT, 'helm/aws-lb-controller/files');
/** the controller process: everything the `run` command can reach (not `plan`, `demo` or the stand-ins) */
const RUN_COMMAND = path.join(ROOT, 'src/cli/run-command.ts');
const SAMPLE = path.join(ROOT, 'test/fixtures/rbac-scan/sample.ts');
const LEASES = 'coordination.k8s.io|leases|';

interface PolicyRule { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] }

const readRules = (file: string): PolicyRule[] => parse(readFileSync(path.join(CHART_FILES, file), 'utf8')) as PolicyRule[];
/** "group|resource|verb" for every combination a rule grants */
const grants = (rules: readonly PolicyRule[]): string[] =>
  rules.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}`))));
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** a KubeRest that records each request and answers with an empty object or list */
function recordingRest(): { rest: KubeRest; sent: { method: string; path: string }[]; watched: Promise<string> } {
  const sent: { method: string; path: string }[] = [];
  let onWatch: (p: string) => void = () => undefined;
  const watched = new Promise<string>((resolve) => { onWatch = resolve; });
  const rest: KubeRest = {
    request: <T>(req: KubeRequest) => {
      sent.push({ method: req.method, path: req.path });
      return Promise.resolve({ items: [], metadata: { name: 'x', resourceVersion: '1' } } as T);
    },
    watch: (p) => {
      sent.push({ method: 'WATCH', path: p });
      onWatch(p);
      return Promise.resolve({ abort: () => undefined });
    },
  };
  return { rest, sent, watched };
}

/** the RBAC verb of an HTTP request, as the apiserver's authorizer derives it */
function verbOf(method: string, isCollection: boolean): RbacVerb {
  const v = ({ GET: isCollection ? 'list' : 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete', WATCH: 'watch' } as const)[method];
  assert.ok(v, `unknown method ${method}`);
  return v;
}

describe('deploy artifacts: RBAC rules vs the Kubernetes calls in the code', function () {
  this.timeout(600_000); // builds a TypeScript program of the controller (tens of seconds on a busy machine)
  let program: ts.Program;
  let scan: KubeScan;
  let derived: string[];

  before(() => {
    program = programFor([RUN_COMMAND]);
    scan = scanKubeUsage(program, [path.join(ROOT, 'src')]);
    derived = sorted(scan.uses.map(useKey));
  });

  describe('the scan', () => {
    it('follows generic helpers, import aliases, subresources and informers, and reports what it cannot attribute', () => {
      const r = scanKubeUsage(programFor([SAMPLE], program), [path.dirname(SAMPLE)]);
      assert.deepEqual(sorted(r.uses.map(useKey)), [
        'coordination.k8s.io|leases|list', 'coordination.k8s.io|leases|watch', 'discovery.k8s.io|endpointslices|get',
        '|services/status|patch', '|services|delete',
      ]);
      const expected = [
        /imports values from @kubernetes\/client-node/, /subresource of replace is string, not a string literal/,
        /raw KubeRest\.request/, /ResourceClient\.get used as a value/, /"pod" \| "node", not one resource key/,
        /generic Kubernetes helper inner is used as a value/,
      ];
      for (const re of expected) assert.ok(r.problems.some((p) => re.test(p)), `expected a problem matching ${re}; got:\n${r.problems.join('\n')}`);
      assert.equal(r.problems.length, expected.length, r.problems.join('\n'));
    });

    it('reads the controller without problems, from the files the run command reaches', () => {
      assert.deepEqual(scan.problems, []);
      for (const f of ['src/controllers/manager.ts', 'src/k8s/leader.ts', 'src/k8s/finalizers.ts', 'src/k8s/events.ts']) assert.ok(scan.files.includes(f), f);
      for (const f of scan.files) assert.ok(!/^src\/(stand-ins\/|cli\/(demo|plan)-command|cli\/live)/.test(f), `${f} is not part of the controller process`);
      console.log(`      rbac: ${derived.length} (group, resource, verb) from ${scan.uses.length} call sites and informers in ${scan.files.length} files`);
    });
  });

  describe('the verbs', () => {
    it("ResourceClient: each method sends the request its RBAC_VERBS entry names (and every method has one)", async () => {
      const methods = Object.getOwnPropertyNames(ResourceClient.prototype).filter((m) => !['constructor', 'path'].includes(m)).sort();
      assert.deepEqual(methods, Object.keys(RBAC_VERBS).sort());
      const { rest, sent } = recordingRest();
      const c = new ResourceClient(rest, 'service');
      const svc = { metadata: { name: 'a', namespace: 'ns' } };
      const calls: Record<RequestMethod, () => Promise<unknown>> = {
        get: () => c.get('a', 'ns'), list: () => c.list('ns'), create: () => c.create(svc), replace: () => c.replace(svc),
        mergePatch: () => c.mergePatch('a', 'ns', {}), strategicPatch: () => c.strategicPatch('a', 'ns', {}),
        jsonPatch: () => c.jsonPatch('a', 'ns', []), delete: () => c.delete('a', 'ns'),
      };
      for (const [m, call] of Object.entries(calls) as [RequestMethod, () => Promise<unknown>][]) {
        sent.length = 0;
        await call();
        assert.equal(sent.length, 1, m);
        const req = sent[0]!;
        assert.equal(verbOf(req.method, req.path === c.path('ns')), RBAC_VERBS[m], m);
      }
    });

    it('Informer: lists and watches its collection, nothing else', async () => {
      const { rest, sent, watched } = recordingRest();
      const inf = new Informer({ rest, resource: 'node' });
      inf.start();
      await inf.waitForSync();
      await watched;
      await inf.stop();
      const collection = new ResourceClient(rest, 'node').path();
      assert.ok(sent.every((r) => r.path === collection), JSON.stringify(sent));
      assert.deepEqual(sorted(sent.map((r) => verbOf(r.method, true))), sorted(INFORMER_VERBS));
    });
  });

  describe('the chart', () => {
    it('ClusterRole (files/clusterrole-rules.yaml): exactly what the code requests, Leases aside', () => {
      const rules = readRules('clusterrole-rules.yaml');
      for (const r of rules) {
        assert.equal(r.resourceNames, undefined, 'a ClusterRole rule names no objects');
        assert.equal(r.nonResourceURLs, undefined);
        for (const v of [...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs]) assert.notEqual(v, '*', 'no wildcards');
      }
      const granted = grants(rules);
      assert.equal(granted.length, new Set(granted).size, 'no combination is granted twice');
      const want = derived.filter((k) => !k.startsWith(LEASES));
      const where = (k: string): string => scan.uses.filter((u) => useKey(u) === k).map((u) => u.at).join(', ');
      assert.deepEqual(want.filter((k) => !granted.includes(k)).map((k) => `${k} (${where(k)})`), [], 'requested by the code, not granted');
      assert.deepEqual(sorted(granted).filter((k) => !want.includes(k)), [], 'granted, but nothing in the code requests it');
      assert.ok(!granted.some((k) => k.startsWith(LEASES)), 'no Lease access cluster-wide');
    });

    it('leader-election Role (files/leader-election-rules.yaml): the Lease verbs the code uses, all but create limited to the one Lease', () => {
      const rules = readRules('leader-election-rules.yaml');
      const used = derived.filter((k) => k.startsWith(LEASES));
      assert.ok(used.length > 0, 'the scan sees the leader election');
      assert.deepEqual(sorted(grants(rules)), used);
      for (const r of rules) {
        assert.deepEqual([r.apiGroups, r.resources], [['coordination.k8s.io'], ['leases']]);
        // RBAC cannot limit create by name (a create request has no name in its URL): only create goes unnamed
        if (r.resourceNames === undefined) assert.deepEqual(r.verbs, ['create']);
        else assert.deepEqual(r.resourceNames, ['<leader-election-id>'], 'the placeholder the chart and the stand-ins replace');
      }
    });
  });
});
