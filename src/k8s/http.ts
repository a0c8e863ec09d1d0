// The apiserver's HTTP, over Node's own node:http / node:https (ADR 25). client-node sends through its own copy of
// undici (8.x, with a WebAssembly HTTP/1.1 parser); the AWS SDK already uses node:https, so that copy was a second
// HTTP stack in the process, about 14 MiB of RSS for nothing. client-node still does what is hard to get right:
// reading the kubeconfig, TLS material and credentials (token files, exec plugins, OIDC), re-applied on every
// request so that rotated credentials are picked up, and proxies (its agents for `proxy-url`).
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { Agent as HttpAgent, request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';

export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

export interface ApiserverHttp {
  /** one request; resolves with the status and body of any HTTP answer, rejects on network errors and on `signal` */
  send(method: string, url: URL, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<HttpResponse>;
  /**
   * a watch stream: calls onEvent per line (a JSON watch event; lines that do not parse are skipped), and onDone
   * exactly once: null when the server closes the stream, an error otherwise (`statusCode` for an HTTP error, a
   * TimeoutError after `idleTimeoutMs` without a byte, an AbortError after abort()).
   */
  watch(url: URL, onEvent: (type: string, object: unknown) => void, onDone: (err: unknown) => void): Promise<{ abort(): void }>;
}

/**
 * One keep-alive agent for every request: Node keys its pooled connections by the TLS options of each request
 * (CA, client certificate, key, server name), so a rotated certificate opens a new connection. A kubeconfig with a
 * `proxy-url` keeps client-node's proxy agent. A watch is one HTTP/1.1 connection of its own (undici negotiated
 * HTTP/2 and multiplexed them); the controller holds about ten.
 */
export function apiserverHttp(kc: KubeConfig, opts: { readonly idleTimeoutMs: number }): ApiserverHttp {
  const secure = new URL(kc.getCurrentCluster()?.server ?? 'https://invalid').protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });

  async function open(method: string, url: URL, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
    const options: RequestOptions = { method, headers: { ...headers }, signal };
    await kc.applyToHTTPSOptions(options);
    if (!kc.getCurrentCluster()?.proxyUrl) options.agent = agent;
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(url, options, resolve);
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    async send(method, url, headers, body, signal) {
      try {
        const res = await open(method, url, headers, body, signal);
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        return { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') };
      } catch (err) {
        // as fetch does: an aborted request rejects with the signal's reason (a TimeoutError for AbortSignal.timeout)
        throw signal.aborted ? signal.reason : err;
      }
    },

    async watch(url, onEvent, onDone) {
      const controller = new AbortController();
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const clearTimer = (): void => { if (timer !== undefined) clearTimeout(timer); timer = undefined; };
      const resetTimer = (): void => {
        clearTimer();
        timer = setTimeout(() => { timedOut = true; controller.abort(); }, opts.idleTimeoutMs);
        timer.unref();
      };
      let done = false;
      const finish = (err: unknown): void => {
        if (done) return;
        done = true;
        clearTimer();
        controller.abort();
        onDone(err && timedOut ? new DOMException('no data from the apiserver within the watch timeout', 'TimeoutError') : err);
      };
      try {
        resetTimer();
        const res = await open('GET', url, { Accept: 'application/json' }, undefined, controller.signal);
        if (res.statusCode !== 200) {
          res.resume();
          throw Object.assign(new Error(res.statusMessage || STATUS_CODES[res.statusCode ?? 500] || 'Internal Server Error'), { statusCode: res.statusCode });
        }
        // the connect timeout is over; from here on it is an inactivity timeout
        resetTimer();
        res.on('data', resetTimer);
        res.on('error', finish);
        res.on('close', () => finish(res.complete ? null : new Error('watch stream closed before its end')));
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        lines.on('error', finish); // readline re-emits the stream's errors
        lines.on('line', (line) => {
          let event: { type?: unknown; object?: unknown };
          try { event = JSON.parse(line) as typeof event; } catch { return; }
          if (typeof event?.type === 'string') onEvent(event.type, event.object);
        });
      } catch (err) {
        finish(err);
      }
      return { abort: () => controller.abort() };
    },
  };
}
