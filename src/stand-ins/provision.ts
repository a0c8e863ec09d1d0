// Provisioning: etcd and kube-apiserver built from the Go modules (scripts/stand-ins/build-binaries.sh),
// and moto in a Python virtualenv. Both are cached outside the repo, keyed by version.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MOTO_VERSION = '5.2.5';
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function cacheDir(): string {
  return process.env['STAND_INS_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'aws-lb-controller');
}

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  motoServer: string;
}

/** Error thrown when a prerequisite is missing; the message says what to install. */
export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** the Kubernetes version of the stand-in kube-apiserver (and the one Helm renders the chart for in tests) */
export const standInKubernetesVersion = (): string => process.env['K8S_VERSION'] ?? 'v1.34.4';

/** Checks the tools the stand-ins need before anything long-running starts. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  const k8s = standInKubernetesVersion();
  const etcd = process.env['ETCD_VERSION'] ?? 'v3.6.16';
  const built = existsSync(join(cacheDir(), `k8s-${k8s}`, 'kube-apiserver')) && existsSync(join(cacheDir(), `etcd-${etcd}`, 'etcd'));
  if (!built && !onPath('go')) missing.push('Go >= 1.24 (https://go.dev/dl), to build kube-apiserver and etcd');
  if (!onPath('python3')) missing.push('Python >= 3.10 with venv (Debian/Ubuntu: apt-get install python3 python3-venv), to run moto');
  if (!onPath('openssl')) missing.push('openssl (Debian/Ubuntu: apt-get install openssl), to make certificates');
  if (missing.length > 0) {
    throw new MissingPrerequisiteError(`stand-ins: missing prerequisites; install:\n  - ${missing.join('\n  - ')}`);
  }
}

/**
 * Runs build-binaries.sh (a no-op when cached); its progress goes to stderr. Concurrent callers
 * are serialised by the script's lock file.
 */
export async function provisionKubeBinaries(): Promise<{ etcd: string; kubeApiserver: string }> {
  const script = join(REPO_ROOT, 'scripts', 'stand-ins', 'build-binaries.sh');
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code === 3) throw new MissingPrerequisiteError('stand-ins: Go is required to build kube-apiserver and etcd (install Go >= 1.24 from https://go.dev/dl)');
  if (code !== 0) throw new Error(`stand-ins: ${script} failed with exit code ${code}`);
  const [etcd, kubeApiserver] = out.trim().split('\n').slice(-2);
  if (!etcd || !kubeApiserver || !existsSync(etcd) || !existsSync(kubeApiserver)) {
    throw new Error(`stand-ins: build-binaries.sh printed no usable binary paths:\n${out}`);
  }
  return { etcd, kubeApiserver };
}

function run(cmd: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/**
 * Ensures a virtualenv with `moto[server]==MOTO_VERSION` exists in the cache and returns the path of
 * `moto_server`. A venv is not relocatable, so it is built in place and marked complete at the end.
 */
export function provisionMoto(): string {
  const venv = join(cacheDir(), `moto-${MOTO_VERSION}`);
  const motoServer = join(venv, 'bin', 'moto_server');
  const marker = join(venv, '.stand-ins-complete');
  if (existsSync(marker) && existsSync(motoServer)) return motoServer;
  // A venv made by hand (or an interrupted install): accept it if it has the pinned version.
  if (existsSync(motoServer)) {
    const v = run(join(venv, 'bin', 'python'), ['-c', 'import importlib.metadata as m; print(m.version("moto"))']);
    if (v.ok && v.output.trim() === MOTO_VERSION) {
      writeFileSync(marker, `moto ${MOTO_VERSION}\n`);
      return motoServer;
    }
  }
  const py = run('python3', ['-c', 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)']);
  if (!py.ok) {
    throw new MissingPrerequisiteError(`stand-ins: moto needs Python >= 3.10 with the venv module (Debian/Ubuntu: apt-get install python3 python3-venv).\n${py.output}`);
  }
  process.stderr.write(`stand-ins: installing moto[server]==${MOTO_VERSION} into ${venv}\n`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(cacheDir(), { recursive: true });
  const mk = spawnSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (mk.status !== 0) {
    rmSync(venv, { recursive: true, force: true });
    throw new MissingPrerequisiteError('stand-ins: `python3 -m venv` failed; install the venv module (Debian/Ubuntu: apt-get install python3-venv).');
  }
  const pip = spawnSync(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--quiet', `moto[server]==${MOTO_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  if (pip.status !== 0 || !existsSync(motoServer)) {
    rmSync(venv, { recursive: true, force: true });
    throw new Error(`stand-ins: pip install 'moto[server]==${MOTO_VERSION}' failed (see output above)`);
  }
  writeFileSync(marker, `moto ${MOTO_VERSION}\n`);
  return motoServer;
}

export async function provisionAll(): Promise<Binaries> {
  checkPrerequisites();
  const motoServer = provisionMoto();
  const kube = await provisionKubeBinaries();
  return { ...kube, motoServer };
}
