// The apiserver's HTTP over node:http (src/k8s/http.ts) against a local server: credentials from the kubeconfig on
// every request, bodies and statuses as sent, and the watch stream's contract (events per line, one onDone).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { apiserverHttp, type ApiserverHttp } from '../../../src/k8s/http.ts';
import { waitFor } from '../../../src/stand-ins/wait.ts';

describe('k8s/http: the apiserver over node:http', () => {
  let server: Server;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end();
  let base = '';
  let http: ApiserverHttp;
  let seen: IncomingMessage[] = [];

  before(async () => {
    server = createServer((req, res) => { seen.push(req); handler(req, res); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: base, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'secret-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    http = apiserverHttp(kc, { idleTimeoutMs: 300 });
  });
  beforeEach(() => { seen = []; });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers, body and bearer token, and returns the status and body', async () => {
    let received = '';
    handler = (req, res) => {
      req.setEncoding('utf8');
      req.on('data', (c: string) => { received += c; });
      req.on('end', () => { res.statusCode = 409; res.end('{"reason":"Conflict"}'); });
    };
    const res = await http.send('PATCH', new URL(`${base}/api/v1/x?a=1`), { 'Content-Type': 'application/merge-patch+json' }, '{"b":2}', AbortSignal.timeout(10_000));
    assert.deepEqual(res, { status: 409, text: '{"reason":"Conflict"}' });
    const req = seen[0];
    assert.equal(req?.method, 'PATCH');
    assert.equal(req?.url, '/api/v1/x?a=1');
    assert.equal(req?.headers['authorization'], 'Bearer secret-token');
    assert.equal(req?.headers['content-type'], 'application/merge-patch+json');
    assert.equal(received, '{"b":2}');
  });

  it('rejects with the signal\'s reason when the request times out', async () => {
    handler = () => { /* never answers */ };
    await assert.rejects(http.send('GET', new URL(`${base}/slow`), {}, undefined, AbortSignal.timeout(50)), { name: 'TimeoutError' });
  });

  it('watch: one event per JSON line (split anywhere), bad lines skipped, onDone(null) once when the server ends', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MODI');
      setTimeout(() => res.end('FIED","object":{"metadata":{"name":"b"}}}\nnot json\n{"type":"DELETED","object":{}}\n'), 20);
    };
    const events: [string, unknown][] = [];
    const done: unknown[] = [];
    await http.watch(new URL(`${base}/w?watch=true`), (type, object) => events.push([type, object]), (err) => done.push(err));
    await waitFor('watch done', async () => done.length > 0, 10_000, 20);
    assert.deepEqual(events, [['ADDED', { metadata: { name: 'a' } }], ['MODIFIED', { metadata: { name: 'b' } }], ['DELETED', {}]]);
    assert.deepEqual(done, [null]);
    assert.equal(seen[0]?.headers['authorization'], 'Bearer secret-token');
  });

  it('watch: an HTTP error ends it with the status as statusCode', async () => {
    handler = (_req, res) => { res.statusCode = 403; res.end('{"reason":"Forbidden"}'); };
    const done: unknown[] = [];
    await http.watch(new URL(`${base}/w`), () => assert.fail('no events'), (err) => done.push(err));
    assert.equal(done.length, 1);
    assert.equal((done[0] as { statusCode?: number }).statusCode, 403);
  });

  it('watch: silence past the idle timeout ends it with a TimeoutError, abort() with an error, each exactly once', async () => {
    handler = (_req, res) => { res.writeHead(200); res.write('\n'); };
    const idle: unknown[] = [];
    await http.watch(new URL(`${base}/w`), () => undefined, (err) => idle.push(err));
    await waitFor('idle watch done', async () => idle.length > 0, 10_000, 20);
    assert.equal((idle[0] as Error).name, 'TimeoutError');

    const aborted: unknown[] = [];
    const handle = await http.watch(new URL(`${base}/w`), () => undefined, (err) => aborted.push(err));
    handle.abort();
    await waitFor('aborted watch done', async () => aborted.length > 0, 10_000, 20);
    assert.ok(aborted[0] instanceof Error);
    handle.abort();
    assert.equal(idle.length + aborted.length, 2);
  });
});
