// Where the controller works in AWS: the region and the VPC, found in upstream's order so that on EKS
// `--cluster-name` alone is enough.
// - Region: --aws-region (or $AWS_REGION / $AWS_DEFAULT_REGION, already folded into the Config), else instance metadata.
// - VPC: --aws-vpc-id, else --aws-vpc-tags (the one VPC with every tag: DescribeVpcs), else instance metadata (the
//   primary interface's VPC), else, when $NODENAME is an instance ID, that instance's VPC (DescribeInstances).
// Asked once at start-up; a failure is one message per missing value saying which flag to give instead.
import { AWS_REGION_PATTERN, VPC_ID_PATTERN, type Config } from './config.ts';
import { formatStringMap } from './string-map.ts';

/** what start-up reads from instance metadata (src/aws/imds.ts) */
export interface InstanceLocation {
  region(): Promise<string>;
  vpcId(): Promise<string>;
}

/** the EC2 reads that find the VPC when neither the flag nor instance metadata gives it (src/aws/vpc-finder.ts) */
export interface VpcFinder {
  /** the IDs of the VPCs that carry every tag */
  vpcIdsWithTags(tags: Readonly<Record<string, string>>): Promise<readonly string[]>;
  /** the VPC IDs of the instances DescribeInstances returns for this ID (one, unless EC2 answers oddly) */
  vpcIdsOfInstance(instanceId: string): Promise<readonly (string | undefined)[]>;
  destroy(): void;
}

export type LocationSource = 'configuration' | 'instance metadata' | 'VPC tags' | 'NODENAME instance';

export interface AwsLocation {
  readonly region: string;
  readonly vpcId: string;
  readonly regionFrom: LocationSource;
  readonly vpcIdFrom: LocationSource;
}

export interface LocationSources {
  /** instance metadata at this endpoint; called only when a value is missing */
  readonly metadata: (endpoint: string) => InstanceLocation;
  /** EC2 in the region; called only for --aws-vpc-tags or the $NODENAME fallback */
  readonly ec2: (region: string) => VpcFinder;
}

const HINT = 'the pod must reach IMDSv2: on EKS the instance\'s metadata hop limit must be at least 2 (docs/install-eks.md)';
const GIVE_VPC = 'give --aws-vpc-id (or --aws-vpc-tags)';

const causeOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** why instance metadata gave no value; `unreachable`: no answer at all (the hop limit is the usual cause on EKS) */
class NotFromImds extends Error {
  readonly unreachable: boolean;
  constructor(message: string, unreachable: boolean) {
    super(message);
    this.unreachable = unreachable;
  }
}

type Found = { readonly value: string; readonly from: LocationSource } | { readonly error: string };

/**
 * The region and the VPC ID. Instance metadata is read for both at once (an unreachable service costs one bounded
 * wait, not two); EC2 is asked only once the region is known.
 */
export async function resolveAwsLocation(config: Config, sources: LocationSources): Promise<{ readonly location: AwsLocation } | { readonly errors: readonly string[] }> {
  const where = `instance metadata at ${config.imdsEndpoint}`;
  let imds: InstanceLocation | undefined;
  const fromImds = async (what: 'region' | 'VPC ID', pattern: RegExp, read: (m: InstanceLocation) => Promise<string>): Promise<string> => {
    if (config.imdsDisabled) throw new NotFromImds(`AWS_EC2_METADATA_DISABLED=true forbids reading the ${what} from instance metadata`, false);
    imds ??= sources.metadata(config.imdsEndpoint);
    const value = await read(imds).catch((err: unknown) => { throw new NotFromImds(`could not be read from ${where}: ${causeOf(err)}`, true); });
    if (!pattern.test(value)) throw new NotFromImds(`${where} answered "${value}", which is not a ${what}`, false);
    return value;
  };
  const imdsHint = (err: unknown): string => (err instanceof NotFromImds && err.unreachable ? `, or ${HINT}` : '');

  const region: Promise<Found> = config.awsRegion !== undefined
    ? Promise.resolve({ value: config.awsRegion, from: 'configuration' })
    : fromImds('region', AWS_REGION_PATTERN, (m) => m.region()).then(
      (value) => ({ value, from: 'instance metadata' as const }),
      (err: unknown) => ({ error: config.imdsDisabled
        ? `--aws-region (or AWS_REGION) is required: ${causeOf(err)}`
        : `the region was not given and ${causeOf(err)}; give --aws-region (or AWS_REGION)${imdsHint(err)}` }));

  let finder: VpcFinder | undefined;
  const ec2 = async (): Promise<VpcFinder | undefined> => {
    const r = await region;
    if ('error' in r) return undefined;
    finder ??= sources.ec2(r.value);
    return finder;
  };

  const vpc = async (): Promise<Found | undefined> => {
    if (config.awsVpcId !== undefined) return { value: config.awsVpcId, from: 'configuration' };
    if (config.awsVpcTags !== undefined) {
      const f = await ec2();
      return f ? byTags(f, config.awsVpcTags) : undefined; // no region: its error says it all
    }
    let imdsError: unknown;
    try {
      return { value: await fromImds('VPC ID', VPC_ID_PATTERN, (m) => m.vpcId()), from: 'instance metadata' };
    } catch (err) {
      imdsError = err;
    }
    const node = config.nodeName;
    const fromNode = node?.startsWith('i-') ? await ec2().then((f) => f && byInstance(f, node)) : undefined;
    if (fromNode && 'value' in fromNode) return fromNode;
    const reasons = [causeOf(imdsError), ...(fromNode ? [fromNode.error] : [])].join('; ');
    return config.imdsDisabled && !fromNode
      ? { error: `--aws-vpc-id (or --aws-vpc-tags) is required: ${reasons}` }
      : { error: `the VPC ID was not given${config.imdsDisabled ? ':' : ' and'} ${reasons}; ${GIVE_VPC}${imdsHint(imdsError)}` };
  };

  try {
    const [r, v] = await Promise.all([region, vpc()]);
    const errors = [r, v].flatMap((x) => (x && 'error' in x ? [x.error] : []));
    if (errors.length || !('value' in r) || !v || !('value' in v)) return { errors };
    return { location: Object.freeze({ region: r.value, vpcId: v.value, regionFrom: r.from, vpcIdFrom: v.from }) };
  } finally {
    finder?.destroy();
  }
}

async function byTags(f: VpcFinder, tags: Readonly<Record<string, string>>): Promise<Found> {
  const flag = `--aws-vpc-tags ${formatStringMap(tags)}`;
  let ids: readonly string[];
  try {
    ids = await f.vpcIdsWithTags(tags);
  } catch (err) {
    return { error: `${flag}: DescribeVpcs failed: ${causeOf(err)}; give --aws-vpc-id instead` };
  }
  if (ids.length === 1) return { value: ids[0] as string, from: 'VPC tags' };
  return ids.length === 0
    ? { error: `${flag} matched no VPC (a VPC must carry every one of these tags); give --aws-vpc-id, or tags of exactly one VPC` }
    : { error: `${flag} matched ${ids.length} VPCs (${ids.join(', ')}), not one; give --aws-vpc-id, or tags of exactly one VPC` };
}

async function byInstance(f: VpcFinder, instanceId: string): Promise<Found> {
  const what = `nor found by DescribeInstances of NODENAME=${instanceId}`;
  try {
    const vpcs = await f.vpcIdsOfInstance(instanceId);
    const [only] = vpcs;
    if (vpcs.length === 1 && only !== undefined) return { value: only, from: 'NODENAME instance' };
    return { error: `${what}: ${vpcs.length === 1 ? 'the instance has no VPC' : `it returned ${vpcs.length} instances`}` };
  } catch (err) {
    return { error: `${what}: ${causeOf(err)}` };
  }
}
