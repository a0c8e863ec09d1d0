import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsClients, DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from '../../../src/aws/clients.ts';
import { CallCounter } from '../../../src/aws/metrics.ts';
import { action, ec2Ok, elbError, elbOk, FakeHttp, jsonOk, TEST_CREDENTIALS } from './fake-http.ts';
import { FakeClock } from './throttle.test.ts';

const LB_XML = '<LoadBalancers><member><LoadBalancerArn>arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/1</LoadBalancerArn><LoadBalancerName>a</LoadBalancerName></member></LoadBalancers>';

function clientsWith(http: FakeHttp, extra: Partial<Parameters<typeof createAwsClients>[0]> = {}) {
  return createAwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS, requestHandler: http, retryDelayMs: 1, ...extra });
}

describe('aws/clients', () => {
  // These tests run the real middleware stack; undo any class-level aws-sdk-client-mock another test file set
  // when it was loaded (those files re-stub in their own beforeEach).
  before(() => {
    for (const C of [ACMClient, EC2Client, ElasticLoadBalancingV2Client]) {
      const send = C.prototype.send as { restore?: () => void };
      send.restore?.();
    }
  });

  it('retries a throttled call and counts every attempt', async () => {
    const http = new FakeHttp((_req, n) => (n <= 2 ? elbError('Throttling', 'Rate exceeded') : elbOk('DescribeLoadBalancers', LB_XML)));
    const aws = clientsWith(http);
    const out = await aws.elbv2.send(new DescribeLoadBalancersCommand({}));
    assert.equal(out.LoadBalancers?.[0]?.LoadBalancerName, 'a');
    assert.equal(out.$metadata.attempts, 3);
    assert.equal(http.seen.length, 3);
    assert.deepEqual(aws.counter.snapshot(), [
      { service: 'elbv2', operation: 'DescribeLoadBalancers', outcome: 'Throttling', count: 2 },
      { service: 'elbv2', operation: 'DescribeLoadBalancers', outcome: 'success', count: 1 },
    ]);
  });

  it('gives up after --aws-max-retries retries', async () => {
    const http = new FakeHttp(() => elbError('Throttling'));
    const aws = clientsWith(http, { maxRetries: 2 });
    await assert.rejects(aws.elbv2.send(new DescribeLoadBalancersCommand({})), (e: Error & { $metadata?: { attempts?: number } }) =>
      e.name === 'Throttling' && e.$metadata?.attempts === 3);
    assert.equal(http.seen.length, 3);
    assert.equal(aws.counter.total({ outcome: 'Throttling' }), 3);
  });

  it('does not retry a client error, and counts it under its AWS code', async () => {
    const http = new FakeHttp(() => elbError('TargetGroupNotFound'));
    const aws = clientsWith(http);
    await assert.rejects(aws.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['x'] })), { name: 'TargetGroupNotFoundException' });
    assert.equal(http.seen.length, 1);
    assert.deepEqual(aws.counter.snapshot(), [{ service: 'elbv2', operation: 'DescribeTargetGroups', outcome: 'TargetGroupNotFound', count: 1 }]);
    assert.equal(aws.counter.total({ write: false }), 1);
  });

  it('sends each service to its --aws-api-endpoints URL', async () => {
    const http = new FakeHttp((req) => (req.hostname === '127.0.0.2' ? ec2Ok('DescribeSubnets', '<subnetSet/>')
      : req.hostname === 'acm.local' ? jsonOk({ CertificateSummaryList: [] }) : elbOk('DescribeLoadBalancers', '<LoadBalancers/>')));
    const aws = clientsWith(http, { endpoints: 'elasticloadbalancing=http://127.0.0.1:5000,ec2=http://127.0.0.2:5001,ACM=https://acm.local' });
    await aws.elbv2.send(new DescribeLoadBalancersCommand({}));
    await aws.ec2.send(new DescribeSubnetsCommand({}));
    await aws.acm.send(new ListCertificatesCommand({}));
    assert.deepEqual(http.seen.map((r) => [r.protocol, r.hostname, r.port]), [
      ['http:', '127.0.0.1', 5000], ['http:', '127.0.0.2', 5001], ['https:', 'acm.local', undefined],
    ]);
    assert.equal(action(http.seen[0]!), 'DescribeLoadBalancers');
    assert.deepEqual(aws.counter.byOperation(), { ListCertificates: 1, DescribeSubnets: 1, DescribeLoadBalancers: 1 });
    assert.deepEqual(aws.counter.snapshot().map((c) => c.service), ['acm', 'ec2', 'elbv2']);
  });

  it('spaces calls by the client-side token bucket of their API family', async () => {
    const clock = new FakeClock();
    const http = new FakeHttp((req) => (action(req) === 'ModifyRule' ? elbOk('ModifyRule', '<Rules/>') : elbOk('DescribeLoadBalancers', '<LoadBalancers/>')));
    const aws = clientsWith(http, { clock, throttle: 'elbv2:^Modify=2:1' });
    await aws.elbv2.send(new ModifyRuleCommand({ RuleArn: 'arn:r', Actions: [] }));
    await aws.elbv2.send(new ModifyRuleCommand({ RuleArn: 'arn:r', Actions: [] }));
    await aws.elbv2.send(new DescribeLoadBalancersCommand({}));
    assert.deepEqual(clock.sleeps, [500]);
    assert.equal(aws.throttler.waitedMs, 500);
    assert.equal(aws.counter.total({ write: true }), 2);
  });

  it('applies the ELBv2 defaults (Modify 3/s, burst 20) without a flag', async () => {
    const clock = new FakeClock();
    const http = new FakeHttp(() => elbOk('ModifyRule', '<Rules/>'));
    const aws = clientsWith(http, { clock });
    for (let i = 0; i < 21; i++) await aws.elbv2.send(new ModifyRuleCommand({ RuleArn: 'arn:r', Actions: [] }));
    assert.equal(clock.sleeps.length, 1);
    assert.ok(Math.abs((clock.sleeps[0] ?? 0) - 1000 / 3) < 1e-6);
  });

  it('shares a counter across client sets and reports ignored service IDs', async () => {
    const counter = new CallCounter();
    const http = new FakeHttp(() => elbOk('DescribeLoadBalancers', '<LoadBalancers/>'));
    const a = clientsWith(http, { counter, endpoints: { 'WAF Regional': 'http://h:1' } });
    const b = clientsWith(http, { counter, throttle: 'STS:.*=1:1' });
    await a.elbv2.send(new DescribeLoadBalancersCommand({}));
    await b.elbv2.send(new DescribeLoadBalancersCommand({}));
    assert.equal(counter.total(), 2);
    assert.deepEqual(a.ignoredServiceIds, ['WAF Regional']);
    assert.deepEqual(b.ignoredServiceIds, ['STS']);
  });

  describe('HTTP timeouts (the real Node handler, against a local TCP server)', () => {
    let server: Server;
    let port = 0;
    const sockets: Socket[] = [];
    /** what the server does with a connection: hold it open and never answer, or close it at once */
    let onConnection: (s: Socket) => void = () => undefined;
    before(async () => {
      server = createServer((s) => { sockets.push(s); s.on('error', () => undefined); onConnection(s); });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const realClients = (extra: Partial<Parameters<typeof createAwsClients>[0]> = {}) =>
      createAwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS, endpoints: { elbv2: `http://127.0.0.1:${port}` }, retryDelayMs: 1, ...extra });

    it('gives up on a request that gets no answer, and counts each timed-out attempt', async () => {
      onConnection = () => undefined; // black hole: accepted, never answered
      const aws = realClients({ maxRetries: 1, timeouts: { requestTimeoutMs: 150 } });
      const started = Date.now();
      try {
        await assert.rejects(aws.elbv2.send(new DescribeLoadBalancersCommand({})), (e: Error & { $metadata?: { attempts?: number } }) =>
          e.name === 'TimeoutError' && /requestTimeout/.test(e.message));
        assert.ok(Date.now() - started < 5_000, 'ended by the timeout, not by the test');
        assert.deepEqual(aws.counter.snapshot().map((c) => [c.outcome, c.count]), [['TimeoutError', 2]], 'retried once as a transient error');
      } finally {
        aws.destroy();
      }
    });

    it('builds its own handler with a 5 s connection and a 30 s request timeout unless one is injected', async () => {
      onConnection = (s) => s.destroy();
      const aws = realClients({ maxRetries: 0 });
      try {
        await assert.rejects(aws.elbv2.send(new DescribeLoadBalancersCommand({})));
        const handler = aws.elbv2.config.requestHandler as { httpHandlerConfigs(): Record<string, unknown> };
        const cfg = handler.httpHandlerConfigs();
        assert.equal(cfg.connectionTimeout, DEFAULT_CONNECTION_TIMEOUT_MS);
        assert.equal(cfg.requestTimeout, DEFAULT_REQUEST_TIMEOUT_MS);
        assert.equal(cfg.throwOnRequestTimeout, true, 'a breached timeout is an error, not a warning');
        assert.deepEqual([DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS], [5_000, 30_000]);
      } finally {
        aws.destroy();
      }
      const http = new FakeHttp(() => elbOk('DescribeLoadBalancers', '<LoadBalancers/>'));
      assert.equal(clientsWith(http).elbv2.config.requestHandler, http, 'an injected handler is used as is');
      assert.throws(() => realClients({ timeouts: { requestTimeoutMs: 0 } }), /request timeout must be a positive number/);
    });
  });

  it('rejects a bad --aws-max-retries and bad flag values up front', () => {
    assert.throws(() => createAwsClients({ region: 'us-east-1', maxRetries: -1 }), /--aws-max-retries must be a whole number >= 0/);
    assert.throws(() => createAwsClients({ region: 'us-east-1', endpoints: 'ec2' }), /--aws-api-endpoints/);
    assert.throws(() => createAwsClients({ region: 'us-east-1', throttle: 'ec2:.*=x:1' }), /--aws-api-throttle/);
  });
});
