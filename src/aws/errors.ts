// AWS errors, reduced to a closed set of codes that callers branch on. The AWS error code is the SDK error's
// `Code` for the query protocols (ELBv2, EC2: "TargetGroupNotFound", "InvalidGroup.NotFound", "Throttling"),
// and its `name` otherwise (ACM: "ResourceNotFoundException"; a modelled ELBv2 error's name carries an
// "Exception" suffix: "TargetGroupNotFoundException"). The original code stays readable as `awsCode` and the
// SDK error as `cause`.

export type AwsErrorCode = 'NotFound' | 'Throttled' | 'InUse' | 'Duplicate' | 'AccessDenied' | 'Validation' | 'Unknown';

export interface AwsErrorContext {
  readonly service?: string;
  readonly operation?: string;
}

export class AwsError extends Error {
  readonly code: AwsErrorCode;
  /** the AWS error code as the SDK named it ("DuplicateTargetGroupName"), or the Node error code for transport errors */
  readonly awsCode: string;
  readonly service: string | undefined;
  readonly operation: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(code: AwsErrorCode, awsCode: string, message: string, opts: AwsErrorContext & { cause?: unknown; httpStatus?: number } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'AwsError';
    this.code = code;
    this.awsCode = awsCode;
    this.service = opts.service;
    this.operation = opts.operation;
    this.httpStatus = opts.httpStatus;
  }

  /** worth retrying later: throttling, or a server-side fault */
  get retryable(): boolean {
    return this.code === 'Throttled' || (this.httpStatus !== undefined && this.httpStatus >= 500);
  }
}

const THROTTLED = new Set([
  'Throttling', 'Throttled', 'RequestThrottled', 'RequestLimitExceeded', 'TooManyRequests', 'ProvisionedThroughputExceeded',
  'SlowDown', 'BandwidthLimitExceeded', 'EC2Throttled', 'PriorRequestNotComplete', 'TransactionInProgress',
]);

const ACCESS_DENIED = new Set([
  'AccessDenied', 'UnauthorizedOperation', 'AuthFailure', 'InvalidClientTokenId',
  'UnrecognizedClient', 'SignatureDoesNotMatch', 'ExpiredToken',
  'InvalidAccessKeyId', 'MissingAuthenticationToken', 'OptInRequired', 'CredentialsProviderError',
]);

const IN_USE = new Set(['ResourceInUse', 'DependencyViolation', 'InvalidGroup.InUse', 'InvalidNetworkInterface.InUse']);

// PriorityInUse means "another rule already has this priority": a duplicate, not a resource in use.
const DUPLICATE = new Set(['PriorityInUse', 'ResourceAlreadyExists', 'AlreadyExists']);

const VALIDATION = new Set([
  'ValidationError', 'Validation', 'MissingParameter', 'IncompatibleProtocols', 'UnsupportedProtocol', 'OperationNotPermitted',
  'HealthUnavailable', 'CapacityUnitsLimitExceeded',
]);

/** maps an AWS error code to our closed set; a trailing "Exception" is ignored */
export function classifyAwsCode(code: string): AwsErrorCode {
  const awsCode = code.replace(/Exception$/, '');
  if (THROTTLED.has(awsCode)) return 'Throttled';
  if (ACCESS_DENIED.has(awsCode)) return 'AccessDenied';
  if (IN_USE.has(awsCode)) return 'InUse';
  if (DUPLICATE.has(awsCode)) return 'Duplicate';
  // "LoadBalancerNotFound", "CertificateNotFound", "InvalidGroup.NotFound", "InvalidSubnetID.NotFound",
  // "InvalidPermission.NotFound", "ResourceNotFound", "SSLPolicyNotFound"
  if (/NotFound$/.test(awsCode)) return 'NotFound';
  // "DuplicateLoadBalancerName", "DuplicateListener", "DuplicateTagKeys", "InvalidGroup.Duplicate", "InvalidPermission.Duplicate"
  if (awsCode.startsWith('Duplicate') || awsCode.endsWith('.Duplicate')) return 'Duplicate';
  if (VALIDATION.has(awsCode)) return 'Validation';
  // quota errors ("TooManyRules", "TooManyTargets", "RulesPerSecurityGroupLimitExceeded", "LimitExceededException"):
  // retrying the same request will not help, so they sit with validation; callers can still test `awsCode`
  if (awsCode.startsWith('TooMany') || /LimitExceeded$/.test(awsCode)) return 'Validation';
  // "InvalidConfigurationRequest", "InvalidTarget", EC2's "InvalidGroupId.Malformed", "InvalidParameterValue"…
  if (/^Invalid/.test(awsCode)) return 'Validation';
  return 'Unknown';
}

interface SdkLikeError {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/** wraps any error thrown by an SDK call (or by the transport under it) into an AwsError; AwsErrors pass through */
export function toAwsError(err: unknown, ctx: AwsErrorContext = {}): AwsError {
  if (err instanceof AwsError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkLikeError;
  const awsCode = awsErrorCodeOf(err);
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const httpStatus = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const where = [ctx.service, ctx.operation].filter(Boolean).join(' ');
  return new AwsError(classifyAwsCode(awsCode), awsCode, where ? `${where}: ${awsCode}: ${message}` : `${awsCode}: ${message}`, {
    ...ctx, cause: err, ...(httpStatus !== undefined ? { httpStatus } : {}),
  });
}

/**
 * The AWS error code of anything an SDK call threw: `Code` (query protocols), else `name`; for Node transport
 * errors (ECONNREFUSED, ETIMEDOUT) the Node `code`.
 */
export function awsErrorCodeOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'Error';
  const e = err as SdkLikeError;
  if (typeof e.Code === 'string' && e.Code !== '') return e.Code;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  return (name === 'Error' || name === 'TypeError') && typeof e.code === 'string' ? e.code : name;
}

export const isAwsError = (err: unknown, code?: AwsErrorCode): err is AwsError =>
  err instanceof AwsError && (code === undefined || err.code === code);
