// The controller processes of one e2e suite. Each is started on the shared stand-ins with their facts (cluster,
// region, VPC, moto), as the image runs it; when a test fails the log tail of every process is printed; when
// the suite ends every process still tracked is stopped. Call `suiteControllers` inside a `describe` body: it
// registers the suite's afterEach and after hooks itself.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsCallCounts, startControllerProcess, type ControllerProcess, type ControllerProcessOptions } from '../../../src/cli/demo-command.ts';
import { waitFor } from '../../../src/stand-ins/wait.ts';
import { running, seeded } from './stand-ins.ts';

export interface SuiteControllerOptions extends Pick<ControllerProcessOptions, 'env' | 'leaseNamespace'> {
  /** flags after the suite's defaults (`--sync-period=1h`); a later flag wins */
  readonly extraArgs?: readonly string[];
  /** false: return as soon as the process runs (a test that expects it to refuse to start) */
  readonly waitReady?: boolean;
  /** false: give neither --aws-region nor --aws-vpc-id (a test of discovery from instance metadata) */
  readonly awsFacts?: boolean;
}

export interface SuiteControllers {
  /** starts the process `name` (log: `logFile(name)`), waits until it is ready unless told not to */
  start(name: string, o?: SuiteControllerOptions): Promise<ControllerProcess>;
  /** stops tracking a process the test stopped or killed itself */
  forget(p: ControllerProcess): void;
  logFile(name: string): string;
  /** the log file of a process this suite started */
  logOf(p: ControllerProcess): string;
  /** stops every process still tracked (a suite whose tests each start their own) */
  stopAll(): Promise<void>;
}

/** `beforeStop` runs at the end of the suite while the processes still run (e.g. to let them delete what the suite made) */
export function suiteControllers(label: string, hooks: { readonly beforeStop?: () => Promise<void> } = {}): SuiteControllers {
  const dir = join(tmpdir(), `aws-lb-controller-e2e-${label}-${process.pid}`);
  const logFile = (name: string): string => join(dir, `${name}.log`);
  /** every process started, with its name; `live` holds the ones still to stop */
  const names = new Map<ControllerProcess, string>();
  const live = new Set<ControllerProcess>();

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const p of live) {
      const name = names.get(p) ?? 'unknown';
      try { console.error(`--- controller ${name} (pid ${p.pid}) log tail ---\n${readFileSync(logFile(name), 'utf8').split('\n').slice(-40).join('\n')}`); } catch { /* no log */ }
    }
  });
  const stopAll = async (): Promise<void> => {
    for (const p of live) await p.stop(5_000);
    live.clear();
  };
  after(async function () {
    this.timeout(300_000);
    if (live.size > 0) await hooks.beforeStop?.();
    await stopAll();
  });

  return {
    logFile,
    stopAll,
    logOf: (p) => logFile(names.get(p) ?? 'unknown'),
    forget: (p) => { live.delete(p); },
    async start(name, o = {}) {
      const s = running();
      const facts = o.awsFacts === false ? {} : { region: s.region, vpcId: seeded().vpcId };
      const p = await startControllerProcess({
        clusterName: s.clusterName, kubeconfig: s.controllerKubeconfigPath, awsEndpoint: s.motoUrl, logFile: logFile(name), ...facts,
        ...(o.env ? { env: o.env } : {}), ...(o.leaseNamespace ? { leaseNamespace: o.leaseNamespace } : {}),
        extraArgs: ['--sync-period=1h', ...(o.extraArgs ?? [])],
      });
      names.set(p, name);
      live.add(p);
      if (o.waitReady !== false) await waitFor(`controller ${name} ready`, () => p.ready(), 60_000);
      return p;
    },
  };
}

export type CallCounts = Record<string, number>;

/** the AWS calls a controller process has made, by `service/operation` */
export const awsCalls = async (p: ControllerProcess): Promise<CallCounts> => awsCallCounts(await p.metrics());

/** the calls made between two readings of `awsCalls` (operations with none left out) */
export function callDelta(before: CallCounts, after: CallCounts): CallCounts {
  const out: CallCounts = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}
