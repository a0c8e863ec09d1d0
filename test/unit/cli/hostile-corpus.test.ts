// The hostile-input corpus: ≥ 10,000 manifests (hand cases, then fast-check with a fixed seed) through
// `aws-lb-controller plan -o json` in process (runCli), each checked for
// - an exit code of 0, 1 or 2, and never "plan failed unexpectedly";
// - every issue naming an object (kind, namespace, name) and a field;
// - no AWS rule broken by any planned stack, as judged by aws-rules.ts, a checker written from AWS's
//   documentation apart from the builder's own checks.
// HOSTILE_CORPUS_REPORT=1 prints the counts (total, accepted, refused by issue code).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { runCli } from '../../../src/cli/index.ts';
import { awsRuleViolations, DEFAULT_ACCOUNT, type AccountQuotas } from './aws-rules.ts';
import { HAND_CASES, hostileManifest, type Manifest } from './hostile-manifests.ts';

const FACTS = fileURLToPath(new URL('../../fixtures/seed-facts/facts.json', import.meta.url));
const SEED = 20250904;
// HOSTILE_CORPUS_RUNS may raise it for a longer search; the corpus is never smaller than 10,000 in CI
const GENERATED = Math.max(10_000, Number(process.env['HOSTILE_CORPUS_RUNS'] ?? 0));

interface Outcome { readonly code: number; readonly stdout: string; readonly stderr: string }

/** JSON is YAML: one document per object (hand cases), or one `kind: List` (generated ones: a quarter cheaper to parse) */
async function plan(m: Manifest, asList = false): Promise<Outcome> {
  const text = asList ? JSON.stringify({ kind: 'List', items: m.objects }) : m.objects.map((o) => JSON.stringify(o)).join('\n---\n');
  let stdout = '';
  let stderr = '';
  const code = await runCli(['plan', '-f', '-', '--cluster-name', 'demo', '-o', 'json', '--facts', FACTS, ...m.flags],
    { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, readStdin: async () => text });
  return { code, stdout, stderr };
}

/** the quotas the manifest's flags raised, for the checker */
function quotasOf(flags: readonly string[]): AccountQuotas {
  const n = (flag: string): number | undefined => {
    const f = flags.find((x) => x.startsWith(`--${flag}=`));
    return f === undefined ? undefined : Number(f.slice(flag.length + 3));
  };
  return {
    rules: n('max-rules-per-load-balancer') ?? DEFAULT_ACCOUNT.rules,
    listeners: n('max-listeners-per-load-balancer') ?? DEFAULT_ACCOUNT.listeners,
    certificates: n('max-certificates-per-load-balancer') ?? DEFAULT_ACCOUNT.certificates,
    inboundRules: n('max-inbound-rules-per-security-group') ?? DEFAULT_ACCOUNT.inboundRules,
  };
}

interface Tally {
  total: number;
  /** exit 0 or 2: every Ingress planned */
  accepted: number;
  /** exit 1 with a JSON plan: some Ingress refused (the others planned) */
  refused: number;
  /** exit 1 before planning: a flag or the input itself refused */
  usage: number;
  plannedStacks: number;
  readonly byCode: Map<string, number>;
}

const NAMESPACED = new Set(['Ingress', 'Service', 'TargetGroupBinding']);

/** the corpus's assertions on one outcome; counts go to `tally` */
function judge(m: Manifest, out: Outcome, tally: Tally): void {
  tally.total++;
  assert.ok([0, 1, 2].includes(out.code), `exit code ${out.code}`);
  assert.doesNotMatch(out.stderr, /failed unexpectedly/);
  if (out.code === 1 && out.stdout === '') {
    assert.match(out.stderr, /^error: /);
    tally.usage++;
    return;
  }
  const doc = JSON.parse(out.stdout) as { plans: unknown[]; issues: { object: { kind: string; namespace?: string; name: string }; field: string; code: string }[] };
  for (const i of doc.issues) {
    assert.ok(i.object.kind !== '' && i.object.name !== '' && (!NAMESPACED.has(i.object.kind) || (i.object.namespace ?? '') !== ''), `issue without an object: ${JSON.stringify(i)}`);
    assert.ok(i.field !== '', `issue without a field: ${JSON.stringify(i)}`);
    tally.byCode.set(i.code, (tally.byCode.get(i.code) ?? 0) + 1);
  }
  assert.equal(out.code === 1, doc.issues.length > 0, 'exit 1 exactly when there are issues');
  if (out.code === 1) tally.refused++;
  else tally.accepted++;
  tally.plannedStacks += doc.plans.length;
  const broken = awsRuleViolations(doc, quotasOf(m.flags));
  assert.deepEqual(broken, [], `AWS would refuse what was planned:\n  ${broken.slice(0, 10).join('\n  ')}`);
}

describe('plan on a hostile-input corpus (AWS limits and formats)', function () {
  // measured, not asserted: ~10,000 plans take minutes on two busy cores
  this.timeout(0);
  const tally: Tally = { total: 0, accepted: 0, refused: 0, usage: 0, plannedStacks: 0, byCode: new Map() };

  it(`hand cases (${HAND_CASES.length}): each planned or refused with a named issue, and what is planned AWS would take`, async () => {
    for (const { name, manifest } of HAND_CASES) {
      const out = await plan(manifest);
      try {
        judge(manifest, out, tally);
      } catch (e) {
        throw new Error(`hand case "${name}": ${(e as Error).message}`);
      }
    }
  });

  it(`${GENERATED} generated manifests (fast-check, seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(hostileManifest, async (m) => judge(m, await plan(m, true), tally)), { seed: SEED, numRuns: GENERATED, endOnFailure: true });
  });

  after(() => {
    if (!process.env['HOSTILE_CORPUS_REPORT']) return;
    const codes = [...tally.byCode].sort(([, a], [, b]) => b - a).map(([c, n]) => `${c} ${n}`).join(', ');
    console.log(`hostile corpus: ${tally.total} manifests; ${tally.accepted} accepted, ${tally.refused} with refused Ingresses, `
      + `${tally.usage} refused before planning; ${tally.plannedStacks} stacks planned; issues by code: ${codes}`);
  });
});
