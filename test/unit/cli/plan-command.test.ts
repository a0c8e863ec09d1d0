// The plan command as a user runs it: a child process, exit codes 0 / 1 / 2, output on stdout, errors on stderr.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../src/cli/index.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SEED = join(root, 'test/fixtures/seed');
const FACTS = join(root, 'test/fixtures/seed-facts/facts.json');
const OBSERVED = join(root, 'test/fixtures/seed-observed/observed.json');

function cli(args: string[], input?: string, entry = 'src/main.ts'): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, entry), ...args], { cwd: root, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'plan-cli-'));
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

const BROKEN = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: alb }
spec: { controller: ingress.k8s.aws/alb }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: broken
  namespace: default
  annotations:
    alb.ingress.kubernetes.io/scheme: sideways
spec:
  ingressClassName: alb
  defaultBackend: { service: { name: api-service, port: { number: 80 } } }
`;

describe('aws-lb-controller plan (child process)', () => {
  it('exits 2 and prints the plan when there are changes', () => {
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /Stack "default\/host-based-ingress":/);
    assert.match(r.stdout, /Stack "default\/path-based-ingress":/);
    assert.match(r.stdout, /\(known after discovery: subnets\)/);
    assert.equal((r.stdout.match(/Plan: 9 to create, 0 to update, 0 to replace, 0 to delete\./g) ?? []).length, 2);
  });

  it('exits 0 with "No changes." when the observed state matches', () => {
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '--facts', FACTS, '--observed', OBSERVED]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/No changes\./g) ?? []).length, 2);
  });

  it('writes versioned JSON with -o json', () => {
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '-o', 'json', '--facts', FACTS]);
    assert.equal(r.code, 2, r.stderr);
    const doc = JSON.parse(r.stdout) as { formatVersion: string; plans: { stackId: string; complete: boolean }[] };
    assert.equal(doc.formatVersion, '1');
    assert.deepEqual(doc.plans.map((p) => [p.stackId, p.complete]), [['default/host-based-ingress', true], ['default/path-based-ingress', true]]);
  });

  it('reads manifests from stdin with -f -', () => {
    const r = cli(['plan', '-f', '-', '--cluster-name', 'demo'], BROKEN.replace('sideways', 'internal'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /Stack "default\/broken":/);
  });

  it('exits 1 and names the Ingress, field and reason for a broken Ingress', () => {
    const r = cli(['plan', '-f', write('broken.yaml', BROKEN), '--cluster-name', 'demo']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Errors \(1\)/);
    assert.match(r.stdout, /Ingress default\/broken: alb\.ingress\.kubernetes\.io\/scheme: /);
  });

  it('prints the builder\'s notes, e.g. which certificate was chosen for each TLS host', async () => {
    const tls = BROKEN.replace('alb.ingress.kubernetes.io/scheme: sideways', `alb.ingress.kubernetes.io/listen-ports: '[{"HTTPS":443}]'`)
      .replace('  ingressClassName: alb\n', '  ingressClassName: alb\n  tls: [{ hosts: [shop.example.com] }]\n');
    let stdout = '';
    const code = await runCli(['plan', '-f', write('tls.yaml', tls), '--cluster-name', 'demo', '--facts', FACTS],
      { stdout: (t) => { stdout += t; }, stderr: () => {}, readStdin: async () => '' });
    assert.equal(code, 2);
    assert.match(stdout, /Notes:\n {2}Ingress default\/broken: certificate for shop\.example\.com: arn:aws:acm:\S+22222222 \(exact match/);
  });

  it('ignores kinds it does not read and still plans the others', () => {
    const r = cli(['plan', '-f', join(SEED, 'services.yaml'), '--cluster-name', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No Ingresses for this controller in the input\./);
  });

  const usage: [string, string[], RegExp][] = [
    ['a missing --cluster-name', ['plan', '-f', SEED], /--cluster-name is required/],
    ['a missing -f', ['plan', '--cluster-name', 'demo'], /-f\/--filename is required/],
    ['an unknown flag', ['plan', '-f', SEED, '--cluster-name', 'demo', '--colour'], /Unknown option '--colour'/],
    ['a bad output format', ['plan', '-f', SEED, '--cluster-name', 'demo', '-o', 'yaml'], /--output must be one of text, json/],
    ['a bad default scheme', ['plan', '-f', SEED, '--cluster-name', 'demo', '--default-scheme', 'public'], /--default-scheme must be one of internal, internet-facing/],
    ['a reserved default tag', ['plan', '-f', SEED, '--cluster-name', 'demo', '--default-tags', 'elbv2.k8s.aws/cluster=x'], /reserved/],
    ['a missing manifest path', ['plan', '-f', join(tmp, 'nope.yaml'), '--cluster-name', 'demo'], /cannot read .*nope\.yaml/],
    ['invalid YAML', ['plan', '-f', write('bad.yaml', 'kind: [unclosed\n'), '--cluster-name', 'demo'], /bad\.yaml: document 1: /],
    ['a facts file that is not JSON', ['plan', '-f', SEED, '--cluster-name', 'demo', '--facts', write('facts.json', '{nope')], /facts file .* is not valid JSON/],
    ['an observed file of the wrong shape', ['plan', '-f', SEED, '--cluster-name', 'demo', '--observed', write('observed.json', '{"loadBalancers": []}')], /expected \{"stacks"/],
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
  ];
  it('exits 1 with a message on stderr for a bad flag, in a real process', () => {
    const r = cli(['plan', '-f', SEED]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: --cluster-name is required\n$/);
  });

  // the same path in-process, for every kind of bad input (a process per case would be slow)
  for (const [what, args, message] of usage) {
    it(`exits 1 with a clear message for ${what}`, async () => {
      let stderr = '';
      const code = await runCli(args, { stdout: () => {}, stderr: (t) => { stderr += t; }, readStdin: async () => '' });
      assert.equal(code, 1);
      assert.match(stderr, message);
    });
  }

  it('prints usage for plan --help and exits 0', () => {
    const r = cli(['plan', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: aws-lb-controller plan -f <file\|dir\|->/);
  });

  it('runs through bin/aws-lb-controller.js as npx does', () => {
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '--facts', FACTS, '--observed', OBSERVED], undefined, 'bin/aws-lb-controller.js');
    assert.equal(r.code, 0, r.stderr);
  });

  it('warns about observed stacks that no Ingress in the input belongs to, and leaves them alone', () => {
    const observed = write('orphan.json', JSON.stringify({ stacks: { 'other/ns': { loadBalancers: [{ arn: 'arn:lb', tags: {}, spec: {} }] } } }));
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '--facts', FACTS, '--observed', observed]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /stack "other\/ns" is in the observed state but no Ingress in the input belongs to it; not planned/);
  });
});
