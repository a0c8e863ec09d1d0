// The benchmark's "hostile inputs" phase (docs/benchmarks.md): with the controller stopped, one Ingress with
// thousands of listen ports and one group of thousands of members are created; then the controller starts and
// the phase measures how long it takes to reject the first and to plan the second, how `/healthz` answers
// meanwhile (sampled every 100 ms: max and p99 latency), and how long an unrelated Ingress, created once the
// controller is ready, takes to get its load balancer. Measures; asserts nothing.
import { readFileSync } from 'node:fs';
import type { ControllerProcess } from '../../src/cli/demo-command.ts';
import type { KubeClients } from '../../src/k8s/client.ts';
import type { Ingress, Service } from '../../src/k8s/types.ts';
import { RECONCILE_STATUS_ANNOTATION } from '../../src/k8s/status.ts';
import { sleep } from '../../src/stand-ins/wait.ts';

export interface HostileOptions {
  /** listen ports of the one hostile Ingress */
  readonly ports: number;
  /** members of the hostile group */
  readonly members: number;
  /** how long the phase may last */
  readonly timeoutMs: number;
}

export interface HostileDeps {
  readonly admin: KubeClients;
  readonly namespace: string;
  /** starts the controller process; returns it and its log file */
  readonly start: () => Promise<{ ctrl: ControllerProcess; logFile: string }>;
  readonly say: (m: string) => void;
}

export interface HealthStats {
  readonly samples: number;
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly p50Ms: number;
  /** requests that failed or took longer than the sampler's timeout */
  readonly failed: number;
  /** samples slower than 1 s */
  readonly over1s: number;
  /** when the samples slower than 1 s were sent, as ranges of seconds from the sampler's start ("27-31") */
  readonly slowAt: string[];
}

export interface HostileResult {
  readonly ctrl: ControllerProcess;
  /** seconds from the controller's start; null = did not happen within the phase */
  readonly timings: Record<string, number | null>;
  readonly health: HealthStats;
  readonly notes: string[];
}

export const PORTS_INGRESS = 'hostile-ports';
export const GROUP = 'hostile-group';
export const BYSTANDER = 'hostile-bystander';
const ANN = 'alb.ingress.kubernetes.io/';

const round = (s: number): number => Math.round(s * 10) / 10;

/**
 * GET /healthz every `everyMs` without waiting for the previous answer, so a stalled event loop shows as
 * latency. Counting starts with the first answer (before it, the server is not listening yet).
 */
export class HealthSampler {
  readonly #latencies: number[] = [];
  /** seconds from the start at which a sample slower than 1 s was sent */
  readonly #slow: number[] = [];
  readonly #pending = new Set<Promise<void>>();
  #failed = 0;
  #answered = false;
  #timer: NodeJS.Timeout | undefined;

  start(healthUrl: string, everyMs = 100, timeoutMs = 10_000): void {
    const started = performance.now();
    this.#timer = setInterval(() => {
      const t = performance.now();
      const record = (ms: number): void => {
        this.#latencies.push(ms);
        if (ms > 1000) this.#slow.push((t - started) / 1000);
      };
      const sentAfterFirstAnswer = this.#answered;
      const p = fetch(`${healthUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) })
        .then(async (r) => {
          await r.text();
          this.#answered = true;
          if (!r.ok) this.#failed++;
          record(performance.now() - t);
        })
        .catch(() => {
          if (!sentAfterFirstAnswer) return;
          this.#failed++;
          record(performance.now() - t);
        })
        .finally(() => this.#pending.delete(p));
      this.#pending.add(p);
    }, everyMs);
  }

  async stop(): Promise<HealthStats> {
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#pending]);
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return {
      samples: sorted.length, maxMs: Math.round(sorted.at(-1) ?? 0), p99Ms: at(0.99), p50Ms: at(0.5), failed: this.#failed,
      over1s: sorted.filter((x) => x > 1000).length, slowAt: ranges(this.#slow.sort((a, b) => a - b)),
    };
  }
}

/** seconds → "27-31" ranges, joining times less than 2 s apart */
function ranges(times: readonly number[]): string[] {
  const out: [number, number][] = [];
  for (const t of times) {
    const last = out.at(-1);
    if (last && t - last[1] < 2) last[1] = t;
    else out.push([t, t]);
  }
  return out.map(([a, b]) => (Math.round(a) === Math.round(b) ? `${Math.round(a)}` : `${Math.round(a)}-${Math.round(b)}`));
}

/** runs `fn` over `items` with at most `limit` at a time */
async function pool<T>(items: readonly T[], limit: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

const statusOf = (ing: Ingress | undefined): { reason?: string; message?: string } | undefined => {
  const raw = ing?.metadata?.annotations?.[RECONCILE_STATUS_ANNOTATION];
  if (!raw) return undefined;
  try { return JSON.parse(raw) as { reason?: string; message?: string }; } catch { return undefined; }
};

/** the controller's log lines (JSON) for one group and message */
function logLines(logFile: string, msg: string, group: string): { ts: string; [k: string]: unknown }[] {
  let text = '';
  try { text = readFileSync(logFile, 'utf8'); } catch { return []; }
  const out: { ts: string; [k: string]: unknown }[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(msg) || !line.includes(group)) continue;
    try {
      const o = JSON.parse(line) as { ts: string; msg?: string; group?: string };
      if (o.msg === msg && o.group === group) out.push(o);
    } catch { /* a partial last line */ }
  }
  return out;
}

export async function hostilePhase(d: HostileDeps, o: HostileOptions): Promise<HostileResult> {
  const { admin, namespace: ns, say } = d;
  const notes: string[] = [];
  const backend = (name: string, port: { number?: number; name?: string }) => ({ service: { name, port } });

  // the objects, before the controller starts: it finds them all at once, as after a restart
  const tCreate = Date.now();
  await admin.services.create({
    apiVersion: 'v1', kind: 'Service', metadata: { name: BYSTANDER, namespace: ns },
    spec: { type: 'NodePort', selector: { app: BYSTANDER }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  } as Service, ns);
  const ports = JSON.stringify(Array.from({ length: o.ports }, (_, i) => ({ HTTP: 1024 + i })));
  await admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name: PORTS_INGRESS, namespace: ns, annotations: { [`${ANN}listen-ports`]: ports, [`${ANN}target-type`]: 'ip' } },
    spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend(BYSTANDER, { number: 80 }) }] } }] },
  } as Ingress, ns);
  // members answer with a fixed response (no target group each): one rule per member
  const members = Array.from({ length: o.members }, (_, i) => `hostile-m-${String(i).padStart(4, '0')}`);
  await pool(members, 16, (name) => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: {
      name, namespace: ns, annotations: {
        [`${ANN}group.name`]: GROUP, [`${ANN}actions.ok`]: '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"200","contentType":"text/plain"}}',
      },
    },
    spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: `/${name}`, pathType: 'Prefix', backend: backend('ok', { name: 'use-annotation' }) }] } }] },
  } as Ingress, ns));
  notes.push(`created 1 Ingress with ${o.ports} listen ports (${Math.round(ports.length / 1024)} KiB annotation) and a group of ${o.members} members in ${round((Date.now() - tCreate) / 1000)} s, before the controller started`);
  say(`  hostile objects created in ${round((Date.now() - tCreate) / 1000)} s`);

  const t0 = Date.now();
  const secs = (): number => round((Date.now() - t0) / 1000);
  const { ctrl, logFile } = await d.start();
  const health = new HealthSampler();
  health.start(ctrl.healthUrl);
  const timings: Record<string, number | null> = { ready: null, 'ports Ingress has a status': null, 'group planned': null, 'bystander created': null, 'bystander converged': null, 'group members all have a status': null };
  const deadline = t0 + o.timeoutMs;
  let bystanderAt = 0;
  let portsStatus: { reason?: string; message?: string } | undefined;
  for (;;) {
    if (timings['ready'] === null && await ctrl.ready()) {
      timings['ready'] = secs();
      // the unrelated Ingress arrives while the hostile ones are being worked on
      await admin.ingresses.create({
        apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: BYSTANDER, namespace: ns },
        spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend(BYSTANDER, { number: 80 }) }] } }] },
      } as Ingress, ns);
      bystanderAt = Date.now();
      timings['bystander created'] = secs();
    }
    if (timings['ready'] !== null) {
      const list = (await admin.ingresses.list(ns)).items;
      const byName = new Map(list.map((i) => [i.metadata?.name ?? '', i]));
      if (timings['ports Ingress has a status'] === null && (portsStatus = statusOf(byName.get(PORTS_INGRESS)))) timings['ports Ingress has a status'] = secs();
      if (timings['bystander converged'] === null && byName.get(BYSTANDER)?.status?.loadBalancer?.ingress?.[0]?.hostname) {
        timings['bystander converged'] = secs();
        notes.push(`the unrelated Ingress got its load balancer ${round((Date.now() - bystanderAt) / 1000)} s after it was created`);
      }
      if (timings['group planned'] === null) {
        const planned = logLines(logFile, 'applying plan', GROUP)[0];
        if (planned) {
          timings['group planned'] = round((Date.parse(planned.ts) - t0) / 1000);
          notes.push(`the group's first plan: ${String(planned['create'])} to create`);
        }
      }
      if (timings['group members all have a status'] === null && members.every((m) => statusOf(byName.get(m)))) timings['group members all have a status'] = secs();
    }
    if (Object.values(timings).every((v) => v !== null) || Date.now() > deadline) break;
    await sleep(1_000);
  }
  const stats = await health.stop();
  if (portsStatus) notes.push(`${PORTS_INGRESS}: ${portsStatus.reason ?? '?'}: ${(portsStatus.message ?? '').slice(0, 200)}`);
  const reconciled = logLines(logFile, 'reconciled group', GROUP)[0];
  if (reconciled) notes.push(`the group's first reconcile took ${String(reconciled['ms'])} ms: ${(reconciled['members'] as unknown[] | undefined)?.length ?? 0} members planned, ${(reconciled['excluded'] as unknown[] | undefined)?.length ?? 0} left out`);
  for (const [k, v] of Object.entries(timings)) if (v === null) notes.push(`${k}: not within ${o.timeoutMs / 1000} s`);
  return { ctrl, timings, health: stats, notes };
}
