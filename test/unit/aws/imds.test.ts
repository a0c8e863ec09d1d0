// The instance metadata reader against the IMDS stand-in on loopback: the IMDSv2 token flow, the three paths
// upstream reads, and bounded failures (a token PUT never answered, nothing listening).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ImdsError, IMDS_TOKEN_TTL_SECONDS, InstanceMetadata } from '../../../src/aws/imds.ts';
import { startImdsStandIn, type ImdsStandIn } from '../../../src/stand-ins/imds.ts';

const noBackoff = (): number => 0;

describe('aws: instance metadata (IMDSv2, against the stand-in)', () => {
  let imds: ImdsStandIn;
  afterEach(async () => { await imds?.stop(); });

  it('fetches one token with a TTL, then reads the region, the MAC and its VPC with it', async () => {
    imds = await startImdsStandIn({ region: 'eu-west-3', vpcId: 'vpc-0abc123', mac: '02:aa:bb:cc:dd:ee' });
    const m = new InstanceMetadata({ endpoint: imds.url });
    assert.equal(await m.region(), 'eu-west-3');
    assert.equal(await m.vpcId(), 'vpc-0abc123');
    assert.deepEqual(imds.requests.map((r) => `${r.method} ${r.path}`), [
      'PUT /latest/api/token',
      'GET /latest/meta-data/placement/region',
      'GET /latest/meta-data/mac',
      'GET /latest/meta-data/network/interfaces/macs/02:aa:bb:cc:dd:ee/vpc-id',
    ]);
    assert.equal(imds.requests[0]?.ttl, String(IMDS_TOKEN_TTL_SECONDS));
    assert.ok(imds.requests.slice(1).every((r) => r.validToken), 'every GET carries the token');
  });

  it('shares one token between concurrent reads', async () => {
    imds = await startImdsStandIn({ region: 'us-east-1', vpcId: 'vpc-1' });
    const m = new InstanceMetadata({ endpoint: imds.url });
    assert.deepEqual(await Promise.all([m.region(), m.vpcId()]), ['us-east-1', 'vpc-1']);
    assert.equal(imds.requests.filter((r) => r.method === 'PUT').length, 1);
  });

  it('a token PUT that is never answered (hop limit) fails within its bounds, naming the token, and never falls back to IMDSv1', async () => {
    imds = await startImdsStandIn({ region: 'us-east-1', vpcId: 'vpc-1', dropTokenAnswers: true });
    const m = new InstanceMetadata({ endpoint: imds.url, timeoutMs: 300, retries: 1, backoffSeconds: noBackoff });
    await assert.rejects(m.region(), (err: unknown) => {
      assert.ok(err instanceof ImdsError);
      assert.equal(err.path, 'api/token');
      assert.match(err.message, /no IMDSv2 token from http:\/\/127\.0\.0\.1:\d+ \(PUT \/latest\/api\/token\)/);
      return true;
    });
    assert.equal(imds.requests.filter((r) => r.method === 'PUT').length, 2, 'the first attempt and one retry');
    assert.equal(imds.requests.filter((r) => r.method === 'GET').length, 0);
  });

  it('a path the service does not have is an error naming the path, not retried', async () => {
    imds = await startImdsStandIn({ region: 'us-east-1', vpcId: 'vpc-1' });
    const m = new InstanceMetadata({ endpoint: imds.url, backoffSeconds: noBackoff });
    await assert.rejects(m.get('placement/availability-zone'), (err: unknown) => {
      assert.ok(err instanceof ImdsError);
      assert.equal(err.path, 'placement/availability-zone');
      assert.match(err.message, /status code 404/);
      return true;
    });
    assert.equal(imds.requests.filter((r) => r.method === 'GET').length, 1);
  });

  it('nothing listening: fails with the endpoint in the message', async () => {
    imds = await startImdsStandIn({ region: 'us-east-1', vpcId: 'vpc-1' });
    // a port that was free a moment ago and is closed now
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    });
    const m = new InstanceMetadata({ endpoint: `http://127.0.0.1:${port}/`, timeoutMs: 500, retries: 1, backoffSeconds: noBackoff });
    await assert.rejects(m.vpcId(), new RegExp(`no IMDSv2 token from http://127\\.0\\.0\\.1:${port} `));
  });
});
