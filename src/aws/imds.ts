// The EC2 instance metadata service (IMDS), read the way upstream reads it at start-up: the region, and the VPC of
// the instance's primary network interface. IMDSv2 only: a session token first (PUT /latest/api/token with a TTL
// header), then GETs carrying it. The SDK's MetadataService does the HTTP; we drive the token ourselves so that a
// token failure is reported as such (on EKS, a pod more than one hop from the instance never sees the PUT's
// answer: the hop limit must be at least 2), and never fall back to IMDSv1 (ADR 15).
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import type { InstanceLocation } from '../config/aws-location.ts';

/** per attempt, to connect and to answer: IMDS answers in milliseconds when it is there at all */
export const IMDS_DEFAULT_TIMEOUT_MS = 1_000;
/** retries after the first attempt, with the SDK's backoff (1, 1.2, 1.44 s): the worst case stays under 10 s */
export const IMDS_DEFAULT_RETRIES = 3;
/** seconds; the token is used for three GETs at start-up only */
export const IMDS_TOKEN_TTL_SECONDS = 60;

export interface InstanceMetadataOptions {
  /** the Config's imdsEndpoint (http://169.254.169.254 on EC2) */
  readonly endpoint: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** for tests: seconds to wait before retry n (0-based); the SDK's 1.2^n otherwise */
  readonly backoffSeconds?: (attempt: number) => number;
}

export class ImdsError extends Error {
  /** the metadata path, or "api/token" */
  readonly path: string;
  constructor(path: string, message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ImdsError';
    this.path = path;
  }
}

const detail = (err: unknown): string => (err instanceof Error ? err.message : String(err))
  .replace(/^Error making request to the metadata service: /, '').replace(/^Error: /, '');

export class InstanceMetadata implements InstanceLocation {
  readonly endpoint: string;
  readonly #service: MetadataService;
  #token: Promise<string> | undefined;

  constructor(options: InstanceMetadataOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.#service = new MetadataService({
      // given explicitly, so the SDK reads neither the environment nor ~/.aws/config
      endpoint: this.endpoint,
      ec2MetadataV1Disabled: false,
      // we fetch the token and send it ourselves (below), so the SDK never retries without one
      disableFetchToken: true,
      tokenTtl: IMDS_TOKEN_TTL_SECONDS,
      httpOptions: { timeout: options.timeoutMs ?? IMDS_DEFAULT_TIMEOUT_MS },
      retries: options.retries ?? IMDS_DEFAULT_RETRIES,
      ...(options.backoffSeconds ? { backoff: options.backoffSeconds } : {}),
    });
  }

  /** the IMDSv2 session token, fetched once */
  token(): Promise<string> {
    this.#token ??= this.#service.fetchMetadataToken().catch((err: unknown) => {
      this.#token = undefined;
      throw new ImdsError('api/token', `no IMDSv2 token from ${this.endpoint} (PUT /latest/api/token): ${detail(err)}`, err);
    });
    return this.#token;
  }

  /** GET /latest/meta-data/<path> with the token; the answer trimmed */
  async get(path: string): Promise<string> {
    const token = await this.token();
    try {
      // relative: the SDK appends it to the endpoint's path, which is "/"
      const text = await this.#service.request(`latest/meta-data/${path}`, { headers: { 'x-aws-ec2-metadata-token': token } });
      return text.trim();
    } catch (err) {
      throw new ImdsError(path, `instance metadata ${path} from ${this.endpoint}: ${detail(err)}`, err);
    }
  }

  region(): Promise<string> {
    return this.get('placement/region');
  }

  /** the VPC of the primary network interface: mac, then network/interfaces/macs/<mac>/vpc-id */
  async vpcId(): Promise<string> {
    const mac = await this.get('mac');
    return this.get(`network/interfaces/macs/${mac}/vpc-id`);
  }
}
