import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readinessGatePatch, gatesFor, type GateLookup } from '../../../src/webhook/pod-readiness-gate.ts';
import { reviewPod, startWebhookServer, webhookHandler, MUTATE_POD_PATH, MUTATE_SERVICE_PATH } from '../../../src/webhook/server.ts';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { makeDomainCert, type PemPair } from '../../../src/stand-ins/certs.ts';
import type { Pod, Service, TargetGroupBinding } from '../../../src/k8s/types.ts';
import type { BindingAdmissionDeps } from '../../../src/webhook/target-group-binding.ts';

/** TargetGroupBinding admission that knows no target group (tested in test/unit/webhook/) */
const noBindings: BindingAdmissionDeps = { targetGroups: { byArn: async () => undefined, byName: async () => undefined }, bindings: () => [], clusterName: 'unit' };

const tgb = (name: string, service: string, targetType: 'ip' | 'instance' = 'ip'): TargetGroupBinding => ({
  metadata: { name, namespace: 'shop' }, spec: { targetType, serviceRef: { name: service, port: 80 }, targetGroupARN: `arn:${name}` },
});
const svc = (name: string, selector?: Record<string, string>): Service => ({ metadata: { name, namespace: 'shop' }, spec: { ...(selector ? { selector } : {}) } });

function lookup(bindings: TargetGroupBinding[], services: Service[]): GateLookup {
  return {
    bindings: (ns) => bindings.filter((b) => b.metadata?.namespace === ns),
    service: (ns, name) => services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
  };
}

const pod = (labels: Record<string, string>, gates: string[] = []): Pod => ({
  metadata: { name: 'p', labels }, spec: { containers: [], ...(gates.length ? { readinessGates: gates.map((conditionType) => ({ conditionType })) } : {}) },
});

describe('webhook: pod readiness gates', () => {
  const l = lookup(
    [tgb('k8s-shop-web-1', 'web'), tgb('k8s-shop-web-inst', 'web', 'instance'), tgb('k8s-shop-api-1', 'api'), tgb('k8s-shop-all-1', 'noselector')],
    [svc('web', { app: 'web' }), svc('api', { app: 'api', tier: 'backend' }), svc('noselector')],
  );

  it('adds a gate for every ip binding whose Service selects the pod', () => {
    assert.deepEqual(gatesFor(pod({ app: 'web' }), 'shop', l), ['target-health.elbv2.k8s.aws/k8s-shop-web-1']);
    assert.deepEqual(readinessGatePatch(pod({ app: 'web', tier: 'backend' }), 'shop', l), [
      { op: 'add', path: '/spec/readinessGates', value: [{ conditionType: 'target-health.elbv2.k8s.aws/k8s-shop-web-1' }] },
    ]);
  });

  it('needs every selector label, ignores instance bindings, Services without selector and other namespaces', () => {
    assert.deepEqual(gatesFor(pod({ app: 'api' }), 'shop', l), []);
    assert.deepEqual(gatesFor(pod({ app: 'api', tier: 'backend' }), 'shop', l), ['target-health.elbv2.k8s.aws/k8s-shop-api-1']);
    assert.deepEqual(gatesFor(pod({ app: 'web' }), 'other', l), []);
    assert.deepEqual(readinessGatePatch(pod({ x: 'y' }), 'shop', l), []);
  });

  it('keeps existing gates, does not repeat one, and drops legacy ones', () => {
    assert.deepEqual(readinessGatePatch(pod({ app: 'web' }, ['target-health.elbv2.k8s.aws/k8s-shop-web-1']), 'shop', l), []);
    assert.deepEqual(readinessGatePatch(pod({ app: 'web' }, ['custom', 'target-health.alb.ingress.k8s.aws/old']), 'shop', l), [
      { op: 'add', path: '/spec/readinessGates', value: [{ conditionType: 'custom' }, { conditionType: 'target-health.elbv2.k8s.aws/k8s-shop-web-1' }] },
    ]);
  });

  it('answers an AdmissionReview with a base64 JSONPatch, and allows without patch when nothing applies', () => {
    const r = reviewPod({ request: { uid: 'u1', kind: { kind: 'Pod' }, operation: 'CREATE', namespace: 'shop', object: pod({ app: 'web' }) } }, l);
    assert.equal(r.response.uid, 'u1');
    assert.equal(r.response.allowed, true);
    assert.equal(r.response.patchType, 'JSONPatch');
    assert.deepEqual(JSON.parse(Buffer.from(r.response.patch ?? '', 'base64').toString()), [
      { op: 'add', path: '/spec/readinessGates', value: [{ conditionType: 'target-health.elbv2.k8s.aws/k8s-shop-web-1' }] },
    ]);
    assert.deepEqual(reviewPod({ request: { uid: 'u2', operation: 'UPDATE', object: pod({ app: 'web' }) } }, l).response, { uid: 'u2', allowed: true });
  });

  it('without a lookup (injection off) allows every pod unchanged', () => {
    assert.deepEqual(reviewPod({ request: { uid: 'u4', kind: { kind: 'Pod' }, operation: 'CREATE', namespace: 'shop', object: pod({ app: 'web' }) } }, undefined).response, { uid: 'u4', allowed: true });
  });

  it('never fails closed: an internal error allows the pod unchanged', () => {
    const broken: GateLookup = { bindings: () => { throw new Error('cache exploded'); }, service: () => undefined };
    assert.deepEqual(reviewPod({ request: { uid: 'u3', object: pod({ app: 'web' }) } }, broken).response, { uid: 'u3', allowed: true });
    assert.deepEqual(reviewPod(null, broken).response, { uid: '', allowed: true });
  });

  describe('HTTP handler', () => {
    let server: Server;
    let base: string;
    before(async () => {
      server = createServer(webhookHandler({ pods: l, bindings: noBindings }));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('serves POST /mutate-v1-pod', async () => {
      const res = await fetch(base + MUTATE_POD_PATH, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'h1', namespace: 'shop', operation: 'CREATE', object: pod({ app: 'web' }) } }),
      });
      assert.equal(res.status, 200);
      const body = await res.json() as { kind: string; response: { uid: string; patchType?: string } };
      assert.equal(body.kind, 'AdmissionReview');
      assert.equal(body.response.uid, 'h1');
      assert.equal(body.response.patchType, 'JSONPatch');
    });

    it('allows an unreadable body, and answers 404 / 405 elsewhere', async () => {
      const bad = await fetch(base + MUTATE_POD_PATH, { method: 'POST', body: '{nope' });
      assert.deepEqual(((await bad.json()) as { response: unknown }).response, { uid: '', allowed: true });
      assert.equal((await fetch(`${base}/other`, { method: 'POST', body: '{}' })).status, 404);
      assert.equal((await fetch(base + MUTATE_POD_PATH)).status, 405);
      assert.equal((await fetch(base + MUTATE_SERVICE_PATH, { method: 'POST', body: '{}' })).status, 404, 'the Service webhook only when enabled');
    });

    it('serves POST /mutate-v1-service when given the class, and fails open there', async () => {
      const svcServer = createServer(webhookHandler({ serviceClass: 'service.k8s.aws/nlb', bindings: noBindings }));
      await new Promise<void>((r) => svcServer.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(svcServer.address() as AddressInfo).port}${MUTATE_SERVICE_PATH}`;
      try {
        const res = await fetch(url, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ request: { uid: 's1', kind: { kind: 'Service' }, operation: 'CREATE', object: { spec: { type: 'LoadBalancer' } } } }),
        });
        const body = await res.json() as { response: { uid: string; patch?: string } };
        assert.equal(body.response.uid, 's1');
        assert.deepEqual(JSON.parse(Buffer.from(body.response.patch ?? '', 'base64').toString()), [{ op: 'add', path: '/spec/loadBalancerClass', value: 'service.k8s.aws/nlb' }]);
        const bad = await fetch(url, { method: 'POST', body: '{nope' });
        assert.deepEqual(((await bad.json()) as { response: unknown }).response, { uid: '', allowed: true });
      } finally {
        await new Promise<void>((r) => svcServer.close(() => r()));
      }
    });
  });
});

describe('webhook: TLS certificate rotation', () => {
  const emptyLookup: GateLookup = { bindings: () => [], service: () => undefined };
  const peerFingerprint = (port: number): Promise<string> => new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on('error', reject);
  });
  const install = (dir: string, pair: PemPair): void => {
    writeFileSync(join(dir, 'tls.crt'), pair.certificate);
    writeFileSync(join(dir, 'tls.key'), pair.privateKey);
  };

  it('serves a renewed certificate to new connections without a restart', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'webhook-certs-'));
    const first = makeDomainCert(dir, 'first', ['webhook.local']);
    const second = makeDomainCert(dir, 'second', ['webhook.local']);
    install(dir, first);
    const running = await startWebhookServer({ port: 0, host: '127.0.0.1', certDir: dir, routes: { pods: emptyLookup, bindings: noBindings }, reloadIntervalMs: 50 });
    try {
      const before = await peerFingerprint(running.port);
      install(dir, second);
      let after = before;
      for (let i = 0; i < 100 && after === before; i++) {
        await new Promise((r) => setTimeout(r, 50));
        after = await peerFingerprint(running.port);
      }
      assert.notEqual(after, before, 'the renewed certificate is served');
      assert.equal(after, new X509Certificate(second.certificate).fingerprint256);
    } finally {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
