// Child processes of the stand-ins: free loopback ports, start with a log file, wait until ready,
// and stop strictly by PID (never by name).
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One process started by the stand-ins, as recorded in `pids.json`. */
export interface ProcessRecord {
  name: string;
  pid: number;
  /** The executable path; checked against /proc/<pid>/cmdline before a kill so a reused PID is spared. */
  command: string;
  logFile: string;
}

/** Reserves `count` distinct free TCP ports on 127.0.0.1 (all held open together, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Detached processes get their own session and outlive the Node process (used by `stand-ins up`). */
  detached: boolean;
}

/** Starts a process with stdout and stderr appended to its log file. */
export function startProcess(opts: StartOptions): ProcessRecord {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: opts.detached,
    });
    if (child.pid === undefined) throw new Error(`stand-ins: could not start ${opts.name} (${opts.command})`);
    child.on('error', () => { /* reported through isAlive/readiness */ });
    // Never keep the Node event loop alive for a stand-in; stop() and the exit hook end them.
    child.unref();
    return { name: opts.name, pid: child.pid, command: opts.command, logFile: opts.logFile };
  } finally {
    closeSync(fd);
  }
}

/** True when `pid` runs and (if /proc is there) still runs `command`. Zombies count as dead. */
export function isAlive(rec: Pick<ProcessRecord, 'pid' | 'command'>): boolean {
  try {
    process.kill(rec.pid, 0);
  } catch {
    return false;
  }
  const proc = `/proc/${rec.pid}`;
  if (!existsSync(proc)) return true;
  try {
    const stat = readFileSync(`${proc}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = readFileSync(`${proc}/cmdline`, 'utf8').split('\0');
    // A venv script runs as `python <script>`, so the command may be any of the argv entries.
    return cmdline.some((arg) => arg === rec.command);
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Only this PID is signalled. */
export async function stopProcess(rec: ProcessRecord, graceMs = 10_000): Promise<void> {
  if (!isAlive(rec)) return;
  try { process.kill(rec.pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(rec)) return;
    await sleep(100);
  }
  try { process.kill(rec.pid, 'SIGKILL'); } catch { return; }
  const killDeadline = Date.now() + 5_000;
  while (isAlive(rec) && Date.now() < killDeadline) await sleep(50);
}

/** Last `lines` lines of a log file, for error messages. */
export function logTail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` until it returns true. Fails early when the process died, with its log tail,
 * and after `timeoutMs` with the last probe error.
 */
export async function waitReady(rec: ProcessRecord, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive(rec)) {
      throw new Error(`stand-ins: ${rec.name} exited during start-up. Last lines of ${rec.logFile}:\n${logTail(rec.logFile)}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new Error(`stand-ins: ${rec.name} not ready after ${timeoutMs} ms (${last}). Last lines of ${rec.logFile}:\n${logTail(rec.logFile)}`);
}
