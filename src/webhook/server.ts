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

/** serves the webhook over TLS with tls.crt / tls.key from certDir */
export async function startWebhookServer(opts: { readonly port: number; readonly host?: string; readonly certDir: string; readonly lookup: GateLookup; readonly log?: Logger }): Promise<RunningWebhook> {
  const cert = readFileSync(join(opts.certDir, 'tls.crt'));
  const key = readFileSync(join(opts.certDir, 'tls.key'));
  const server = createHttpsServer({ cert, key }, webhookHandler(opts.lookup, opts.log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    listening: () => server.listening,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
