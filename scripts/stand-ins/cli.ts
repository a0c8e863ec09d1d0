// npm run stand-ins -- up | down | status
//   up      start moto, etcd and kube-apiserver detached, seed them, write .stand-ins/env
//   status  each process alive/dead, and the endpoints
//   down    stop every process by PID and remove the run dir
// Options for up: --cluster-name NAME (default demo, or $CLUSTER_NAME), --no-seed.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStandIns, attachStandIns, isAlive, REPO_ROOT, type StandIns, type StandInsEnv } from '../../src/stand-ins/index.ts';

const stateDir = join(REPO_ROOT, '.stand-ins');
const envFile = join(stateDir, 'env');
const runDirFile = join(stateDir, 'run-dir');

function current(): StandIns | undefined {
  if (!existsSync(runDirFile)) return undefined;
  const runDir = readFileSync(runDirFile, 'utf8').trim();
  if (!existsSync(join(runDir, 'state.json'))) return undefined;
  return attachStandIns(runDir);
}

function shellQuote(v: string): string {
  return `'${v.replaceAll("'", `'\\''`)}'`;
}

function writeEnv(s: StandIns): void {
  mkdirSync(stateDir, { recursive: true });
  const env: StandInsEnv & Record<string, string> = { ...s.env };
  const lines = [
    '# Written by `npm run stand-ins -- up`; source it: `. .stand-ins/env`',
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
  ];
  if (s.seeded) {
    const f = s.seeded;
    lines.push(
      `export PUBLIC_SUBNET_IDS=${shellQuote(f.subnets.public.map((x) => x.id).join(','))}`,
      `export PRIVATE_SUBNET_IDS=${shellQuote(f.subnets.private.map((x) => x.id).join(','))}`,
      `export NODE_SECURITY_GROUP_ID=${shellQuote(f.nodeSecurityGroupId)}`,
      `export NODE_INSTANCE_IDS=${shellQuote(f.nodes.map((n) => n.instanceId).join(','))}`,
      `export CERT_ARN_SHOP=${shellQuote(f.certificates.exact.arn)}`,
      `export CERT_ARN_WILDCARD=${shellQuote(f.certificates.wildcard.arn)}`,
    );
  }
  lines.push(`# kubectl: export KUBECONFIG="$KUBECONFIG_ADMIN"`);
  writeFileSync(envFile, lines.join('\n') + '\n');
  writeFileSync(runDirFile, s.runDir + '\n');
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

async function up(args: string[]): Promise<number> {
  const existing = current();
  if (existing && existing.processes.every((p) => isAlive(p))) {
    console.log(`stand-ins already up (run dir ${existing.runDir}); env in ${envFile}`);
    return 0;
  }
  if (existing) {
    console.log('stand-ins: previous run is partly dead; stopping it first');
    await existing.stop();
  }
  const s = await startStandIns({
    clusterName: argValue(args, '--cluster-name') ?? process.env['CLUSTER_NAME'] ?? 'demo',
    seed: !args.includes('--no-seed'),
    detached: true,
    log: (m) => console.error(`stand-ins: ${m}`),
  });
  writeEnv(s);
  console.log(`stand-ins up in ${((s.startMs ?? 0) / 1000).toFixed(1)} s; source ${envFile}`);
  printStatus(s);
  return 0;
}

function printStatus(s: StandIns): void {
  for (const p of s.processes) console.log(`  ${p.name.padEnd(15)} pid ${String(p.pid).padEnd(8)} ${isAlive(p) ? 'alive' : 'DEAD'}  log ${p.logFile}`);
  console.log(`  kube-apiserver  ${s.apiserverUrl}  (KUBECONFIG_ADMIN=${s.adminKubeconfigPath})`);
  console.log(`  etcd            ${s.etcdUrl}`);
  console.log(`  moto            ${s.motoUrl}  (region ${s.region})`);
  if (s.seeded) console.log(`  cluster ${s.clusterName}: VPC ${s.seeded.vpcId}, ${s.seeded.nodes.length} nodes`);
}

async function status(): Promise<number> {
  const s = current();
  if (!s) {
    console.log('stand-ins: not up');
    return 1;
  }
  console.log(`stand-ins run dir ${s.runDir}`);
  printStatus(s);
  return s.processes.every((p) => isAlive(p)) ? 0 : 1;
}

async function down(): Promise<number> {
  const s = current();
  if (!s) {
    console.log('stand-ins: not up');
  } else {
    await s.stop();
    const left = s.processes.filter((p) => isAlive(p));
    if (left.length > 0) {
      console.error(`stand-ins: still alive: ${left.map((p) => `${p.name} (${p.pid})`).join(', ')}`);
      return 1;
    }
    console.log(`stand-ins down: stopped ${s.processes.map((p) => `${p.name} (${p.pid})`).join(', ')}; removed ${s.runDir}`);
  }
  rmSync(envFile, { force: true });
  rmSync(runDirFile, { force: true });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up': return up(rest);
    case 'status': return status();
    case 'down': return down();
    default:
      console.error('usage: npm run stand-ins -- up [--cluster-name NAME] [--no-seed] | status | down');
      return 2;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
