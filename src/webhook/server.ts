// The mutating admission webhook (HTTPS, AdmissionReview v1): POST /mutate-v1-pod adds readiness gates.
// It never fails closed: any internal error answers "allowed" without a patch, and the reason is logged.
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Pod } from '../k8s/types.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import { readinessGatePatch, type GateLookup } from './pod-readiness-gate.ts';

export const MUTATE_POD_PATH = '/mutate-v1-pod';
const MAX_BODY = 4 * 1024 * 1024;

interface AdmissionRequest {
  uid?: string;
  kind?: { kind?: string };
  namespace?: string;
  operation?: string;
  object?: Pod;
}

export interface AdmissionResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: { uid: string; allowed: true; patchType?: 'JSONPatch'; patch?: string; warnings?: string[] };
}

/** the AdmissionReview answer for one request body; pure apart from `lookup` */
export function reviewPod(body: unknown, lookup: GateLookup, log?: Logger): AdmissionResponse {
  const req = ((body ?? {}) as { request?: AdmissionRequest }).request ?? {};
  const uid = req.uid ?? '';
  const allow: AdmissionResponse = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } };
  try {
    const pod = req.object;
    if (!pod || (req.kind?.kind && req.kind.kind !== 'Pod') || (req.operation && req.operation !== 'CREATE')) return allow;
    const namespace = req.namespace || pod.metadata?.namespace || 'default';
    const ops = readinessGatePatch(pod, namespace, lookup);
    if (ops.length === 0) return allow;
    return { ...allow, response: { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') } };
  } catch (err) {
    log?.warn('pod webhook: allowing without mutation', { uid, error: errorMessage(err) });
    return allow;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** request handler usable by any node:http(s) server */
export function webhookHandler(lookup: GateLookup, log?: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== MUTATE_POD_PATH) return reply(res, 404, 'not found');
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
    req.on('end', () => {
      let body: unknown;
      try {
        body = size > MAX_BODY ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        log?.warn('pod webhook: unreadable AdmissionReview', { error: errorMessage(err) });
        body = {};
      }
      reply(res, 200, reviewPod(body, lookup, log));
    });
    req.on('error', () => reply(res, 200, reviewPod({}, lookup, log)));
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
  readonly port: number; readonly host?: string; readonly certDir: string; readonly lookup: GateLookup; readonly log?: Logger;
  readonly reloadIntervalMs?: number;
}): Promise<RunningWebhook> {
  const read = (): { cert: Buffer; key: Buffer } => ({ cert: readFileSync(join(opts.certDir, 'tls.crt')), key: readFileSync(join(opts.certDir, 'tls.key')) });
  let current = read();
  const server = createHttpsServer(current, webhookHandler(opts.lookup, opts.log));
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
