// The plain-HTTP endpoints: /healthz and /readyz on --health-probe-bind-addr, /metrics on --metrics-bind-addr
// (the same server when both addresses are equal). The webhook's HTTPS server lives in src/webhook.
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Check = () => string | undefined;

export interface ProbeChecks {
  /** each returns undefined when fine, or why not */
  readonly ready: Readonly<Record<string, Check>>;
}

/** ":8080" → {host: undefined, port: 8080}; "127.0.0.1:0" → {host: "127.0.0.1", port: 0}; "[::1]:80" → {host: "::1", …} */
export function parseBindAddr(addr: string): { host: string | undefined; port: number } {
  const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(addr);
  if (!m) throw new Error(`bind address must be [host]:port, got "${addr}"`);
  const rawHost = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: rawHost === '' ? undefined : rawHost, port: Number(m[2]) };
}

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function probeRoutes(checks: ProbeChecks): Record<string, Route> {
  return {
    '/healthz': (_req, res) => send(res, 200, 'ok'),
    '/readyz': (req, res) => {
      const failed = Object.entries(checks.ready).map(([name, check]) => [name, check()] as const).filter(([, why]) => why !== undefined);
      const verbose = (req.url ?? '').includes('verbose');
      if (failed.length === 0) return send(res, 200, verbose ? Object.keys(checks.ready).map((n) => `[+]${n} ok`).join('\n') + '\nok' : 'ok');
      return send(res, 503, failed.map(([name, why]) => `[-]${name}: ${why}`).join('\n'));
    },
  };
}

export function metricsRoutes(metrics: { text(): Promise<string>; readonly registry: { contentType: string } }): Record<string, Route> {
  return {
    '/metrics': async (_req, res) => send(res, 200, await metrics.text(), metrics.registry.contentType),
  };
}

export interface RunningServer {
  readonly server: Server;
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(bindAddr: string, routes: Readonly<Record<string, Route>>): Promise<RunningServer> {
  const { host, port } = parseBindAddr(bindAddr);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes[path];
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) return send(res, 404, 'not found');
    Promise.resolve(route(req, res)).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, err instanceof Error ? err.message : String(err));
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const a = server.address() as AddressInfo;
  return {
    server,
    address: `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
    port: a.port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
