// Where the controller works in AWS: the region and the VPC. A flag wins (for the region, $AWS_REGION and
// $AWS_DEFAULT_REGION too, already folded into the Config); what is still missing is read from the EC2 instance
// metadata service, as upstream does, so that on EKS `--cluster-name` alone is enough. Asked once at start-up;
// a failure is one message per missing value saying what to give instead.
import { AWS_REGION_PATTERN, VPC_ID_PATTERN, type Config } from './config.ts';

/** what start-up reads from instance metadata (src/aws/imds.ts) */
export interface InstanceLocation {
  region(): Promise<string>;
  vpcId(): Promise<string>;
}

export type LocationSource = 'configuration' | 'instance metadata';

export interface AwsLocation {
  readonly region: string;
  readonly vpcId: string;
  readonly regionFrom: LocationSource;
  readonly vpcIdFrom: LocationSource;
}

const HINT = 'the pod must reach IMDSv2: on EKS the instance\'s metadata hop limit must be at least 2 (docs/install-eks.md)';

interface Wanted {
  readonly what: 'region' | 'VPC ID';
  readonly given: string | undefined;
  readonly pattern: RegExp;
  readonly read: (imds: InstanceLocation) => Promise<string>;
  /** how to give it instead */
  readonly instead: string;
}

const causeOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The region and the VPC ID; `metadata` is called (with the Config's endpoint) only when one of them is missing.
 * Both are read concurrently, so an unreachable service costs one bounded wait, not two.
 */
export async function resolveAwsLocation(
  config: Config, metadata: (endpoint: string) => InstanceLocation,
): Promise<{ readonly location: AwsLocation } | { readonly errors: readonly string[] }> {
  const wanted: readonly Wanted[] = [
    { what: 'region', given: config.awsRegion, pattern: AWS_REGION_PATTERN, read: (m) => m.region(), instead: '--aws-region (or AWS_REGION)' },
    { what: 'VPC ID', given: config.awsVpcId, pattern: VPC_ID_PATTERN, read: (m) => m.vpcId(), instead: '--aws-vpc-id' },
  ];
  const missing = wanted.filter((w) => w.given === undefined);
  if (missing.length && config.imdsDisabled) {
    return { errors: missing.map((w) => `${w.instead} is required: AWS_EC2_METADATA_DISABLED=true forbids reading the ${w.what} from instance metadata`) };
  }
  const imds = missing.length ? metadata(config.imdsEndpoint) : undefined;
  const settled = await Promise.allSettled(wanted.map((w) => (w.given !== undefined || !imds ? w.given ?? '' : w.read(imds))));
  const errors: string[] = [];
  const values = settled.map((s, i) => {
    const w = wanted[i] as Wanted;
    if (s.status === 'rejected') {
      errors.push(`the ${w.what} was not given and could not be read from instance metadata at ${config.imdsEndpoint}: ${causeOf(s.reason)}; give ${w.instead}, or ${HINT}`);
    } else if (w.given === undefined && !w.pattern.test(s.value)) {
      errors.push(`the ${w.what} was not given and instance metadata at ${config.imdsEndpoint} answered "${s.value}", which is not a ${w.what}; give ${w.instead}`);
    }
    return s.status === 'fulfilled' ? s.value : '';
  });
  if (errors.length) return { errors };
  const from = (w: Wanted): LocationSource => (w.given === undefined ? 'instance metadata' : 'configuration');
  return {
    location: Object.freeze({
      region: values[0] as string, vpcId: values[1] as string, regionFrom: from(wanted[0] as Wanted), vpcIdFrom: from(wanted[1] as Wanted),
    }),
  };
}
