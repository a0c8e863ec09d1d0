// Local stand-ins for AWS and Kubernetes: moto, etcd and a real kube-apiserver on loopback, in a fresh
// temp directory, on free ports. Used by the end-to-end tests, the demo and the benchmarks.
//
//   const s = await startStandIns({ clusterName: 'demo' });
//   ... s.env.KUBECONFIG_CONTROLLER, s.env.AWS_ENDPOINT_URL, s.seeded.vpcId ...
//   await s.stop();
//
// Every process is recorded by PID in <runDir>/state.json and stopped by PID (also when start fails).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionAll, type Binaries } from './provision.ts';
import { makeApiserverPki } from './certs.ts';
import { freePorts, startProcess, stopProcess, waitReady, isAlive, type ProcessRecord } from './processes.ts';
import { writeKubeconfig, loadKubeConfig, bootstrapCluster, ADMIN_USER, CONTROLLER_USER } from './kube.ts';
import { seedAws, seedNodes, awsClientConfig, type SeededFacts, type AwsClientConfig } from './seed.ts';

export { MissingPrerequisiteError, checkPrerequisites, provisionAll, cacheDir, MOTO_VERSION, REPO_ROOT } from './provision.ts';
export { awsClientConfig, SEEDED_NODE_LABEL, MOTO_ACCOUNT_ID } from './seed.ts';
export type { AwsClientConfig, SeededFacts, SubnetFact, NodeFact, CertFact } from './seed.ts';
export { loadKubeConfig, isApiError, CONTROLLER_USER, ADMIN_USER, CONTROLLER_CLUSTERROLE, INGRESS_CLASS, INGRESS_CONTROLLER, CRDS_FILE, CLUSTERROLE_RULES_FILE, LEADER_ELECTION_RULES_FILE,
  grantLeaderElection, leaderElectionRoleName, readClusterRoleRules, readLeaderElectionRules } from './kube.ts';
export { isAlive, type ProcessRecord } from './processes.ts';

/** Environment for pointing the controller, kubectl or the AWS CLI at the stand-ins. */
export interface StandInsEnv {
  KUBECONFIG_ADMIN: string;
  KUBECONFIG_CONTROLLER: string;
  KUBE_APISERVER_URL: string;
  AWS_ENDPOINT_URL: string;
  AWS_REGION: string;
  AWS_DEFAULT_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_EC2_METADATA_DISABLED: string;
  CLUSTER_NAME: string;
  /** Empty when started with `seed: false`. */
  VPC_ID: string;
  STAND_INS_RUN_DIR: string;
  STAND_INS_PIDS_FILE: string;
}

export interface StartStandInsOptions {
  /** Default `demo`. */
  clusterName?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Seed moto and the Nodes (default true). */
  seed?: boolean;
  /** Start processes in their own session so they outlive this Node process (`stand-ins up`). Default false. */
  detached?: boolean;
  /** Parent of the fresh run directory (default the OS temp dir). */
  baseDir?: string;
  /** Progress messages (default: none). */
  log?: (msg: string) => void;
}

/** The serialisable part of a running set of stand-ins (`<runDir>/state.json`). */
export interface StandInsState {
  runDir: string;
  clusterName: string;
  region: string;
  apiserverUrl: string;
  etcdUrl: string;
  motoUrl: string;
  caFile: string;
  adminKubeconfigPath: string;
  controllerKubeconfigPath: string;
  processes: ProcessRecord[];
  seeded?: SeededFacts;
  env: StandInsEnv;
  startedAt: string;
  startMs?: number;
}

export interface StandIns extends StandInsState {
  /** SDK v3 client settings for moto (endpoint, region, static credentials). */
  aws: AwsClientConfig;
  /** `POST /moto-api/reset`, then (when seeded) seed moto again and replace the seeded Nodes. */
  resetAws(): Promise<SeededFacts | undefined>;
  /** Kills every process by PID and removes the run directory. Idempotent. */
  stop(): Promise<void>;
}

function stateFile(runDir: string): string {
  return join(runDir, 'state.json');
}

function saveState(state: StandInsState): void {
  writeFileSync(stateFile(state.runDir), JSON.stringify(state, null, 2) + '\n');
  writeFileSync(state.env.STAND_INS_PIDS_FILE, state.processes.map((p) => `${p.pid} ${p.name} ${p.command}`).join('\n') + '\n');
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}

function httpsGet(url: string, ca: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Attaches to stand-ins started elsewhere (e.g. by `npm run stand-ins -- up`) from their run dir. */
export function attachStandIns(runDir: string): StandIns {
  const state = JSON.parse(readFileSync(stateFile(runDir), 'utf8')) as StandInsState;
  return makeHandle(state);
}

function makeHandle(state: StandInsState): StandIns {
  const aws = awsClientConfig(state.motoUrl, state.region);
  let stopped = false;
  const handle: StandIns = {
    ...state,
    aws,
    async resetAws() {
      const res = await fetch(`${state.motoUrl}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`stand-ins: moto reset failed with HTTP ${res.status}`);
      if (!state.seeded) return undefined;
      const facts = await seedAws(aws, state.clusterName, state.runDir);
      await seedNodes(loadKubeConfig(state.adminKubeconfigPath), facts);
      state.seeded = facts;
      state.env.VPC_ID = facts.vpcId;
      handle.seeded = facts;
      if (existsSync(state.runDir)) saveState(state);
      return facts;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll(state.processes);
      rmSync(state.runDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Stops in reverse start order (apiserver, etcd, moto), each by PID. */
async function stopAll(procs: ProcessRecord[]): Promise<void> {
  for (const p of [...procs].reverse()) await stopProcess(p);
}

/** Synchronous last resort when the Node process exits with non-detached stand-ins still running. */
const exitGuard = new Set<ProcessRecord>();
let exitHookInstalled = false;
function guardOnExit(rec: ProcessRecord): void {
  exitGuard.add(rec);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of exitGuard) {
      if (isAlive(p)) {
        try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
  });
}

export async function startStandIns(opts: StartStandInsOptions = {}): Promise<StandIns> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const clusterName = opts.clusterName ?? 'demo';
  const region = opts.region ?? 'us-east-1';
  const detached = opts.detached ?? false;

  log('provisioning binaries (cached after the first build)');
  const bins: Binaries = await provisionAll();
  const tProvisioned = Date.now();

  const runDir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'aws-lb-controller-stand-ins-'));
  const processes: ProcessRecord[] = [];
  const record = (p: ProcessRecord): ProcessRecord => {
    processes.push(p);
    if (!detached) guardOnExit(p);
    writeFileSync(join(runDir, 'pids'), processes.map((x) => `${x.pid} ${x.name} ${x.command}`).join('\n') + '\n');
    return p;
  };
  try {
    const pkiDir = join(runDir, 'pki');
    const logDir = join(runDir, 'logs');
    mkdirSync(pkiDir);
    mkdirSync(logDir);
    const pki = makeApiserverPki(pkiDir);
    const adminToken = randomBytes(24).toString('hex');
    const controllerToken = randomBytes(24).toString('hex');
    writeFileSync(join(pkiDir, 'tokens.csv'),
      `${adminToken},${ADMIN_USER},uid-admin,"system:masters"\n${controllerToken},${CONTROLLER_USER},uid-controller\n`, { mode: 0o600 });

    const [motoPort, etcdPort, etcdPeerPort, apiPort] = (await freePorts(4)) as [number, number, number, number];
    const motoUrl = `http://127.0.0.1:${motoPort}`;
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const apiserverUrl = `https://127.0.0.1:${apiPort}`;

    log(`starting moto on ${motoUrl}, etcd on ${etcdUrl}`);
    const moto = record(startProcess({
      name: 'moto', command: bins.motoServer, args: ['-H', '127.0.0.1', '-p', String(motoPort)],
      logFile: join(logDir, 'moto.log'), detached,
      // ACM: a requested certificate is PENDING_VALIDATION for 10 s (ample for the Describe right after the request, even on a loaded machine), then ISSUED on the next Describe (create-acm-cert shows its pending state)
      env: { ...process.env, MOTO_ACM_VALIDATION_WAIT: '10', MOTO_EC2_LOAD_DEFAULT_AMIS: 'false', PYTHONUNBUFFERED: '1' },
    }));
    const etcd = record(startProcess({
      name: 'etcd', command: bins.etcd, detached, logFile: join(logDir, 'etcd.log'),
      args: ['--name', 'stand-ins', '--data-dir', join(runDir, 'etcd'),
        '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
        '--listen-peer-urls', `http://127.0.0.1:${etcdPeerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
        '--initial-cluster', `stand-ins=http://127.0.0.1:${etcdPeerPort}`, '--unsafe-no-fsync', '--log-level=warn'],
    }));
    await waitReady(etcd, async () => httpOk(`${etcdUrl}/health`), 60_000);

    log(`starting kube-apiserver on ${apiserverUrl}`);
    const apiserver = record(startProcess({
      name: 'kube-apiserver', command: bins.kubeApiserver, detached, logFile: join(logDir, 'kube-apiserver.log'),
      args: [`--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', `--secure-port=${apiPort}`,
        `--cert-dir=${join(runDir, 'apiserver-certs')}`, `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
        `--token-auth-file=${join(pkiDir, 'tokens.csv')}`, '--authorization-mode=RBAC',
        `--service-account-issuer=${apiserverUrl}`, `--service-account-key-file=${pki.saPublicKey}`,
        `--service-account-signing-key-file=${pki.saPrivateKey}`, '--service-cluster-ip-range=10.96.0.0/16',
        '--disable-admission-plugins=ServiceAccount', '--allow-privileged=true', '--profiling=false', '--v=0'],
    }));
    await waitReady(moto, async () => httpOk(`${motoUrl}/moto-api/data.json`), 60_000);
    const aws = awsClientConfig(motoUrl, region);
    // moto's first call per service is slow (seconds); seed it while the apiserver starts.
    const awsSeeding = (opts.seed ?? true) ? seedAws(aws, clusterName, runDir) : Promise.resolve(undefined);
    awsSeeding.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
    const ca = readFileSync(pki.caCert, 'utf8');
    await waitReady(apiserver, async () => {
      const r = await httpsGet(`${apiserverUrl}/readyz`, ca, adminToken);
      return r.status === 200 && r.body.trim() === 'ok';
    }, 120_000);
    const tReady = Date.now();

    const adminKubeconfigPath = writeKubeconfig(join(runDir, 'admin.kubeconfig'), apiserverUrl, pki.caCert, ADMIN_USER, adminToken);
    const controllerKubeconfigPath = writeKubeconfig(join(runDir, 'controller.kubeconfig'), apiserverUrl, pki.caCert, CONTROLLER_USER, controllerToken);
    const adminKc = loadKubeConfig(adminKubeconfigPath);
    log('applying CRDs, RBAC and the IngressClass');
    await bootstrapCluster(adminKc);

    const seeded: SeededFacts | undefined = await awsSeeding;
    if (seeded) {
      log(`seeding Nodes for cluster ${clusterName}`);
      await seedNodes(adminKc, seeded);
    }

    const env: StandInsEnv = {
      KUBECONFIG_ADMIN: adminKubeconfigPath,
      KUBECONFIG_CONTROLLER: controllerKubeconfigPath,
      KUBE_APISERVER_URL: apiserverUrl,
      AWS_ENDPOINT_URL: motoUrl,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      CLUSTER_NAME: clusterName,
      VPC_ID: seeded?.vpcId ?? '',
      STAND_INS_RUN_DIR: runDir,
      STAND_INS_PIDS_FILE: join(runDir, 'pids'),
    };
    const state: StandInsState = {
      runDir, clusterName, region, apiserverUrl, etcdUrl, motoUrl, caFile: pki.caCert,
      adminKubeconfigPath, controllerKubeconfigPath, processes, env, startedAt: new Date(t0).toISOString(),
      startMs: Date.now() - t0,
      ...(seeded ? { seeded } : {}),
    };
    saveState(state);
    log(`ready in ${Date.now() - t0} ms (provision ${tProvisioned - t0} ms, processes ${tReady - tProvisioned} ms, bootstrap+seed ${Date.now() - tReady} ms)`);
    return makeHandle(state);
  } catch (err) {
    await stopAll(processes);
    rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
}
