import assert from 'node:assert/strict';
import { createLogger } from '../../../src/server/log.ts';
import { parseBindAddr, probeRoutes, metricsRoutes, startHttpServer } from '../../../src/server/http.ts';
import { ControllerMetrics, parseMetrics } from '../../../src/server/metrics.ts';
import { CallCounter } from '../../../src/aws/metrics.ts';
import { runWorkers, WorkQueue } from '../../../src/k8s/queue.ts';
import { waitFor } from '../../../src/stand-ins/wait.ts';

describe('server: logs, probes and metrics', () => {
  it('logs one JSON line per event with level, msg and fields, honouring the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => 0 }, { component: 'x' });
    log.debug('hidden');
    log.child({ group: 'g' }).warn('careful', { error: new Error('boom'), skipped: undefined });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]?.endsWith('\n'));
    assert.deepEqual(JSON.parse(lines[0] as string), { ts: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'careful', component: 'x', group: 'g', error: { name: 'Error', message: 'boom' } });
  });

  it('reports the work queues as they are at each scrape: keys ready and keys being reconciled', async () => {
    const metrics = new ControllerMetrics();
    const queue = new WorkQueue({});
    metrics.watchQueues({ ingress: queue });
    const gauges = async (): Promise<string[]> => parseMetrics(await metrics.text())
      .filter((s) => /workqueue_depth|active_reconciles/.test(s.name)).map((s) => `${s.name}{${s.labels.controller}}=${s.value}`);
    queue.add('a', 'user');
    queue.add('b', 'resync');
    assert.deepEqual(await gauges(), ['aws_lb_controller_workqueue_depth{ingress}=2', 'aws_lb_controller_active_reconciles{ingress}=0']);
    let release = (): void => undefined;
    const workers = runWorkers(queue, 1, (key) => new Promise((resolve) => { if (key === 'a') release = () => resolve(); else resolve(); }));
    await waitFor('a being reconciled', async () => queue.depth().processing === 1);
    assert.deepEqual(await gauges(), ['aws_lb_controller_workqueue_depth{ingress}=1', 'aws_lb_controller_active_reconciles{ingress}=1']);
    release();
    await waitFor('queue drained', async () => queue.depth().processing === 0 && queue.depth().user + queue.depth().resync === 0);
    assert.deepEqual(await gauges(), ['aws_lb_controller_workqueue_depth{ingress}=0', 'aws_lb_controller_active_reconciles{ingress}=0']);
    await queue.shutdown();
    await workers;
  });

  it('parses bind addresses', () => {
    assert.deepEqual(parseBindAddr(':8080'), { host: undefined, port: 8080 });
    assert.deepEqual(parseBindAddr('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseBindAddr('[::1]:9'), { host: '::1', port: 9 });
    assert.throws(() => parseBindAddr('8080'));
  });

  it('serves /healthz, /readyz (503 with reasons until ready) and /metrics with the AWS call counter', async () => {
    let synced = false;
    const calls = new CallCounter();
    const metrics = new ControllerMetrics({ calls });
    calls.record('elbv2', 'RegisterTargets', 'success');
    metrics.ingressErrors.inc({ namespace: 'ns', ingress: 'web', reason: 'FailedBuildModel' });
    const server = await startHttpServer('127.0.0.1:0', { ...probeRoutes({ ready: { informers: () => (synced ? undefined : 'not synced: pods') } }), ...metricsRoutes(metrics) });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const notReady = await fetch(`${base}/readyz`);
      assert.equal(notReady.status, 503);
      assert.match(await notReady.text(), /informers: not synced: pods/);
      synced = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      const samples = parseMetrics(await (await fetch(`${base}/metrics`)).text());
      assert.equal(samples.find((s) => s.name === 'aws_lb_controller_aws_api_calls_total' && s.labels.operation === 'RegisterTargets')?.value, 1);
      assert.deepEqual(samples.find((s) => s.name === 'aws_lb_controller_ingress_errors_total')?.labels, { namespace: 'ns', ingress: 'web', reason: 'FailedBuildModel' });
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
