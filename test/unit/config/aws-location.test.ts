// Where the region and the VPC come from: flags and the environment win, instance metadata fills what is missing,
// and every failure says what to give instead.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveAwsLocation, type InstanceLocation, type VpcFinder } from '../../../src/config/aws-location.ts';
import { parseConfig, type Config } from '../../../src/config/config.ts';

function config(argv: string[], env: Record<string, string> = {}): Config {
  const r = parseConfig(['--cluster-name=demo', ...argv], env);
  if ('errors' in r) assert.fail(r.errors.join(' | '));
  return r.config;
}

interface FakeEc2 {
  /** VPCs with their tags */
  readonly vpcs?: readonly { readonly id: string; readonly tags: Readonly<Record<string, string>> }[];
  /** instance ID → its VPC IDs as DescribeInstances returns them */
  readonly instances?: Readonly<Record<string, readonly (string | undefined)[]>>;
  readonly fail?: Error;
}

/** a fake metadata service and a fake EC2, counting what they were asked */
function fakeImds(answers: { region?: string | Error; vpcId?: string | Error } = {}, ec2: FakeEc2 = {}) {
  const asked: string[] = [];
  const endpoints: string[] = [];
  const answer = async (what: 'region' | 'vpcId'): Promise<string> => {
    asked.push(what);
    const a = answers[what] ?? (what === 'region' ? 'ap-southeast-2' : 'vpc-0fed1');
    if (a instanceof Error) throw a;
    return a;
  };
  const location: InstanceLocation = { region: () => answer('region'), vpcId: () => answer('vpcId') };
  const ec2Regions: string[] = [];
  const ec2Asked: string[] = [];
  let destroyed = 0;
  const finder: VpcFinder = {
    vpcIdsWithTags: async (tags) => {
      ec2Asked.push(`DescribeVpcs ${JSON.stringify(tags)}`);
      if (ec2.fail) throw ec2.fail;
      return (ec2.vpcs ?? []).filter((v) => Object.entries(tags).every(([k, val]) => Object.hasOwn(v.tags, k) && v.tags[k] === val)).map((v) => v.id);
    },
    vpcIdsOfInstance: async (id) => {
      ec2Asked.push(`DescribeInstances ${id}`);
      if (ec2.fail) throw ec2.fail;
      const found = ec2.instances?.[id];
      if (!found) throw new Error(`ec2 DescribeInstances: InvalidInstanceID.NotFound: The instance ID '${id}' does not exist`);
      return found;
    },
    destroy: () => { destroyed++; },
  };
  const sources = {
    metadata: (endpoint: string) => { endpoints.push(endpoint); return location; },
    ec2: (region: string) => { ec2Regions.push(region); return finder; },
  };
  return { asked, endpoints, ec2Regions, ec2Asked, destroyed: () => destroyed, sources };
}

describe('config: resolveAwsLocation', () => {
  it('with both flags, never asks instance metadata', async () => {
    const f = fakeImds();
    const r = await resolveAwsLocation(config(['--aws-region=eu-west-1', '--aws-vpc-id=vpc-0abc']), f.sources);
    assert.deepEqual(r, { location: { region: 'eu-west-1', vpcId: 'vpc-0abc', regionFrom: 'configuration', vpcIdFrom: 'configuration' } });
    assert.deepEqual(f.endpoints, []);
  });

  it('with --cluster-name alone, reads both from instance metadata at the configured endpoint', async () => {
    const f = fakeImds();
    const r = await resolveAwsLocation(config([], { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' }), f.sources);
    assert.deepEqual(r, { location: { region: 'ap-southeast-2', vpcId: 'vpc-0fed1', regionFrom: 'instance metadata', vpcIdFrom: 'instance metadata' } });
    assert.deepEqual(f.endpoints, ['http://127.0.0.1:9']);
    assert.deepEqual(f.asked.sort(), ['region', 'vpcId']);
  });

  it('AWS_REGION wins over instance metadata; only the VPC is read', async () => {
    const f = fakeImds();
    const r = await resolveAwsLocation(config([], { AWS_REGION: 'us-west-2' }), f.sources);
    assert.ok('location' in r);
    assert.equal(r.location.region, 'us-west-2');
    assert.equal(r.location.regionFrom, 'configuration');
    assert.equal(r.location.vpcId, 'vpc-0fed1');
    assert.deepEqual(f.asked, ['vpcId']);
  });

  it('AWS_EC2_METADATA_DISABLED=true: each missing value is required, nothing is read', async () => {
    const f = fakeImds();
    const r = await resolveAwsLocation(config(['--aws-region=eu-west-1'], { AWS_EC2_METADATA_DISABLED: 'true' }), f.sources);
    assert.deepEqual(r, { errors: ['--aws-vpc-id (or --aws-vpc-tags) is required: AWS_EC2_METADATA_DISABLED=true forbids reading the VPC ID from instance metadata'] });
    assert.deepEqual(f.endpoints, []);
  });

  it('an unreachable service: one error per missing value, naming the flag, the endpoint, the cause and the hop limit', async () => {
    const down = new Error('no IMDSv2 token from http://169.254.169.254 (PUT /latest/api/token): TimeoutError');
    const f = fakeImds({ region: down, vpcId: down });
    const r = await resolveAwsLocation(config([]), f.sources);
    assert.ok('errors' in r);
    assert.equal(r.errors.length, 2);
    assert.match(r.errors[0] ?? '', /^the region was not given and could not be read from instance metadata at http:\/\/169\.254\.169\.254: no IMDSv2 token .*; give --aws-region \(or AWS_REGION\), or .*hop limit must be at least 2/);
    assert.match(r.errors[1] ?? '', /^the VPC ID was not given .*; give --aws-vpc-id \(or --aws-vpc-tags\), or /);
  });

  it('an answer that is not a region or a VPC ID is refused', async () => {
    const f = fakeImds({ region: '<html>captive portal</html>', vpcId: 'subnet-1' });
    const r = await resolveAwsLocation(config([]), f.sources);
    assert.ok('errors' in r);
    assert.equal(r.errors[0], 'the region was not given and instance metadata at http://169.254.169.254 answered "<html>captive portal</html>", which is not a region; give --aws-region (or AWS_REGION)');
    assert.equal(r.errors[1], 'the VPC ID was not given and instance metadata at http://169.254.169.254 answered "subnet-1", which is not a VPC ID; give --aws-vpc-id (or --aws-vpc-tags)');
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
        const r = await resolveAwsLocation(config(argv, env), f.sources);
        assert.ok('location' in r);
        const wantRegion = flagRegion ?? envRegion ?? envDefaultRegion;
        assert.equal(r.location.region, wantRegion ?? imdsRegion);
        assert.equal(r.location.vpcId, flagVpc ?? imdsVpc);
        assert.equal(r.location.regionFrom, wantRegion ? 'configuration' : 'instance metadata');
        assert.equal(f.asked.includes('region'), !wantRegion);
        assert.equal(f.asked.includes('vpcId'), !flagVpc);
      }));
  });

  describe('--aws-vpc-tags and $NODENAME (upstream\'s order after --aws-vpc-id)', () => {
    const vpcs: FakeEc2['vpcs'] = [
      { id: 'vpc-0a1', tags: { Name: 'prod', team: 'web' } },
      { id: 'vpc-0b2', tags: { Name: 'prod', team: 'data' } },
      { id: 'vpc-0c3', tags: { Name: 'dev' } },
    ];

    it('finds the one VPC with every tag, in the region found first; instance metadata is not asked for the VPC', async () => {
      const f = fakeImds({}, { vpcs });
      const r = await resolveAwsLocation(config(['--aws-vpc-tags=Name=prod,team=web']), f.sources);
      assert.deepEqual(r, { location: { region: 'ap-southeast-2', vpcId: 'vpc-0a1', regionFrom: 'instance metadata', vpcIdFrom: 'VPC tags' } });
      assert.deepEqual(f.asked, ['region']);
      assert.deepEqual(f.ec2Regions, ['ap-southeast-2']);
      assert.deepEqual(f.ec2Asked, ['DescribeVpcs {"Name":"prod","team":"web"}']);
      assert.equal(f.destroyed(), 1, 'the start-up EC2 client is closed');
    });

    it('--aws-vpc-id wins over --aws-vpc-tags: EC2 is not asked', async () => {
      const f = fakeImds({}, { vpcs });
      const r = await resolveAwsLocation(config(['--aws-vpc-id=vpc-0fff', '--aws-vpc-tags=Name=prod', '--aws-region=eu-west-1']), f.sources);
      assert.ok('location' in r);
      assert.equal(r.location.vpcId, 'vpc-0fff');
      assert.deepEqual(f.ec2Asked, []);
      assert.deepEqual(f.endpoints, []);
    });

    it('no VPC, or two: a start-up error naming the tags and the count', async () => {
      const none = await resolveAwsLocation(config(['--aws-region=eu-west-1', '--aws-vpc-tags=Name=staging']), fakeImds({}, { vpcs }).sources);
      assert.deepEqual(none, { errors: ['--aws-vpc-tags Name=staging matched no VPC (a VPC must carry every one of these tags); give --aws-vpc-id, or tags of exactly one VPC'] });
      const two = await resolveAwsLocation(config(['--aws-region=eu-west-1', '--aws-vpc-tags=Name=prod']), fakeImds({}, { vpcs }).sources);
      assert.deepEqual(two, { errors: ['--aws-vpc-tags Name=prod matched 2 VPCs (vpc-0a1, vpc-0b2), not one; give --aws-vpc-id, or tags of exactly one VPC'] });
    });

    it('DescribeVpcs failing is a start-up error with the cause; without a region EC2 is not asked', async () => {
      const failing = fakeImds({}, { fail: new Error('ec2 DescribeVpcs: UnauthorizedOperation') });
      const r = await resolveAwsLocation(config(['--aws-region=eu-west-1', '--aws-vpc-tags=Name=prod']), failing.sources);
      assert.deepEqual(r, { errors: ['--aws-vpc-tags Name=prod: DescribeVpcs failed: ec2 DescribeVpcs: UnauthorizedOperation; give --aws-vpc-id instead'] });
      const noRegion = fakeImds({ region: new Error('TimeoutError') }, { vpcs });
      const r2 = await resolveAwsLocation(config(['--aws-vpc-tags=Name=dev']), noRegion.sources);
      assert.ok('errors' in r2);
      assert.equal(r2.errors.length, 1);
      assert.match(r2.errors[0] ?? '', /^the region was not given/);
      assert.deepEqual(noRegion.ec2Asked, []);
    });

    it('instance metadata without a VPC and NODENAME an instance ID: DescribeInstances gives it', async () => {
      const f = fakeImds({ vpcId: new Error('404 Not Found') }, { instances: { 'i-0abc': ['vpc-0c3'] } });
      const r = await resolveAwsLocation(config(['--aws-region=eu-west-1'], { NODENAME: 'i-0abc' }), f.sources);
      assert.deepEqual(r, { location: { region: 'eu-west-1', vpcId: 'vpc-0c3', regionFrom: 'configuration', vpcIdFrom: 'NODENAME instance' } });
      assert.deepEqual(f.ec2Asked, ['DescribeInstances i-0abc']);
    });

    it('instance metadata answering: NODENAME is not used; NODENAME not an instance ID: not used either', async () => {
      const f = fakeImds({}, { instances: { 'i-0abc': ['vpc-0c3'] } });
      const r = await resolveAwsLocation(config(['--aws-region=eu-west-1'], { NODENAME: 'i-0abc' }), f.sources);
      assert.ok('location' in r);
      assert.equal(r.location.vpcIdFrom, 'instance metadata');
      assert.deepEqual(f.ec2Asked, []);
      const g = fakeImds({ vpcId: new Error('404 Not Found') }, { instances: {} });
      const r2 = await resolveAwsLocation(config(['--aws-region=eu-west-1'], { NODENAME: 'ip-10-0-0-1.ec2.internal' }), g.sources);
      assert.deepEqual(r2, { errors: ['the VPC ID was not given and could not be read from instance metadata at http://169.254.169.254: 404 Not Found; give --aws-vpc-id (or --aws-vpc-tags), or ' +
        'the pod must reach IMDSv2: on EKS the instance\'s metadata hop limit must be at least 2 (docs/install-eks.md)'] });
      assert.deepEqual(g.ec2Asked, []);
    });

    it('both failing: one error with both causes; AWS_EC2_METADATA_DISABLED still lets NODENAME answer', async () => {
      const f = fakeImds({ vpcId: new Error('404 Not Found') }, { instances: {} });
      const r = await resolveAwsLocation(config(['--aws-region=eu-west-1'], { NODENAME: 'i-0gone' }), f.sources);
      assert.ok('errors' in r);
      assert.match(r.errors[0] ?? '', /^the VPC ID was not given and could not be read from instance metadata at \S+: 404 Not Found; nor found by DescribeInstances of NODENAME=i-0gone: .*InvalidInstanceID\.NotFound.*; give --aws-vpc-id \(or --aws-vpc-tags\)/);
      const g = fakeImds({}, { instances: { 'i-0abc': ['vpc-0c3'] } });
      const r2 = await resolveAwsLocation(config(['--aws-region=eu-west-1'], { NODENAME: 'i-0abc', AWS_EC2_METADATA_DISABLED: 'true' }), g.sources);
      assert.ok('location' in r2);
      assert.equal(r2.location.vpcId, 'vpc-0c3');
      assert.deepEqual(g.endpoints, []);
      const h = fakeImds({}, { instances: { 'i-0two': ['vpc-0a1', 'vpc-0b2'] } });
      const r3 = await resolveAwsLocation(config(['--aws-region=eu-west-1'], { NODENAME: 'i-0two', AWS_EC2_METADATA_DISABLED: 'true' }), h.sources);
      assert.deepEqual(r3, { errors: ['the VPC ID was not given: AWS_EC2_METADATA_DISABLED=true forbids reading the VPC ID from instance metadata; nor found by DescribeInstances of NODENAME=i-0two: it returned 2 instances; give --aws-vpc-id (or --aws-vpc-tags)'] });
    });
  });
});
