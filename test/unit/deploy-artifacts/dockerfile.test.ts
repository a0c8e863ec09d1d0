// Static checks of the Dockerfile (no Docker engine runs here): base image, stages, the bundle built from the
// lockfile in a build stage, a final stage with the bundle alone, non-root user.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONTROLLER_NODE_FLAGS } from '../../../scripts/build/controller-bundle.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

interface Instruction { readonly op: string; readonly args: string }
interface Stage { readonly from: string; readonly name: string | undefined; readonly body: Instruction[] }

/** joins continuation lines, drops comments and parser directives, splits into stages */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (/\\\s*$/.test(line)) { current += line.replace(/\\\s*$/, ' '); continue; }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l);
    if (!m) continue;
    const op = (m[1] ?? '').toUpperCase();
    const args = (m[2] ?? '').replace(/\s+/g, ' ').trim();
    if (op === 'FROM') {
      const f = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: f?.[1] ?? args, name: f?.[2], body: [] });
    } else {
      assert.ok(stages.length > 0, `${op} before the first FROM`);
      stages.at(-1)?.body.push({ op, args });
    }
  }
  return stages;
}

const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const final = stages.at(-1) as Stage;
const ops = (stage: Stage, op: string): string[] => stage.body.filter((i) => i.op === op).map((i) => i.args);

describe('deploy artifacts: Dockerfile', () => {
  it('is multi-stage, every stage on a pinned slim or alpine Node 24 image', () => {
    assert.ok(stages.length >= 2, 'at least two stages');
    for (const s of stages) {
      assert.match(s.from, /^node:24(\.\d+){0,2}-(alpine\d+(\.\d+)?|(bookworm|trixie)-slim|slim)$/, `FROM ${s.from}: a Node 24 alpine/slim tag with the OS release pinned`);
      assert.ok(!s.from.endsWith(':latest'));
    }
  });

  it('builds the bundle in an earlier stage, from the lockfile, with the build script of the repository', () => {
    const builder = stages.find((s) => ops(s, 'RUN').some((r) => /\bnode scripts\/build\/controller-bundle\.ts\b/.test(r)));
    assert.ok(builder && builder !== final, 'a build stage runs scripts/build/controller-bundle.ts');
    const installs = ops(builder, 'RUN').filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    assert.ok(installs.length > 0, 'the build stage installs dependencies');
    for (const run of installs) {
      assert.match(run, /\bnpm ci\b/, 'npm ci (the lockfile), not npm install');
      assert.match(run, /--ignore-scripts\b/, 'no dependency install scripts run');
    }
  });

  it('the final stage holds the bundle alone: no node_modules, no sources, no package managers', () => {
    const copies = ops(final, 'COPY').concat(ops(final, 'ADD'));
    assert.deepEqual(copies.map((c) => c.replace(/--from=\S+\s*/, '')), ['/app/dist/controller.mjs ./controller.mjs']);
    assert.ok(copies.every((c) => /--from=\S+/.test(c)), 'copied from the build stage');
    assert.ok(!ops(final, 'RUN').some((r) => /\bnpm (ci|install|i)\b/.test(r)), 'nothing installed in the final stage');
    assert.ok(ops(final, 'RUN').some((r) => /rm -rf .*\/usr\/local\/bin\/npm\b/.test(r)), 'npm removed');
    assert.ok(ops(final, 'ADD').every((a) => !/^https?:/.test(a)), 'no remote ADD');
  });

  it('runs as a numeric non-root user in the final stage', () => {
    const users = ops(final, 'USER');
    assert.ok(users.length > 0, 'USER in the final stage');
    const user = users.at(-1) ?? '';
    assert.match(user, /^\d+(:\d+)?$/, 'numeric uid[:gid], so that runAsNonRoot can be verified by the kubelet');
    assert.notEqual(user.split(':')[0], '0');
    const chartUid = /runAsUser:\s*(\d+)/.exec(readFileSync(path.join(ROOT, 'helm/aws-lb-controller/values.yaml'), 'utf8'))?.[1];
    if (chartUid) assert.equal(user.split(':')[0], chartUid, 'the chart runs the same uid');
  });

  it('starts the bundle with the controller\'s Node flags', () => {
    const entry = ops(final, 'ENTRYPOINT').at(-1);
    assert.ok(entry, 'ENTRYPOINT in the final stage');
    const argv = JSON.parse(entry) as string[];
    assert.deepEqual(argv, ['node', ...CONTROLLER_NODE_FLAGS, 'controller.mjs'], 'exec form: node <flags> controller.mjs');
  });

  it('.dockerignore keeps node_modules, .git, tests and the stand-ins cache out of the build context', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim().replace(/^\/|\/$/g, ''))
      .filter((l) => l && !l.startsWith('#'));
    for (const must of ['node_modules', 'dist', '.git', 'test', '.stand-ins']) assert.ok(ignored.includes(must), `.dockerignore lists ${must}`);
    for (const needed of ['src', 'package.json', 'package-lock.json']) assert.ok(!ignored.includes(needed), `${needed} must reach the build`);
    assert.ok(ignored.includes('!scripts/build'), 'the build script reaches the build stage');
  });
});
