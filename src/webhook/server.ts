// The mutating admission webhooks (HTTPS, AdmissionReview v1): POST /mutate-v1-pod adds readiness gates,
// POST /mutate-v1-service sets the load balancer class on new LoadBalancer Services. Each is served only when
// enabled. They never fail closed: any internal error answers "allowed" without a patch, and the reason is logged.
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { JsonPatchOp } from '../k8s/client.ts';
import type { Pod, Service } from '../k8s/types.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import { readinessGatePatch, type GateLookup } from './pod-readiness-gate.ts';
import { serviceClassPatch } from './service-mutator.ts';

export const MUTATE_POD_PATH = '/mutate-v1-pod';
export const MUTATE_SERVICE_PATH = '/mutate-v1-service';
const MAX_BODY = 4 * 1024 * 1024;

interface AdmissionRequest<T = Pod> {
  uid?: string;
  kind?: { kind?: string };
  namespace?: string;
  operation?: string;
  object?: T;
  oldObject?: T;
}

export interface AdmissionResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: { uid: string; allowed: true; patchType?: 'JSONPatch'; patch?: string; warnings?: string[] };
}

/** allowed, with the patch when there is one; any error allows without a patch */
function review<T>(body: unknown, what: string, patch: (req: AdmissionRequest<T>) => JsonPatchOp[], log?: Logger): AdmissionResponse {
  const req = ((body ?? {}) as { request?: AdmissionRequest<T> }).request ?? {};
  const uid = req.uid ?? '';
  const allow: AdmissionResponse = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } };
  try {
    const ops = patch(req);
    if (ops.length === 0) return allow;
    return { ...allow, response: { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') } };
  } catch (err) {
    log?.warn(`${what} webhook: allowing without mutation`, { uid, error: errorMessage(err) });
    return allow;
  }
}

/** the AdmissionReview answer for one pod request body; pure apart from `lookup` */
export function reviewPod(body: unknown, lookup: GateLookup, log?: Logger): AdmissionResponse {
  return review<Pod>(body, 'pod', (req) => {
    const pod = req.object;
    if (!pod || (req.kind?.kind && req.kind.kind !== 'Pod') || (req.operation && req.operation !== 'CREATE')) return [];
    return readinessGatePatch(pod, req.namespace || pod.metadata?.namespace || 'default', lookup);
  }, log);
}

/** the AdmissionReview answer for one Service request body (CREATE and UPDATE) */
export function reviewService(body: unknown, loadBalancerClass: string, log?: Logger): AdmissionResponse {
  return review<Service>(body, 'service', (req) => {
    const svc = req.object;
    if (!svc || (req.kind?.kind && req.kind.kind !== 'Service')) return [];
    return serviceClassPatch(req.operation, svc, req.oldObject, loadBalancerClass);
  }, log);
}

/** what the webhook server serves: each path only when given */
export interface WebhookRoutes {
  /** /mutate-v1-pod */
  readonly pods?: GateLookup;
  /** /mutate-v1-service: the class to set */
  readonly serviceClass?: string;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** request handler usable by any node:http(s) server; a bare GateLookup serves the pod webhook only */
export function webhookHandler(routesOrLookup: WebhookRoutes | GateLookup, log?: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  const routes: WebhookRoutes = 'bindings' in routesOrLookup ? { pods: routesOrLookup } : routesOrLookup;
  const answer = (path: string | undefined): ((body: unknown) => AdmissionResponse) | undefined => {
    if (path === MUTATE_POD_PATH && routes.pods) { const pods = routes.pods; return (body) => reviewPod(body, pods, log); }
    if (path === MUTATE_SERVICE_PATH && routes.serviceClass !== undefined) { const cls = routes.serviceClass; return (body) => reviewService(body, cls, log); }
    return undefined;
  };
  return (req, res) => {
    const reviewer = answer((req.url ?? '').split('?')[0]);
    if (!reviewer) return reply(res, 404, 'not found');
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
    req.on('end', () => {
      let body: unknown;
      try {
        body = size > MAX_BODY ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        log?.warn('webhook: unreadable AdmissionReview', { error: errorMessage(err) });
        body = {};
      }
      reply(res, 200, reviewer(body));
    });
    req.on('error', () => reply(res, 200, reviewer({})));
  };
}

export interface RunningWebhook {
  readonly server: Server;
  readonly port: number;
  listening(): boolean;
  close(): Promise<void>;
}

/** how often the certificate files are checked for a rotation (cert-manager renews them in place) */
export const CERT_RELOAD_INTERVAL_MS = 60_000;

/**
 * Serves the webhook over TLS with tls.crt / tls.key from certDir. The files are read again every
 * CERT_RELOAD_INTERVAL_MS and a changed pair is used for new connections, so a renewed certificate is
 * picked up without a restart (an expired one would make the API server skip the webhook silently).
 */
export async function startWebhookServer(opts: {
  readonly port: number; readonly host?: string; readonly certDir: string; readonly log?: Logger;
  /** the pod webhook's lookups (`routes.pods`), kept for callers that serve the pod webhook only */
  readonly lookup?: GateLookup;
  readonly routes?: WebhookRoutes;
  readonly reloadIntervalMs?: number;
}): Promise<RunningWebhook> {
  const read = (): { cert: Buffer; key: Buffer } => ({ cert: readFileSync(join(opts.certDir, 'tls.crt')), key: readFileSync(join(opts.certDir, 'tls.key')) });
  let current = read();
  const routes: WebhookRoutes = { ...(opts.lookup ? { pods: opts.lookup } : {}), ...opts.routes };
  const server = createHttpsServer(current, webhookHandler(routes, opts.log));
  const reload = setInterval(() => {
    try {
      const next = read();
      if (next.cert.equals(current.cert) && next.key.equals(current.key)) return;
      server.setSecureContext(next);
      current = next;
      opts.log?.info('webhook certificate reloaded', { certDir: opts.certDir });
    } catch (err) {
      // a half-written pair during a rotation: keep serving the old one and look again next time
      opts.log?.warn('could not reload the webhook certificate', { error: err instanceof Error ? err.message : String(err) });
    }
  }, opts.reloadIntervalMs ?? CERT_RELOAD_INTERVAL_MS);
  reload.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  }).catch((err: unknown) => { clearInterval(reload); throw err; });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    listening: () => server.listening,
    close: () => new Promise<void>((resolve) => { clearInterval(reload); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
