// Where the region and the VPC come from: flags and the environment win, instance metadata fills what is missing,
// and every failure says what to give instead.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveAwsLocation, type InstanceLocation } from '../../../src/config/aws-location.ts';
import { parseConfig, type Config } from '../../../src/config/config.ts';

function config(argv: string[], env: Record<string, string> = {}): Config {
  const r = parseConfig(['--cluster-name=demo', ...argv], env);
  if ('errors' in r) assert.fail(r.errors.join(' | '));
  return r.config;
}

/** a fake metadata service that counts what it was asked */
function fakeImds(answers: { region?: string | Error; vpcId?: string | Error } = {}) {
  const asked: string[] = [];
  const endpoints: string[] = [];
  const answer = async (what: 'region' | 'vpcId'): Promise<string> => {
    asked.push(what);
    const a = answers[what] ?? (what === 'region' ? 'ap-southeast-2' : 'vpc-0fed1');
    if (a instanceof Error) throw a;
    return a;
  };
  const location: InstanceLocation = { region: () => answer('region'), vpcId: () => answer('vpcId') };
  return { asked, endpoints, metadata: (endpoint: string) => { endpoints.push(endpoint); return location; } };
}

describe('config: resolveAwsLocation', () => {
  it('with both flags, never asks instance metadata', async () => {
    const f = fakeImds();
    const r = await resolveAwsLocation(config(['--aws-region=eu-west-1', '--aws-vpc-id=vpc-0abc']), f.metadata);
    assert.deepEqual(r, { location: { region: 'eu-west-1', vpcId: 'vpc-0abc', regionFrom: 'configuration', vpcIdFrom: 'configuration' } });
    assert.deepEqual(f.endpoints, []);
  });

  it('with --cluster-name alone, reads both from instance metadata at the configured endpoint', async () => {
    const f = fakeImds();
    const r = await resolveAwsLocation(config([], { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' }), f.metadata);
    assert.deepEqual(r, { location: { region: 'ap-southeast-2', vpcId: 'vpc-0fed1', regionFrom: 'instance metadata', vpcIdFrom: 'instance metadata' } });
    assert.deepEqual(f.endpoints, ['http://127.0.0.1:9']);
    assert.deepEqual(f.asked.sort(), ['region', 'vpcId']);
  });

  it('AWS_REGION wins over instance metadata; only the VPC is read', async () => {
    const f = fakeImds();
    const r = await resolveAwsLocation(config([], { AWS_REGION: 'us-west-2' }), f.metadata);
    assert.ok('location' in r);
    assert.equal(r.location.region, 'us-west-2');
    assert.equal(r.location.regionFrom, 'configuration');
    assert.equal(r.location.vpcId, 'vpc-0fed1');
    assert.deepEqual(f.asked, ['vpcId']);
  });

  it('AWS_EC2_METADATA_DISABLED=true: each missing value is required, nothing is read', async () => {
    const f = fakeImds();
    const r = await resolveAwsLocation(config(['--aws-region=eu-west-1'], { AWS_EC2_METADATA_DISABLED: 'true' }), f.metadata);
    assert.deepEqual(r, { errors: ['--aws-vpc-id is required: AWS_EC2_METADATA_DISABLED=true forbids reading the VPC ID from instance metadata'] });
    assert.deepEqual(f.endpoints, []);
  });

  it('an unreachable service: one error per missing value, naming the flag, the endpoint, the cause and the hop limit', async () => {
    const down = new Error('no IMDSv2 token from http://169.254.169.254 (PUT /latest/api/token): TimeoutError');
    const f = fakeImds({ region: down, vpcId: down });
    const r = await resolveAwsLocation(config([]), f.metadata);
    assert.ok('errors' in r);
    assert.equal(r.errors.length, 2);
    assert.match(r.errors[0] ?? '', /^the region was not given and could not be read from instance metadata at http:\/\/169\.254\.169\.254: no IMDSv2 token .*; give --aws-region \(or AWS_REGION\), or .*hop limit must be at least 2/);
    assert.match(r.errors[1] ?? '', /^the VPC ID was not given .*; give --aws-vpc-id, or /);
  });

  it('an answer that is not a region or a VPC ID is refused', async () => {
    const f = fakeImds({ region: '<html>captive portal</html>', vpcId: 'subnet-1' });
    const r = await resolveAwsLocation(config([]), f.metadata);
    assert.ok('errors' in r);
    assert.equal(r.errors[0], 'the region was not given and instance metadata at http://169.254.169.254 answered "<html>captive portal</html>", which is not a region; give --aws-region (or AWS_REGION)');
    assert.equal(r.errors[1], 'the VPC ID was not given and instance metadata at http://169.254.169.254 answered "subnet-1", which is not a VPC ID; give --aws-vpc-id');
  });

  it('property: flag, then environment (region only), then instance metadata', async () => {
    const region = fc.constantFrom('us-east-1', 'eu-central-1', 'ap-northeast-3');
    const vpc = fc.constantFrom('vpc-0a', 'vpc-1b2c');
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const cases = fc.record({ flagRegion: opt(region), envRegion: opt(region), envDefaultRegion: opt(region), flagVpc: opt(vpc), imdsRegion: region, imdsVpc: vpc });
    await fc.assert(fc.asyncProperty(cases,
      async ({ flagRegion, envRegion, envDefaultRegion, flagVpc, imdsRegion, imdsVpc }) => {
        const argv = [...(flagRegion ? [`--aws-region=${flagRegion}`] : []), ...(flagVpc ? [`--aws-vpc-id=${flagVpc}`] : [])];
        const env: Record<string, string> = {};
        if (envRegion) env.AWS_REGION = envRegion;
        if (envDefaultRegion) env.AWS_DEFAULT_REGION = envDefaultRegion;
        const f = fakeImds({ region: imdsRegion, vpcId: imdsVpc });
        const r = await resolveAwsLocation(config(argv, env), f.metadata);
        assert.ok('location' in r);
        const wantRegion = flagRegion ?? envRegion ?? envDefaultRegion;
        assert.equal(r.location.region, wantRegion ?? imdsRegion);
        assert.equal(r.location.vpcId, flagVpc ?? imdsVpc);
        assert.equal(r.location.regionFrom, wantRegion ? 'configuration' : 'instance metadata');
        assert.equal(f.asked.includes('region'), !wantRegion);
        assert.equal(f.asked.includes('vpcId'), !flagVpc);
      }));
  });
});
