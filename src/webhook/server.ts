// The admission webhook server (HTTPS, AdmissionReview v1):
//   POST /mutate-v1-pod                                        adds readiness gates; never fails closed: any
//        internal error answers "allowed" without a patch (the chart registers it with failurePolicy Ignore);
//   POST /mutate-v1-service                                    sets the load balancer class on LoadBalancer Services
//        when enabled; fails open like the pod webhook;
//   POST /mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding      TargetGroupBinding defaults from the target group;
//   POST /validate-elbv2-k8s-aws-v1beta1-targetgroupbinding    TargetGroupBinding admission rules; an internal error
//        is a denial (failurePolicy Fail): see webhook/target-group-binding.ts.
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Pod, Service } from '../k8s/types.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import { allow, allowPatched, deny, requestOf, type AdmissionReview } from './admission.ts';
import { readinessGatePatch, type GateLookup } from './pod-readiness-gate.ts';
import { serviceClassPatch } from './service-mutator.ts';
import { MUTATE_TGB_PATH, mutateBinding, VALIDATE_TGB_PATH, validateBinding, type BindingAdmissionDeps } from './target-group-binding.ts';

export const MUTATE_POD_PATH = '/mutate-v1-pod';
export const MUTATE_SERVICE_PATH = '/mutate-v1-service';
const MAX_BODY = 4 * 1024 * 1024;

/** the AdmissionReview answer for one request body; pure apart from `lookup`. No lookup: injection is off, no patch. */
export function reviewPod(body: unknown, lookup: GateLookup | undefined, log?: Logger): AdmissionReview {
  const req = requestOf<Pod>(body);
  const uid = req.uid ?? '';
  try {
    const pod = req.object;
    if (!lookup || !pod || (req.kind?.kind && req.kind.kind !== 'Pod') || (req.operation && req.operation !== 'CREATE')) return allow(uid);
    const namespace = req.namespace || pod.metadata?.namespace || 'default';
    return allowPatched(uid, readinessGatePatch(pod, namespace, lookup));
  } catch (err) {
    log?.warn('pod webhook: allowing without mutation', { uid, error: errorMessage(err) });
    return allow(uid);
  }
}

/** the AdmissionReview answer for one Service request body (CREATE and UPDATE); any error allows without a patch */
export function reviewService(body: unknown, loadBalancerClass: string, log?: Logger): AdmissionReview {
  const req = requestOf<Service>(body);
  const uid = req.uid ?? '';
  try {
    const svc = req.object;
    if (!svc || (req.kind?.kind && req.kind.kind !== 'Service')) return allow(uid);
    return allowPatched(uid, serviceClassPatch(req.operation, svc, req.oldObject, loadBalancerClass));
  } catch (err) {
    log?.warn('service webhook: allowing without mutation', { uid, error: errorMessage(err) });
    return allow(uid);
  }
}

/** what the server answers: the pod webhook (absent: injection off), the Service webhook and the TargetGroupBinding webhooks */
export interface WebhookRoutes {
  readonly pods?: GateLookup;
  /** /mutate-v1-service: the class to set; absent: not served */
  readonly serviceClass?: string;
  readonly bindings: BindingAdmissionDeps;
}

/** a TargetGroupBinding review; an exception is a denial naming it */
async function reviewBinding(path: string, body: unknown, routes: WebhookRoutes, log?: Logger): Promise<AdmissionReview> {
  try {
    return await (path === MUTATE_TGB_PATH ? mutateBinding(body, routes.bindings) : validateBinding(body, routes.bindings));
  } catch (err) {
    log?.warn('binding webhook: denying after an internal error', { path, error: errorMessage(err) });
    return deny(requestOf(body).uid ?? '', `the TargetGroupBinding webhook failed: ${errorMessage(err)}`, 500);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** request handler usable by any node:http(s) server */
export function webhookHandler(routes: WebhookRoutes, log?: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const serviceClass = path === MUTATE_SERVICE_PATH ? routes.serviceClass : undefined;
    if (path !== MUTATE_POD_PATH && serviceClass === undefined && path !== MUTATE_TGB_PATH && path !== VALIDATE_TGB_PATH) return reply(res, 404, 'not found');
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
    const answer = (body: unknown): void => {
      if (path === MUTATE_POD_PATH) return reply(res, 200, reviewPod(body, routes.pods, log));
      if (serviceClass !== undefined) return reply(res, 200, reviewService(body, serviceClass, log));
      void reviewBinding(path, body, routes, log).then((r) => reply(res, 200, r));
    };
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
    req.on('end', () => {
      let body: unknown;
      try {
        body = size > MAX_BODY ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        log?.warn('webhook: unreadable AdmissionReview', { path, error: errorMessage(err) });
        body = {};
      }
      answer(body);
    });
    req.on('error', () => answer({}));
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
  readonly port: number; readonly host?: string; readonly certDir: string; readonly routes: WebhookRoutes; readonly log?: Logger;
  readonly reloadIntervalMs?: number;
}): Promise<RunningWebhook> {
  const read = (): { cert: Buffer; key: Buffer } => ({ cert: readFileSync(join(opts.certDir, 'tls.crt')), key: readFileSync(join(opts.certDir, 'tls.key')) });
  let current = read();
  const server = createHttpsServer(current, webhookHandler(opts.routes, opts.log));
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
