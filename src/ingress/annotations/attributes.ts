// Load balancer, listener and target group attributes: the keys an ALB, its listeners and its target groups accept, each with the
// values it takes, as the ELBv2 API reference lists them
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html,
//  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html).
// A key that is not in a table is refused: AWS would answer 400 on every reconcile, and a typo
// ("idle_timeout.timeout_second") would otherwise only show up there.
import { show } from './values.ts';

/** why AWS would refuse the value, or undefined */
type ValueCheck = (value: string) => string | undefined;

const bool: ValueCheck = (v) => (v === 'true' || v === 'false' ? undefined : `expected true or false, got ${show(v)}`);
const oneOf = (...values: string[]): ValueCheck => (v) => (values.includes(v) ? undefined : `expected one of ${values.join(', ')}, got ${show(v)}`);
const intIn = (min: number, max: number): ValueCheck => (v) => {
  const n = /^\d{1,10}$/.test(v) ? Number(v) : Number.NaN;
  return n >= min && n <= max ? undefined : `expected an integer in [${min}, ${max}], got ${show(v)}`;
};
const orOff = (check: ValueCheck): ValueCheck => (v) => (v === 'off' ? undefined : check(v)?.replace(/^expected /, 'expected off or '));
const INT32_MAX = 2147483647;

/** S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit
 *  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html) */
const s3Bucket: ValueCheck = (v) => (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) && !v.includes('..')
  ? undefined : `expected an S3 bucket name (3-63 lower-case letters, digits, "." and "-"), got ${show(v)}`);
/** a log prefix inside the bucket; ELB adds AWSLogs/... after it, so the prefix may not contain "AWSLogs"
 *  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html) */
const s3Prefix: ValueCheck = (v) => (v.length <= 1024 && !v.includes('AWSLogs')
  ? undefined : `expected a key prefix of at most 1024 characters without "AWSLogs", got ${show(v)}`);

/** AWSALB, AWSALBAPP and AWSALBTG are the load balancer's own cookies; a cookie name is an RFC 6265 token */
const cookieName: ValueCheck = (v) => {
  if (/^AWSALB/.test(v)) return `cookie names starting with AWSALB are reserved by the load balancer, got ${show(v)}`;
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,255}$/.test(v) ? undefined : `expected a cookie name (letters, digits and !#$%&'*+-.^_\`|~), got ${show(v)}`;
};

/** Application Load Balancer attributes (LoadBalancerAttribute: "all load balancers", "ALB and NLB", "ALB only") */
export const LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, ValueCheck>> = {
  'deletion_protection.enabled': bool,
  'load_balancing.cross_zone.enabled': (v) => (v === 'true' ? undefined : `is always true for an Application Load Balancer and cannot be changed, got ${show(v)}`),
  'access_logs.s3.enabled': bool,
  'access_logs.s3.bucket': s3Bucket,
  'access_logs.s3.prefix': s3Prefix,
  'ipv6.deny_all_igw_traffic': bool,
  'zonal_shift.config.enabled': bool,
  'idle_timeout.timeout_seconds': intIn(1, 4000),
  'client_keep_alive.seconds': intIn(60, 604800),
  'connection_logs.s3.enabled': bool,
  'connection_logs.s3.bucket': s3Bucket,
  'connection_logs.s3.prefix': s3Prefix,
  'health_check_logs.s3.enabled': bool,
  'health_check_logs.s3.bucket': s3Bucket,
  'health_check_logs.s3.prefix': s3Prefix,
  'routing.http.desync_mitigation_mode': oneOf('monitor', 'defensive', 'strictest'),
  'routing.http.drop_invalid_header_fields.enabled': bool,
  'routing.http.preserve_host_header.enabled': bool,
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': bool,
  'routing.http.xff_client_port.enabled': bool,
  'routing.http.xff_header_processing.mode': oneOf('append', 'preserve', 'remove'),
  'routing.http2.enabled': bool,
  'waf.fail_open.enabled': bool,
};

/** attributes of target groups behind an ALB whose targets are instances or IP addresses (TargetGroupAttribute) */
export const TARGET_GROUP_ATTRIBUTES: Readonly<Record<string, ValueCheck>> = {
  'deregistration_delay.timeout_seconds': intIn(0, 3600),
  'stickiness.enabled': bool,
  'stickiness.type': oneOf('lb_cookie', 'app_cookie'),
  'load_balancing.cross_zone.enabled': oneOf('true', 'false', 'use_load_balancer_configuration'),
  'target_group_health.dns_failover.minimum_healthy_targets.count': orOff(intIn(1, INT32_MAX)),
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': orOff(intIn(1, 100)),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': intIn(1, INT32_MAX),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': orOff(intIn(1, 100)),
  'load_balancing.algorithm.type': oneOf('round_robin', 'least_outstanding_requests', 'weighted_random'),
  'load_balancing.algorithm.anomaly_mitigation': oneOf('on', 'off'),
  'slow_start.duration_seconds': (v) => (v === '0' ? undefined : intIn(30, 900)(v)?.replace(/^expected /, 'expected 0 (off) or ')),
  'stickiness.app_cookie.cookie_name': cookieName,
  'stickiness.app_cookie.duration_seconds': intIn(1, 604800),
  'stickiness.lb_cookie.duration_seconds': intIn(1, 604800),
};

/**
 * A header the ALB adds to the request it forwards (the mTLS client-certificate and TLS headers): renamed by
 * the listener attribute. AWS takes 1-40 letters, digits, "-" and "_" (ListenerAttribute, "header_name").
 */
const headerName: ValueCheck = (v) => (/^[A-Za-z0-9_-]{1,40}$/.test(v)
  ? undefined : `expected a header name of 1-40 letters, digits, "-" and "_", got ${show(v)}`);
/** a response header value: printable text of at most 1024 characters (AWS's ListenerAttribute value limit) */
const headerValue: ValueCheck = (v) => (v.length <= 1024 && /^[\x20-\x7e]*$/.test(v)
  ? undefined : `expected printable ASCII text of at most 1024 characters, got ${show(v)}`);
const frameOptions: ValueCheck = (v) => (v === 'DENY' || v === 'SAMEORIGIN' || /^ALLOW-FROM \S+$/.test(v)
  ? undefined : `expected DENY, SAMEORIGIN or ALLOW-FROM <uri>, got ${show(v)}`);
const MTLS_HEADERS = ['serial_number', 'issuer', 'subject', 'validity', 'leaf'].map((h) => `routing.http.request.x_amzn_mtls_clientcert_${h}.header_name`);

/**
 * Attributes of an Application Load Balancer's listeners (ListenerAttribute,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ListenerAttribute.html): request
 * header names and response header modification. tcp.idle_timeout.seconds is a Network Load Balancer's.
 */
export const LISTENER_ATTRIBUTES: Readonly<Record<string, ValueCheck>> = {
  ...Object.fromEntries(MTLS_HEADERS.map((k) => [k, headerName])),
  'routing.http.request.x_amzn_mtls_clientcert.header_name': headerName,
  'routing.http.request.x_amzn_tls_version.header_name': headerName,
  'routing.http.request.x_amzn_tls_cipher_suite.header_name': headerName,
  'routing.http.response.server.enabled': bool,
  'routing.http.response.strict_transport_security.header_value': headerValue,
  'routing.http.response.access_control_allow_origin.header_value': headerValue,
  'routing.http.response.access_control_allow_methods.header_value': headerValue,
  'routing.http.response.access_control_allow_headers.header_value': headerValue,
  'routing.http.response.access_control_allow_credentials.header_value': oneOf('true'),
  'routing.http.response.access_control_expose_headers.header_value': headerValue,
  'routing.http.response.access_control_max_age.header_value': intIn(0, 86400),
  'routing.http.response.content_security_policy.header_value': headerValue,
  'routing.http.response.x_content_type_options.header_value': oneOf('nosniff'),
  'routing.http.response.x_frame_options.header_value': frameOptions,
};

/** keys that exist, but not for what this controller makes: said plainly instead of "unknown" */
const ELSEWHERE: Readonly<Record<string, string>> = {
  'dns_record.client_routing_policy': 'Network Load Balancers', 'secondary_ips.auto_assigned.per_subnet': 'Network Load Balancers',
  'deregistration_delay.connection_termination.enabled': 'Network Load Balancer target groups',
  'preserve_client_ip.enabled': 'Network Load Balancer target groups', 'proxy_protocol_v2.enabled': 'Network Load Balancer target groups',
  'target_health_state.unhealthy.connection_termination.enabled': 'Network Load Balancer target groups',
  'target_health_state.unhealthy.draining_interval_seconds': 'Network Load Balancer target groups',
  'target_failover.on_deregistration': 'Gateway Load Balancer target groups', 'target_failover.on_unhealthy': 'Gateway Load Balancer target groups',
  'send_tcp_reset.on_unhealthy.enabled': 'Gateway Load Balancer target groups', 'send_tcp_reset.on_deregistration.enabled': 'Gateway Load Balancer target groups',
  'lambda.multi_value_headers.enabled': 'target groups of Lambda functions',
  'tcp.idle_timeout.seconds': 'Network Load Balancer listeners',
};

function attributeProblem(table: Readonly<Record<string, ValueCheck>>, what: string, key: string, value: string): string | undefined {
  const check = Object.hasOwn(table, key) ? table[key] : undefined;
  if (!check) {
    const elsewhere = Object.hasOwn(ELSEWHERE, key) ? ELSEWHERE[key] : undefined;
    return elsewhere ? `${what} ${show(key)} applies to ${elsewhere} only`
      : `${what} ${show(key)} is not one AWS knows for this resource; known: ${Object.keys(table).join(', ')}`;
  }
  const reason = check(value);
  return reason === undefined ? undefined : `${what} ${key}: ${reason}`;
}

export const loadBalancerAttributeProblem = (key: string, value: string): string | undefined =>
  attributeProblem(LOAD_BALANCER_ATTRIBUTES, 'load balancer attribute', key, value);

/** a key and value of an ALB listener's attributes (listener-attributes.<PROTOCOL>-<port>, IngressClassParams listeners) */
export const listenerAttributeProblem = (key: string, value: string): string | undefined =>
  attributeProblem(LISTENER_ATTRIBUTES, 'listener attribute', key, value);

export const targetGroupAttributeProblem = (key: string, value: string): string | undefined =>
  attributeProblem(TARGET_GROUP_ATTRIBUTES, 'target group attribute', key, value);

/** rules between keys of one map: logging needs a bucket; anomaly mitigation needs the weighted random algorithm */
export function loadBalancerAttributesProblem(attributes: Readonly<Record<string, string>>): string | undefined {
  for (const log of ['access_logs', 'connection_logs', 'health_check_logs']) {
    if (attributes[`${log}.s3.enabled`] === 'true' && attributes[`${log}.s3.bucket`] === undefined) {
      return `load balancer attribute ${log}.s3.enabled=true needs ${log}.s3.bucket (AWS requires the bucket when the logs are on)`;
    }
  }
  return undefined;
}

export function targetGroupAttributesProblem(attributes: Readonly<Record<string, string>>): string | undefined {
  const mitigation = attributes['load_balancing.algorithm.anomaly_mitigation'];
  if (mitigation !== undefined && attributes['load_balancing.algorithm.type'] !== 'weighted_random') {
    return 'target group attribute load_balancing.algorithm.anomaly_mitigation needs load_balancing.algorithm.type=weighted_random (AWS offers it only there)';
  }
  return undefined;
}
