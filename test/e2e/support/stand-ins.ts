// Shared e2e setup: ONE set of stand-ins (moto + etcd + kube-apiserver) for the whole mocha run.
// The first suite that calls `standIns(this)` in a `before` hook starts them; later suites reuse them;
// a root `after` hook registered when this module loads stops them (by PID) at the end of the run.
//
//   import { standIns, kube, awsConfig } from './support/stand-ins.ts';
//   describe('my suite', function () {
//     before(async function () { await standIns(this); });
//     it('...', async () => { const core = kube().admin.makeApiClient(k8s.CoreV1Api); ... });
//   });
//
// Environment:
//   SKIP_E2E=1             skip suites that need the stand-ins (refused under CI=true: CI never skips)
//   E2E_REUSE_STAND_INS=1  reuse the stand-ins of `npm run stand-ins -- up` (STAND_INS_RUN_DIR from
//                          .stand-ins/env) instead of starting a fresh set; they are not stopped
//   E2E_LOG=1              print start-up progress
import * as k8s from '@kubernetes/client-node';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createKubeClients, type KubeClients } from '../../../src/k8s/client.ts';
import { grantLeaderElection, isApiError } from '../../../src/stand-ins/kube.ts';
import { startStandIns, attachStandIns, loadKubeConfig, type StandIns, type AwsClientConfig, type SeededFacts } from '../../../src/stand-ins/index.ts';

export type { StandIns, AwsClientConfig, SeededFacts };

let pending: Promise<StandIns> | undefined;
let current: StandIns | undefined;
let owned = false;

const isCI = (): boolean => process.env['CI'] === 'true' || process.env['CI'] === '1';

/** Longest a cold start may take (it builds kube-apiserver from source on a fresh machine). */
const COLD_START_TIMEOUT_MS = 45 * 60_000;

/** SKIP_E2E=1 skips a test that needs the stand-ins (for a person without Go or Python), never under CI=true */
export function skipIfAskedTo(ctx?: Mocha.Context): void {
  if (process.env['SKIP_E2E'] !== '1') return;
  if (isCI()) throw new Error('SKIP_E2E=1 is not honoured under CI=true: the end-to-end suite must run in CI');
  console.warn('    (skipped: SKIP_E2E=1 set, so the stand-ins are not started)');
  ctx?.skip();
  throw new Error('SKIP_E2E=1');
}

/**
 * Starts the shared stand-ins (or returns the running ones). Pass the mocha context of a `before`
 * hook: the hook's timeout is raised for a cold start, and SKIP_E2E=1 skips the suite outside CI.
 */
export async function standIns(ctx?: Mocha.Context): Promise<StandIns> {
  skipIfAskedTo(ctx);
  if (current) return current;
  if (ctx && ctx.timeout() < COLD_START_TIMEOUT_MS) ctx.timeout(COLD_START_TIMEOUT_MS);
  pending ??= start();
  try {
    current = await pending;
  } catch (err) {
    pending = undefined;
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n(the end-to-end suite needs the local stand-ins; see scripts/stand-ins/README.md)`, { cause: err });
  }
  return current;
}

async function start(): Promise<StandIns> {
  const runDir = process.env['STAND_INS_RUN_DIR'];
  if (process.env['E2E_REUSE_STAND_INS'] === '1' && runDir) {
    owned = false;
    return attachStandIns(runDir);
  }
  owned = true;
  return startStandIns({
    clusterName: 'demo',
    log: process.env['E2E_LOG'] === '1' ? (m) => console.error(`    stand-ins: ${m}`) : undefined,
  });
}

/** The running stand-ins; throws when `standIns()` was not awaited first. */
export function running(): StandIns {
  if (!current) throw new Error('stand-ins not started: call `await standIns(this)` in a before hook');
  return current;
}

/** Stops the shared stand-ins now (normally left to the root after hook). */
export async function stopStandIns(): Promise<void> {
  const s = current ?? (pending ? await pending.catch(() => undefined) : undefined);
  current = undefined;
  pending = undefined;
  if (s && owned) await s.stop();
}

// Registered on mocha's root suite (this module is first evaluated while mocha loads test files).
if (typeof globalThis.after === 'function') {
  after(async function () {
    this.timeout(60_000);
    await stopStandIns();
  });
}

const kubeConfigs = new Map<string, k8s.KubeConfig>();
function cachedKc(path: string): k8s.KubeConfig {
  let kc = kubeConfigs.get(path);
  if (!kc) {
    kc = loadKubeConfig(path);
    kubeConfigs.set(path, kc);
  }
  return kc;
}

/** KubeConfigs for the admin (system:masters) and the RBAC-limited controller user `e2e-controller`. */
export function kube(): { admin: k8s.KubeConfig; controller: k8s.KubeConfig } {
  const s = running();
  return { admin: cachedKc(s.adminKubeconfigPath), controller: cachedKc(s.controllerKubeconfigPath) };
}

/** SDK v3 client config for moto: `new ELBv2Client(awsConfig())`. */
export function awsConfig(): AwsClientConfig {
  return running().aws;
}

/** The seeded VPC, subnets, SG, node instances and certificates (changes after resetAws()). */
export function seeded(): SeededFacts {
  const f = running().seeded;
  if (!f) throw new Error('stand-ins were started without seeding');
  return f;
}

/**
 * Wipes moto (`POST /moto-api/reset`), seeds it again and replaces the seeded Nodes. Every ID
 * changes: restart any controller after calling this (its cached ARNs are stale).
 */
export async function resetAws(): Promise<SeededFacts> {
  const f = await running().resetAws();
  if (!f) throw new Error('stand-ins were started without seeding');
  return f;
}

/** Environment variables for a controller process pointed at the stand-ins (kubeconfig = controller user). */
export function controllerEnv(): Record<string, string> {
  const e = running().env;
  return { ...e, KUBECONFIG: e.KUBECONFIG_CONTROLLER };
}

/** Creates a namespace `<prefix>-<random>` (deletes never finish without kube-controller-manager; use fresh ones). */
export async function freshNamespace(prefix = 'e2e'): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kube().admin.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** The clients most suites use: the admin's Kubernetes clients, and ELBv2 and EC2 on moto (destroy the two when done). */
export interface SuiteClients { readonly admin: KubeClients; readonly elbv2: ElasticLoadBalancingV2Client; readonly ec2: EC2Client }

/** Starts (or joins) the stand-ins and makes the suite's clients. */
export async function suiteClients(ctx: Mocha.Context): Promise<SuiteClients> {
  const s = await standIns(ctx);
  return { admin: createKubeClients({ kubeconfig: s.adminKubeconfigPath }), elbv2: new ElasticLoadBalancingV2Client({ ...s.aws }), ec2: new EC2Client({ ...s.aws }) };
}

/** The chart's leader-election Role for the Lease `name` in `default` (kept from an earlier run on the same stand-ins). */
export async function grantSuiteLease(name: string): Promise<void> {
  await grantLeaderElection(kube().admin, 'default', name).catch((err: unknown) => { if (!isApiError(err, 409)) throw err; });
}
