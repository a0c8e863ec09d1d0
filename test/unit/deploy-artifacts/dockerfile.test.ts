// Static checks of the Dockerfile (no Docker engine runs here): base image, stages, production
// dependencies only, non-root user, nothing from the dev tree in the image.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

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

  it('installs production dependencies only, from the lockfile, into what the final stage copies', () => {
    const installs = stages.flatMap((s) => [...ops(s, 'RUN')].filter((r) => /\bnpm (ci|install|i)\b/.test(r)).map((r) => ({ stage: s, run: r })));
    assert.ok(installs.length > 0, 'an npm ci');
    for (const { run } of installs) {
      assert.match(run, /\bnpm ci\b/, 'npm ci (the lockfile), not npm install');
      assert.match(run, /--omit=dev\b/, 'production dependencies only');
    }
    const modules = ops(final, 'COPY').filter((c) => /node_modules/.test(c));
    const builtHere = ops(final, 'RUN').some((r) => /\bnpm ci\b.*--omit=dev/.test(r));
    const copiedFrom = modules.map((c) => /--from=(\S+)/.exec(c)?.[1]);
    assert.ok(builtHere || copiedFrom.length > 0, 'the final stage gets node_modules from npm ci --omit=dev');
    for (const from of copiedFrom) {
      const src = stages.find((s) => s.name === from);
      assert.ok(src, `COPY --from=${from} names a stage of this file`);
      assert.ok(ops(src, 'RUN').some((r) => /\bnpm ci\b.*--omit=dev/.test(r)), `stage ${from} runs npm ci --omit=dev`);
    }
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

  it('copies only the runtime files: no tests, no .git, no dev tooling', () => {
    const copies = ops(final, 'COPY').concat(ops(final, 'ADD'));
    const sources = (c: string): string[] => c.split(' ').filter((t) => !t.startsWith('--')).slice(0, -1);
    for (const c of copies) {
      for (const src of sources(c)) {
        assert.ok(!['.', './', '*'].includes(src), `COPY of the whole context: ${c}`);
        assert.doesNotMatch(src, /(^|\/)(test|\.git|\.stand-ins|scripts|helm|docs|eslint\.config\.js|tsconfig\.json|\.ci)(\/|$)/, `dev file in the image: ${c}`);
      }
    }
    assert.ok(copies.some((c) => sources(c).some((src) => src.replace(/\/$/, '') === 'src')), 'src/ is copied (Node runs the TypeScript sources)');
    assert.ok(ops(final, 'ADD').every((a) => !/^https?:/.test(a)), 'no remote ADD');
  });

  it('starts the controller with node src/main.ts (no build step)', () => {
    const entry = ops(final, 'ENTRYPOINT').at(-1);
    assert.ok(entry, 'ENTRYPOINT in the final stage');
    const argv = JSON.parse(entry) as string[];
    assert.deepEqual(argv.slice(0, 2), ['node', 'src/main.ts'], 'exec form: node src/main.ts');
    for (const s of stages) for (const r of ops(s, 'RUN')) assert.doesNotMatch(r, /\b(tsc|npm run build)\b/, 'no build step');
  });

  it('.dockerignore keeps node_modules, .git, tests and the stand-ins cache out of the build context', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim().replace(/^\/|\/$/g, ''))
      .filter((l) => l && !l.startsWith('#'));
    for (const must of ['node_modules', '.git', 'test', '.stand-ins']) assert.ok(ignored.includes(must), `.dockerignore lists ${must}`);
    for (const needed of ['src', 'package.json', 'package-lock.json']) assert.ok(!ignored.includes(needed), `${needed} must reach the build`);
  });
});
