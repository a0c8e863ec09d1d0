// The image's entry point as the image runs it: the bundle alone, in a directory without node_modules or sources.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildControllerBundle, CONTROLLER_NODE_FLAGS } from '../../../scripts/build/controller-bundle.ts';

describe('deploy artifacts: the controller bundle', () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'controller-bundle-'));
    copyFileSync(await buildControllerBundle(), path.join(dir, 'controller.mjs'));
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const run = (...args: string[]) => spawnSync(process.execPath, [...CONTROLLER_NODE_FLAGS, 'controller.mjs', ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });

  it('starts on its own and prints the run usage for --help, with or without the leading `run`', () => {
    for (const args of [['--help'], ['run', '--help']]) {
      const r = run(...args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Usage: aws-lb-controller run /);
      assert.match(r.stdout, /--cluster-name/);
    }
  });

  it('is ASCII only, so V8 holds its source as a one-byte string (one non-ASCII character doubles it in the heap)', () => {
    const bytes = readFileSync(path.join(dir, 'controller.mjs'));
    const at = bytes.findIndex((b) => b > 0x7f);
    assert.equal(at, -1, `non-ASCII byte at offset ${at}: ${bytes.subarray(Math.max(0, at - 60), at + 20).toString('utf8')}`);
  });

  it('carries one HTTP stack: node:https for the apiserver too, no bundled undici and its WebAssembly parser (ADR 25)', () => {
    const source = readFileSync(path.join(dir, 'controller.mjs'), 'utf8');
    assert.doesNotMatch(source, /llhttp|WebAssembly/);
  });

  it('refuses bad flags as `run` does: one error line per problem, exit code 1', () => {
    const r = run('run', '--no-such-flag=1');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown flag --no-such-flag/);
    assert.match(r.stderr, /--cluster-name is required/);
  });
});
