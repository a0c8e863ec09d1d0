// How each upstream `service.beta.kubernetes.io/*` annotation is parsed: the Table, one small parser per value,
// shared with the Ingress annotations where the format is the same. What this controller does with each key
// (implemented, refused with the reason the Issue gives, ignored) is the registry of upstream keys
// (src/model/upstream-keys.ts, SERVICE_KEYS); a test checks the Table against it.
//
// Formats are upstream's (pkg/annotations/parser.go): stringList splits on commas and drops empty items,
// stringMap is key=value pairs, booleans are Go's ParseBool spellings. Stricter than upstream on purpose: a
// value upstream would only reject later in AWS (a malformed CIDR, an out-of-range health-check interval) or
// silently treat as something else (`nlb-target-type: IP`) is an Issue on the Service here, before any AWS call.
import { LB_NAME, LB_NAME_MAX, LB_NAME_RULE } from '../ingress/annotations/index.ts';
import type { AnnotatedObject, Parsed } from '../ingress/annotations/index.ts';
import {
  arn, bool, capacityUnits, cidr, fail, isIPv6, matching, ok, oneOf, readOne, readTable, show, stringList, stringMap, tags, text,
  type Check, type Shape, type Table,
} from '../ingress/annotations/values.ts';
import type { Issue, Scheme } from '../model/index.ts';
import { refuses, SERVICE_ANNOTATION_PREFIX, serviceAnnotationKey } from '../model/upstream-keys.ts';
import { HEALTH_CHECK_LIMITS, healthCheckPath, nlbLoadBalancerAttributes, prefixed, successCodes } from './values.ts';

export const SERVICE_PREFIX = SERVICE_ANNOTATION_PREFIX;

export type AlpnPolicy = 'None' | 'HTTP1Only' | 'HTTP2Only' | 'HTTP2Optional' | 'HTTP2Preferred';

/** What the Service's annotations say, each value parsed and checked on its own. undefined = not set. */
export interface ServiceAnnotations {
  loadBalancerType?: string;
  targetType?: 'ip' | 'instance';
  loadBalancerName?: string;
  scheme?: Scheme;
  internal?: boolean;
  ipAddressType?: 'ipv4' | 'dualstack';
  subnets?: string[];
  eipAllocations?: string[];
  privateIpv4Addresses?: string[];
  ipv6Addresses?: string[];
  enablePrefixForIpv6SourceNat?: 'on' | 'off';
  sourceNatIpv6Prefixes?: string[];
  securityGroups?: string[];
  manageBackendSecurityGroupRules?: boolean;
  disableNlbSecurityGroup?: boolean;
  inboundSgRulesOnPrivateLinkTraffic?: 'on' | 'off';
  sourceRanges?: string[];
  securityGroupPrefixLists?: string[];
  enableIcmpForPathMtuDiscovery?: string;
  sslCertificates?: string[];
  sslPorts?: string[];
  sslNegotiationPolicy?: string;
  alpnPolicy?: AlpnPolicy;
  backendProtocol?: string;
  enableTcpUdpListener?: boolean;
  quicEnabledPorts?: string[];
  loadBalancerAttributes?: Record<string, string>;
  accessLogEnabled?: boolean;
  accessLogS3BucketName?: string;
  accessLogS3BucketPrefix?: string;
  crossZoneLoadBalancingEnabled?: boolean;
  minimumLoadBalancerCapacity?: number;
  targetGroupAttributes?: Record<string, string>;
  proxyProtocol?: '*';
  proxyProtocolPerTargetGroup?: number[];
  healthcheckProtocol?: 'TCP' | 'HTTP' | 'HTTPS';
  /** 'traffic-port', a port number as a string, or a Service port name */
  healthcheckPort?: string;
  healthcheckPath?: string;
  healthcheckInterval?: number;
  healthcheckTimeout?: number;
  healthcheckHealthyThreshold?: number;
  healthcheckUnhealthyThreshold?: number;
  healthcheckSuccessCodes?: string;
  targetNodeLabels?: Record<string, string>;
  multiClusterTargetGroup?: boolean;
  additionalResourceTags?: Record<string, string>;
}

/** keys with a variable tail: `<prefix><tail>` */
export const TEMPLATED = {
  /** aws-load-balancer-target-group-attributes.<service port> */
  targetGroupAttributesPerPort: 'aws-load-balancer-target-group-attributes.',
  /** aws-load-balancer-listener-attributes.<PROTOCOL>-<port> (the listener's final protocol) */
  listenerAttributes: 'aws-load-balancer-listener-attributes.',
  /** actions.<PROTOCOL>-<port> */
  actions: 'actions.',
} as const;

// ---- value shapes -------------------------------------------------------------------------------

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv4Address: Check<string> = (s) => (IPV4.test(s) ? undefined : `expected an IPv4 address such as 10.0.1.10, got ${show(s)}`);
const ipv6Address: Check<string> = (s) => (isIPv6(s) ? undefined : `expected an IPv6 address such as 2600:1f13::10, got ${show(s)}`);
/** `auto_assigned`, or an IPv6 /80 CIDR (AWS's only prefix length for source NAT) */
const sourceNatPrefix: Check<string> = (s) => {
  if (s === 'auto_assigned') return undefined;
  const [ip = '', bits] = s.split('/');
  if (bits !== '80' || !isIPv6(ip)) return `expected auto_assigned or an IPv6 /80 CIDR such as 2600:1f13:0:1::/80, got ${show(s)}`;
  return undefined;
};

const lowerOneOf = <T extends string>(values: readonly T[]): Shape<T> => (raw) => {
  const found = values.find((v) => v.toLowerCase() === raw.toLowerCase());
  return found ? ok(found) : fail(`expected one of ${values.map((v) => v.toLowerCase()).join(', ')}, got ${show(raw)}`);
};

/** traffic-port, a port in [1, 65535], or a Service port name */
const healthcheckPort: Shape<string> = (raw) => {
  if (raw === 'traffic-port') return ok(raw);
  if (/^\d+$/.test(raw)) return Number(raw) >= 1 && Number(raw) <= 65535 ? ok(String(Number(raw))) : fail(`expected a port in [1, 65535], got ${show(raw)}`);
  return /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(raw) ? ok(raw) : fail(`expected traffic-port, a port number or a Service port name, got ${show(raw)}`);
};

/** preserve_client_ip.enabled decides the security-group rules, so it must be a boolean */
export const targetGroupAttributes = stringMap((k, v) =>
  (k === 'preserve_client_ip.enabled' && !bool(v).ok ? `preserve_client_ip.enabled must be true or false, got ${show(v)}` : undefined));

const portNumbers: Shape<number[]> = (raw) => {
  const items = stringList((s) => (/^\d+$/.test(s) ? undefined : `expected a port number, got ${show(s)}`))(raw);
  return items.ok ? ok(items.value.map(Number)) : items;
};

/** One row per key: the field it fills and the parser of its value. */
export const SERVICE_TABLE: Table<ServiceAnnotations> = {
  loadBalancerType: ['aws-load-balancer-type', text('nlb-ip or external')],
  targetType: ['aws-load-balancer-nlb-target-type', oneOf(['ip', 'instance'] as const)],
  loadBalancerName: ['aws-load-balancer-name', matching(LB_NAME, LB_NAME_RULE, LB_NAME_MAX)],
  scheme: ['aws-load-balancer-scheme', oneOf(['internal', 'internet-facing'] as const)],
  internal: ['aws-load-balancer-internal', bool],
  ipAddressType: ['aws-load-balancer-ip-address-type', oneOf(['ipv4', 'dualstack'] as const)],
  subnets: ['aws-load-balancer-subnets', stringList()],
  eipAllocations: ['aws-load-balancer-eip-allocations', stringList(prefixed('eipalloc-', 'eipalloc-0123abcd'))],
  privateIpv4Addresses: ['aws-load-balancer-private-ipv4-addresses', stringList(ipv4Address)],
  ipv6Addresses: ['aws-load-balancer-ipv6-addresses', stringList(ipv6Address)],
  enablePrefixForIpv6SourceNat: ['aws-load-balancer-enable-prefix-for-ipv6-source-nat', oneOf(['on', 'off'] as const)],
  sourceNatIpv6Prefixes: ['aws-load-balancer-source-nat-ipv6-prefixes', stringList(sourceNatPrefix)],
  securityGroups: ['aws-load-balancer-security-groups', stringList()],
  manageBackendSecurityGroupRules: ['aws-load-balancer-manage-backend-security-group-rules', bool],
  disableNlbSecurityGroup: ['aws-load-balancer-disable-nlb-sg', bool],
  inboundSgRulesOnPrivateLinkTraffic: ['aws-load-balancer-inbound-sg-rules-on-private-link-traffic', oneOf(['on', 'off'] as const)],
  sourceRanges: ['load-balancer-source-ranges', stringList(cidr)],
  securityGroupPrefixLists: ['aws-load-balancer-security-group-prefix-lists', stringList(prefixed('pl-', 'pl-0123abcd'))],
  enableIcmpForPathMtuDiscovery: ['aws-load-balancer-enable-icmp-for-path-mtu-discovery', text('on')],
  sslCertificates: ['aws-load-balancer-ssl-cert', stringList(arn)],
  sslPorts: ['aws-load-balancer-ssl-ports', stringList()],
  sslNegotiationPolicy: ['aws-load-balancer-ssl-negotiation-policy', text('a security policy name such as ELBSecurityPolicy-TLS13-1-2-2021-06')],
  alpnPolicy: ['aws-load-balancer-alpn-policy', oneOf(['None', 'HTTP1Only', 'HTTP2Only', 'HTTP2Optional', 'HTTP2Preferred'] as const)],
  backendProtocol: ['aws-load-balancer-backend-protocol', text('ssl or tcp')],
  enableTcpUdpListener: ['aws-load-balancer-enable-tcp-udp-listener', bool],
  quicEnabledPorts: ['aws-load-balancer-quic-enabled-ports', stringList()],
  loadBalancerAttributes: ['aws-load-balancer-attributes', nlbLoadBalancerAttributes],
  accessLogEnabled: ['aws-load-balancer-access-log-enabled', bool],
  accessLogS3BucketName: ['aws-load-balancer-access-log-s3-bucket-name', text('an S3 bucket name')],
  accessLogS3BucketPrefix: ['aws-load-balancer-access-log-s3-bucket-prefix', (raw) => ok(raw)],
  crossZoneLoadBalancingEnabled: ['aws-load-balancer-cross-zone-load-balancing-enabled', bool],
  minimumLoadBalancerCapacity: ['aws-load-balancer-minimum-load-balancer-capacity', capacityUnits],
  targetGroupAttributes: ['aws-load-balancer-target-group-attributes', targetGroupAttributes],
  proxyProtocol: ['aws-load-balancer-proxy-protocol', oneOf(['*'] as const)],
  proxyProtocolPerTargetGroup: ['aws-load-balancer-proxy-protocol-per-target-group', portNumbers],
  healthcheckProtocol: ['aws-load-balancer-healthcheck-protocol', lowerOneOf(['TCP', 'HTTP', 'HTTPS'] as const)],
  healthcheckPort: ['aws-load-balancer-healthcheck-port', healthcheckPort],
  healthcheckPath: ['aws-load-balancer-healthcheck-path', healthCheckPath],
  healthcheckInterval: ['aws-load-balancer-healthcheck-interval', HEALTH_CHECK_LIMITS.intervalSeconds],
  healthcheckTimeout: ['aws-load-balancer-healthcheck-timeout', HEALTH_CHECK_LIMITS.timeoutSeconds],
  healthcheckHealthyThreshold: ['aws-load-balancer-healthcheck-healthy-threshold', HEALTH_CHECK_LIMITS.thresholdCount],
  healthcheckUnhealthyThreshold: ['aws-load-balancer-healthcheck-unhealthy-threshold', HEALTH_CHECK_LIMITS.thresholdCount],
  healthcheckSuccessCodes: ['aws-load-balancer-healthcheck-success-codes', successCodes],
  targetNodeLabels: ['aws-load-balancer-target-node-labels', stringMap()],
  multiClusterTargetGroup: ['aws-load-balancer-multi-cluster-target-group', bool],
  additionalResourceTags: ['aws-load-balancer-additional-resource-tags', tags],
};

/** one issue per refused key (the registry of upstream keys) whose value asks for something */
function refusedKeys(obj: AnnotatedObject): Issue[] {
  const out: Issue[] = [];
  for (const [key, raw] of Object.entries(obj.annotations)) {
    const k = serviceAnnotationKey(key);
    if (!k || !refuses(k, String(raw))) continue;
    out.push({ object: obj.ref, field: key, code: 'UnsupportedAnnotation', reason: `${k.why ?? 'not supported'}; remove it, or keep this Service on the upstream controller` });
  }
  return out;
}

/** annotations `<prefix><tail>`: tail → raw value */
export function templated(obj: AnnotatedObject, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, raw] of Object.entries(obj.annotations)) {
    if (key.startsWith(SERVICE_PREFIX + prefix) && key.length > (SERVICE_PREFIX + prefix).length) out.set(key.slice((SERVICE_PREFIX + prefix).length), String(raw));
  }
  return out;
}

/** reads `<prefix><tail>` through `shape`; a bad value is an Issue naming the full key */
export function readTemplated<T>(obj: AnnotatedObject, prefix: string, tail: string, shape: Shape<T>): { value?: T; issue?: Issue } {
  const suffix = prefix + tail;
  const r = readOne(obj, suffix, shape, SERVICE_PREFIX);
  return r.ok ? { value: r.value } : { issue: { object: obj.ref, field: SERVICE_PREFIX + suffix, code: 'InvalidAnnotation', reason: r.reason } };
}

/** Every key of the table, parsed; refused keys with a value that asks for something are Issues too. */
export function parseServiceAnnotations(obj: AnnotatedObject): Parsed<ServiceAnnotations> {
  const has = (key: string): boolean => Object.hasOwn(obj.annotations, key);
  const { value, issues } = readTable(SERVICE_TABLE, (key) => (has(key) ? obj : undefined), SERVICE_PREFIX);
  const malformed = new Set(issues.map((i) => i.field));
  return { value, issues: [...issues, ...refusedKeys(obj).filter((i) => !malformed.has(i.field))] };
}
