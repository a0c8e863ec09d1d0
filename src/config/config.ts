// Flags (and a few environment variables) become one frozen, typed Config at startup. Nothing else in the
// program reads process.env: the caller passes `env` in, so tests need no global state.
import { AWS_DEFAULT_QUOTAS, type AwsQuotas, QUOTA_FLAG_MAX, QUOTA_FLAGS } from '../ingress/aws-limits.ts';
import { pcaArn, sslPolicy, tagProblem } from '../ingress/annotations/values.ts';
import { RESERVED_TAG_KEYS } from '../model/tags.ts';
import { flagKey, isHarmless } from '../model/upstream-keys.ts';
import type { ServiceBuildConfig } from '../service/index.ts';
import { formatGoDuration, parseGoDuration } from './duration.ts';
import { parseStringMap } from './string-map.ts';
import { FEATURE_GATE_DEFAULTS, type FeatureGates, parseFeatureGates, parseGoBool } from './feature-gates.ts';

/** the instance metadata service's addresses on EC2 */
export const IMDS_IPV4_ENDPOINT = 'http://169.254.169.254';
export const IMDS_IPV6_ENDPOINT = 'http://[fd00:ec2::254]';
/** upstream's --aws-api-endpoints service ID for instance metadata (the Go SDK's imds.ServiceID) */
const IMDS_SERVICE_ID = 'ec2imds';

export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;
export const VPC_ID_PATTERN = /^vpc-[0-9a-f]+$/;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** one --aws-api-throttle entry: calls of `serviceId` whose operation matches `operationPattern` */
export interface ApiThrottleRule {
  readonly serviceId: string;
  /** an anchored regular expression source, e.g. "RegisterTargets|DeregisterTargets" */
  readonly operationPattern: string;
  /** tokens per second */
  readonly rate: number;
  readonly burst: number;
}

export interface Config {
  /** --cluster-name (required): used in ownership tags, resource names and subnet discovery */
  readonly clusterName: string;
  /** --kubeconfig, else $KUBECONFIG; undefined means in-cluster service-account credentials */
  readonly kubeconfig: string | undefined;
  /** --aws-region, else $AWS_REGION / $AWS_DEFAULT_REGION; undefined means ask instance metadata */
  readonly awsRegion: string | undefined;
  /** --aws-vpc-id; undefined means find it: by --aws-vpc-tags, else instance metadata, else $NODENAME */
  readonly awsVpcId: string | undefined;
  /** --aws-vpc-tags k=v,…: the VPC is the one VPC carrying every tag (DescribeVpcs); undefined when not given */
  readonly awsVpcTags: Readonly<Record<string, string>> | undefined;
  /** --aws-vpc-tag-key (Name): deprecated upstream and without effect there too; a start-up warning when changed */
  readonly awsVpcTagKey: string;
  /** $NODENAME (set in the pod's env, e.g. from spec.nodeName): when it is an instance ID, the VPC's last resort (DescribeInstances) */
  readonly nodeName: string | undefined;
  /**
   * where instance metadata is read when the region or the VPC is not given: --aws-api-endpoints ec2imds=URL
   * (upstream's service ID), else $AWS_EC2_METADATA_SERVICE_ENDPOINT, else by $AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE
   * (IPv4, the default, or IPv6), as the SDKs do
   */
  readonly imdsEndpoint: string;
  /** $AWS_EC2_METADATA_DISABLED=true: instance metadata is never read, as the SDKs honour it */
  readonly imdsDisabled: boolean;
  /** --aws-api-endpoints serviceID=URL,…: endpoint overrides, keys lower-cased (e.g. ec2, elasticloadbalancing) */
  readonly awsApiEndpoints: Readonly<Record<string, string>>;
  /** --aws-max-retries (10): SDK retry attempts per call */
  readonly awsMaxRetries: number;
  /** --aws-api-throttle serviceID:operationRegex=rate:burst,…: overrides on top of the built-in limits (which aws/ owns) */
  readonly awsApiThrottle: readonly ApiThrottleRule[];
  /** --ingress-class (alb): the legacy kubernetes.io/ingress.class value we manage; "" also manages class-less Ingresses */
  readonly ingressClass: string;
  /** --disable-ingress-class-annotation (false): new uses of the legacy kubernetes.io/ingress.class annotation are refused */
  readonly disableIngressClassAnnotation: boolean;
  /** --disable-ingress-group-name-annotation (false): new uses of alb.ingress.kubernetes.io/group.name are refused */
  readonly disableIngressGroupNameAnnotation: boolean;
  /** --watch-namespace: a single namespace; undefined (the default) watches all namespaces */
  readonly watchNamespace: string | undefined;
  /** --default-tags k=v,…: added to every AWS resource created; reserved keys are rejected */
  readonly defaultTags: Readonly<Record<string, string>>;
  /** --external-managed-tags k,…: tag keys the controller never adds, changes or removes */
  readonly externalManagedTags: readonly string[];
  /** --default-target-type (instance) */
  readonly defaultTargetType: 'instance' | 'ip';
  /** --default-load-balancer-scheme (internal) */
  readonly defaultLoadBalancerScheme: 'internal' | 'internet-facing';
  /** --default-ssl-policy (ELBSecurityPolicy-2016-08) */
  readonly defaultSslPolicy: string;
  /** --enable-backend-security-group (true): load balancers share one backend security group, the source of the target rules */
  readonly enableBackendSecurityGroup: boolean;
  /** --backend-security-group sg-…: use this group as the backend group (never created, modified or deleted) */
  readonly backendSecurityGroup: string | undefined;
  /** --enable-manage-backend-security-group-rules (false): with user-given security-groups, still manage the target rules */
  readonly enableManageBackendSecurityGroupRules: boolean;
  /** --enable-wafv2 (true): wafv2-acl-arn / wafv2-acl-name are honoured; off, they are refused (ADR 16) */
  readonly enableWafv2: boolean;
  /** --enable-shield (true): shield-advanced-protection is honoured; off, it is refused */
  readonly enableShield: boolean;
  /** --default-pca-arn: the private CA of create-acm-cert certificates whose Ingress sets no acm-pca-arn; unset: DNS-validated */
  readonly defaultPcaArn: string | undefined;
  /** --sync-period (10h, Go duration syntax): interval of the full low-priority resync, in ms */
  readonly syncPeriodMs: number;
  /** --enable-leader-election (true) */
  readonly enableLeaderElection: boolean;
  /** --leader-election-id (aws-load-balancer-controller-leader): the Lease name */
  readonly leaderElectionId: string;
  /** --leader-election-namespace, else $POD_NAMESPACE, else undefined (the caller falls back to the service-account namespace) */
  readonly leaderElectionNamespace: string | undefined;
  /** this replica's name for the Lease holder identity: $POD_NAME, else $HOSTNAME, else undefined */
  readonly podName: string | undefined;
  /** --metrics-bind-addr (:8080); "0" disables the metrics server */
  readonly metricsBindAddr: string;
  /** --health-probe-bind-addr (:61779): /healthz and /readyz */
  readonly healthProbeBindAddr: string;
  /** --webhook-bind-port (9443) */
  readonly webhookBindPort: number;
  /** --webhook-cert-dir (/tmp/k8s-webhook-server/serving-certs): holds tls.crt and tls.key */
  readonly webhookCertDir: string;
  /** --enable-pod-readiness-gate-inject (true): serve the pod readiness-gate webhook; false never starts it */
  readonly enablePodReadinessGateInject: boolean;
  /** --ingress-max-concurrent-reconciles (3) */
  readonly ingressMaxConcurrentReconciles: number;
  /** --load-balancer-class (service.k8s.aws/nlb): the spec.loadBalancerClass of the Services this controller manages */
  readonly loadBalancerClass: string;
  /** --enable-service-controller (true): Services of type LoadBalancer → NLBs; also off when gate EnableServiceController is */
  readonly enableServiceController: boolean;
  /** --enable-service-mutator-webhook (true): serve /mutate-v1-service, which stamps the class on new LoadBalancer Services */
  readonly enableServiceMutatorWebhook: boolean;
  /** --service-max-concurrent-reconciles (3) */
  readonly serviceMaxConcurrentReconciles: number;
  /** --targetgroupbinding-max-concurrent-reconciles (3) */
  readonly targetGroupBindingMaxConcurrentReconciles: number;
  /**
   * --drift-check-budget (300): AWS reads per minute the drift rotation may spend re-reading stacks and bindings
   * whose checkpoint matches, to find and repair edits made by hand (ADR 0013); 0 turns the rotation off
   */
  readonly driftCheckBudget: number;
  /** --drift-check-interval (10m, Go duration): the shortest time between two drift checks of one stack or binding, in ms */
  readonly driftCheckIntervalMs: number;
  /**
   * AWS quotas an account can have raised, checked before anything is planned: --max-rules-per-load-balancer (100),
   * --max-listeners-per-load-balancer (50), --max-certificates-per-load-balancer (25),
   * --max-inbound-rules-per-security-group (60); AWS's defaults unless given
   */
  readonly awsQuotas: AwsQuotas;
  /** --feature-gates Name=bool,…: upstream's gates and defaults (see feature-gates.ts) */
  readonly featureGates: FeatureGates;
  /** --log-level (info): debug | info | warn | error */
  readonly logLevel: LogLevel;
}

export type ParseResult = { readonly config: Config } | { readonly errors: readonly string[] };

type Draft = { -readonly [K in keyof Config]: Config[K] };

const DEFAULTS: Omit<Draft, 'clusterName'> = {
  kubeconfig: undefined,
  awsRegion: undefined,
  awsVpcId: undefined,
  awsVpcTags: undefined,
  awsVpcTagKey: 'Name',
  nodeName: undefined,
  imdsEndpoint: IMDS_IPV4_ENDPOINT,
  imdsDisabled: false,
  awsApiEndpoints: {},
  awsMaxRetries: 10,
  awsApiThrottle: [],
  ingressClass: 'alb',
  disableIngressClassAnnotation: false,
  disableIngressGroupNameAnnotation: false,
  watchNamespace: undefined,
  defaultTags: {},
  externalManagedTags: [],
  defaultTargetType: 'instance',
  defaultLoadBalancerScheme: 'internal',
  defaultSslPolicy: 'ELBSecurityPolicy-2016-08',
  enableBackendSecurityGroup: true,
  backendSecurityGroup: undefined,
  enableManageBackendSecurityGroupRules: false,
  enableWafv2: true,
  enableShield: true,
  defaultPcaArn: undefined,
  syncPeriodMs: 10 * 3_600_000,
  enableLeaderElection: true,
  leaderElectionId: 'aws-load-balancer-controller-leader',
  leaderElectionNamespace: undefined,
  podName: undefined,
  metricsBindAddr: ':8080',
  healthProbeBindAddr: ':61779',
  webhookBindPort: 9443,
  webhookCertDir: '/tmp/k8s-webhook-server/serving-certs',
  enablePodReadinessGateInject: true,
  ingressMaxConcurrentReconciles: 3,
  loadBalancerClass: 'service.k8s.aws/nlb',
  enableServiceController: true,
  enableServiceMutatorWebhook: true,
  serviceMaxConcurrentReconciles: 3,
  targetGroupBindingMaxConcurrentReconciles: 3,
  driftCheckBudget: 300,
  driftCheckIntervalMs: 10 * 60_000,
  awsQuotas: AWS_DEFAULT_QUOTAS,
  featureGates: FEATURE_GATE_DEFAULTS,
  logLevel: 'info',
};

/** the documented defaults, for help text and tests */
export const CONFIG_DEFAULTS: Readonly<Omit<Config, 'clusterName'>> = Object.freeze({ ...DEFAULTS });

/** returns an error message, or undefined after storing the value in the draft */
type Apply = (value: string, draft: Draft) => string | undefined;

interface FlagSpec {
  readonly kind: 'bool' | 'value';
  readonly usage: string;
  readonly apply: Apply;
}

const SECURITY_GROUP_ID = /^sg-[0-9a-f]+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const nonEmpty = (flag: string, set: (v: string, d: Draft) => void): Apply => (v, d) => {
  if (v.trim() === '') return `--${flag} must not be empty`;
  set(v.trim(), d);
  return undefined;
};

const integer = (flag: string, min: number, max: number, set: (n: number, d: Draft) => void): Apply => (v, d) => {
  const n = /^[+-]?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n)) return `--${flag} must be an integer, got "${v}"`;
  if (n < min || n > max) return `--${flag} must be between ${min} and ${max}, got ${n}`;
  set(n, d);
  return undefined;
};

const boolean = (flag: string, set: (b: boolean, d: Draft) => void): Apply => (v, d) => {
  const b = parseGoBool(v);
  if (b === undefined) return `--${flag} must be true or false, got "${v}"`;
  set(b, d);
  return undefined;
};

const oneOf = <T extends string>(flag: string, allowed: readonly T[], set: (v: T, d: Draft) => void): Apply => (v, d) => {
  if (!(allowed as readonly string[]).includes(v)) return `--${flag} must be one of ${allowed.join(', ')}, got "${v}"`;
  set(v as T, d);
  return undefined;
};

/** "[host]:port", or "0" to disable */
const bindAddr = (flag: string, allowZero: boolean, set: (v: string, d: Draft) => void): Apply => (v, d) => {
  if (allowZero && v === '0') { set(v, d); return undefined; }
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) {
    return `--${flag} must be [host]:port (for example :8080 or 127.0.0.1:8080)${allowZero ? ' or 0 to disable' : ''}, got "${v}"`;
  }
  set(v, d);
  return undefined;
};

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

function parseKeyValues(flag: string, v: string): { map: Record<string, string> } | { error: string } {
  const map: Record<string, string> = {};
  for (const entry of list(v)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) return { error: `--${flag}: "${entry}" must be key=value` };
    map[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return { map };
}

const applyDefaultTags: Apply = (v, d) => {
  const parsed = parseKeyValues('default-tags', v);
  if ('error' in parsed) return parsed.error;
  const reserved = Object.keys(parsed.map).filter((k) => RESERVED_TAG_KEYS.includes(k));
  if (reserved.length) return `--default-tags: ${reserved.join(', ')} ${reserved.length > 1 ? 'are reserved tag keys' : 'is a reserved tag key'} set by the controller itself`;
  const awsKeys = Object.keys(parsed.map).filter((k) => k.toLowerCase().startsWith('aws:'));
  if (awsKeys.length) return `--default-tags: keys starting with "aws:" are reserved by AWS (${awsKeys.join(', ')})`;
  for (const [key, value] of Object.entries(parsed.map)) {
    const reason = tagProblem(key, value);
    if (reason) return `--default-tags: ${reason}`;
  }
  d.defaultTags = parsed.map;
  return undefined;
};

const applyEndpoints: Apply = (v, d) => {
  const parsed = parseKeyValues('aws-api-endpoints', v);
  if ('error' in parsed) return parsed.error.replace('key=value', 'serviceID=URL');
  const out: Record<string, string> = {};
  for (const [service, url] of Object.entries(parsed.map)) {
    let ok = false;
    try { ok = ['http:', 'https:'].includes(new URL(url).protocol); } catch { ok = false; }
    if (!ok) return `--aws-api-endpoints: the endpoint for ${service} must be an http(s) URL, got "${url}"`;
    if (service.toLowerCase() === IMDS_SERVICE_ID) d.imdsEndpoint = url;
    else out[service.toLowerCase()] = url;
  }
  d.awsApiEndpoints = out;
  return undefined;
};

const applyThrottle: Apply = (v, d) => {
  const rules: ApiThrottleRule[] = [];
  const shape = 'serviceID:operationRegex=rate:burst';
  for (const entry of list(v)) {
    const eq = entry.lastIndexOf('=');
    const colon = entry.indexOf(':');
    if (eq < 0 || colon < 0 || colon > eq) return `--aws-api-throttle: "${entry}" must be ${shape}`;
    const serviceId = entry.slice(0, colon).trim();
    const operationPattern = entry.slice(colon + 1, eq).trim();
    const m = /^(\d+(?:\.\d+)?):(\d+)$/.exec(entry.slice(eq + 1).trim());
    if (!serviceId || !operationPattern || !m) return `--aws-api-throttle: "${entry}" must be ${shape} (rate a number, burst an integer)`;
    try { new RegExp(operationPattern); } catch { return `--aws-api-throttle: "${operationPattern}" in "${entry}" is not a valid regular expression`; }
    const rate = Number(m[1]);
    const burst = Number(m[2]);
    if (rate <= 0 || burst < 1) return `--aws-api-throttle: "${entry}" needs a rate above 0 and a burst of at least 1`;
    rules.push(Object.freeze({ serviceId, operationPattern, rate, burst }));
  }
  d.awsApiThrottle = rules;
  return undefined;
};

const applyDuration = (flag: string, set: (ms: number, d: Draft) => void, minMs = 1): Apply => (v, d) => {
  const r = parseGoDuration(v);
  if ('error' in r) return `--${flag}: ${r.error}`;
  if (r.ms <= 0) return `--${flag} must be positive, got "${v}"`;
  if (r.ms < minMs) return `--${flag} must be at least ${formatGoDuration(minMs)}, got "${v}"`;
  set(r.ms, d);
  return undefined;
};

/** the AWS quota flags: each sets one of Config.awsQuotas, an integer from 1 up to QUOTA_FLAG_MAX */
function quotaFlags(): Record<string, FlagSpec> {
  const what: Readonly<Record<keyof AwsQuotas, string>> = {
    rulesPerLoadBalancer: 'listener rules per load balancer, default rules not counted',
    listenersPerLoadBalancer: 'listeners per load balancer',
    certificatesPerLoadBalancer: 'certificates per load balancer, default certificates not counted',
    inboundRulesPerSecurityGroup: 'inbound rules per security group and IP version',
  };
  return Object.fromEntries(Object.entries(what).map(([key, text]) => {
    const k = key as keyof AwsQuotas;
    const flag = QUOTA_FLAGS[k];
    return [flag, { kind: 'value', usage: `AWS quota: ${text} (${AWS_DEFAULT_QUOTAS[k]})`,
      apply: integer(flag, 1, QUOTA_FLAG_MAX[k], (n, d) => { d.awsQuotas = { ...d.awsQuotas, [k]: n }; }) }];
  }));
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  'cluster-name': { kind: 'value', usage: 'EKS cluster name (required)', apply: nonEmpty('cluster-name', (v, d) => { d.clusterName = v; }) },
  kubeconfig: { kind: 'value', usage: 'path to a kubeconfig; default $KUBECONFIG, else in-cluster', apply: nonEmpty('kubeconfig', (v, d) => { d.kubeconfig = v; }) },
  'aws-region': { kind: 'value', usage: 'AWS region; default $AWS_REGION or instance metadata', apply: (v, d) => {
    if (!AWS_REGION_PATTERN.test(v)) return `--aws-region must look like us-east-1, got "${v}"`;
    d.awsRegion = v; return undefined;
  } },
  'aws-vpc-id': { kind: 'value', usage: 'VPC ID; default from instance metadata', apply: (v, d) => {
    if (!VPC_ID_PATTERN.test(v)) return `--aws-vpc-id must look like vpc-0123abcd, got "${v}"`;
    d.awsVpcId = v; return undefined;
  } },
  'aws-vpc-tags': { kind: 'value', usage: 'k=v,… find the VPC as the one VPC with all these tags (when --aws-vpc-id is not given)', apply: (v, d) => {
    const r = parseStringMap(v);
    if ('error' in r) return `--aws-vpc-tags: ${r.error}`;
    // a repeated flag adds to the earlier pairs, as upstream's pflag map flags do
    d.awsVpcTags = { ...d.awsVpcTags, ...r.map }; return undefined;
  } },
  'aws-vpc-tag-key': { kind: 'value', usage: 'deprecated, no effect (upstream\'s too): all of --aws-vpc-tags are used', apply: (v, d) => { d.awsVpcTagKey = v; return undefined; } },
  'aws-api-endpoints': { kind: 'value', usage: 'serviceID=URL,… endpoint overrides', apply: applyEndpoints },
  'aws-max-retries': { kind: 'value', usage: 'SDK retries per call (10)', apply: integer('aws-max-retries', 0, 100, (n, d) => { d.awsMaxRetries = n; }) },
  'aws-api-throttle': { kind: 'value', usage: 'serviceID:operationRegex=rate:burst,… client-side limits', apply: applyThrottle },
  'ingress-class': { kind: 'value', usage: 'ingress class this controller manages (alb)', apply: (v, d) => { d.ingressClass = v.trim(); return undefined; } },
  'disable-ingress-class-annotation': { kind: 'bool', usage: 'refuse new uses of the kubernetes.io/ingress.class annotation (false)',
    apply: boolean('disable-ingress-class-annotation', (b, d) => { d.disableIngressClassAnnotation = b; }) },
  'disable-ingress-group-name-annotation': { kind: 'bool', usage: 'refuse new uses of the group.name annotation (false)',
    apply: boolean('disable-ingress-group-name-annotation', (b, d) => { d.disableIngressGroupNameAnnotation = b; }) },
  'watch-namespace': { kind: 'value', usage: 'a single namespace to watch (default all)', apply: (v, d) => {
    if (v === '') { d.watchNamespace = undefined; return undefined; }
    if (!DNS_LABEL.test(v) || v.length > 63) return `--watch-namespace must be a namespace name (lower-case DNS label), got "${v}"`;
    d.watchNamespace = v; return undefined;
  } },
  'default-tags': { kind: 'value', usage: 'k=v,… tags for every created AWS resource', apply: applyDefaultTags },
  'external-managed-tags': { kind: 'value', usage: 'k,… tag keys managed outside the controller', apply: (v, d) => {
    const keys = list(v);
    const reserved = keys.filter((k) => RESERVED_TAG_KEYS.includes(k));
    if (reserved.length) return `--external-managed-tags: ${reserved.join(', ')} cannot be externally managed; the controller owns it`;
    d.externalManagedTags = keys; return undefined;
  } },
  'default-target-type': { kind: 'value', usage: 'instance | ip (instance)', apply: oneOf('default-target-type', ['instance', 'ip'], (v, d) => { d.defaultTargetType = v; }) },
  'default-load-balancer-scheme': { kind: 'value', usage: 'internal | internet-facing (internal)',
    apply: oneOf('default-load-balancer-scheme', ['internal', 'internet-facing'], (v, d) => { d.defaultLoadBalancerScheme = v; }) },
  'default-ssl-policy': { kind: 'value', usage: 'SSL policy for HTTPS listeners (ELBSecurityPolicy-2016-08)',
    apply: (v, d) => {
      const reason = v.trim() === '' ? 'must not be empty' : sslPolicy(v.trim());
      if (reason) return `--default-ssl-policy ${reason}`;
      d.defaultSslPolicy = v.trim(); return undefined;
    } },
  'enable-backend-security-group': { kind: 'bool', usage: 'share one backend security group among load balancers (true)',
    apply: boolean('enable-backend-security-group', (b, d) => { d.enableBackendSecurityGroup = b; }) },
  'enable-wafv2': { kind: 'bool', usage: 'associate WAFv2 web ACLs (wafv2-acl-arn, wafv2-acl-name); off, they are refused (true)',
    apply: boolean('enable-wafv2', (b, d) => { d.enableWafv2 = b; }) },
  'enable-shield': { kind: 'bool', usage: 'manage Shield Advanced protections (shield-advanced-protection); off, it is refused (true)',
    apply: boolean('enable-shield', (b, d) => { d.enableShield = b; }) },
  'backend-security-group': { kind: 'value', usage: 'sg-… to use as the backend security group (default: k8s-traffic-<cluster>-<hash>, created)', apply: (v, d) => {
    if (v === '') { d.backendSecurityGroup = undefined; return undefined; } // upstream's default: the controller's own group
    if (!SECURITY_GROUP_ID.test(v)) return `--backend-security-group must be a security group ID such as sg-0123abcd, got "${v}"`;
    d.backendSecurityGroup = v; return undefined;
  } },
  'enable-manage-backend-security-group-rules': { kind: 'bool', usage: 'with the security-groups annotation, still manage target rules (false)',
    apply: boolean('enable-manage-backend-security-group-rules', (b, d) => { d.enableManageBackendSecurityGroupRules = b; }) },
  'default-pca-arn': { kind: 'value', usage: 'private CA ARN for create-acm-cert when the Ingress sets no acm-pca-arn (none: DNS-validated)', apply: (v, d) => {
    if (v === '') { d.defaultPcaArn = undefined; return undefined; } // upstream's default
    const reason = pcaArn(v);
    if (reason) return `--default-pca-arn: ${reason}`;
    d.defaultPcaArn = v; return undefined;
  } },
  'sync-period': { kind: 'value', usage: 'full resync interval, Go duration (10h)', apply: applyDuration('sync-period', (ms, d) => { d.syncPeriodMs = ms; }) },
  'enable-leader-election': { kind: 'bool', usage: 'elect one active replica through a Lease (true)',
    apply: boolean('enable-leader-election', (b, d) => { d.enableLeaderElection = b; }) },
  'leader-election-id': { kind: 'value', usage: 'Lease name (aws-load-balancer-controller-leader)', apply: (v, d) => {
    if (!DNS_SUBDOMAIN.test(v) || v.length > 253) return `--leader-election-id must be a lower-case DNS subdomain, got "${v}"`;
    d.leaderElectionId = v; return undefined;
  } },
  'leader-election-namespace': { kind: 'value', usage: 'namespace of the Lease (default: the pod namespace)', apply: (v, d) => {
    if (!DNS_LABEL.test(v) || v.length > 63) return `--leader-election-namespace must be a namespace name, got "${v}"`;
    d.leaderElectionNamespace = v; return undefined;
  } },
  'metrics-bind-addr': { kind: 'value', usage: 'Prometheus /metrics address (:8080), 0 disables', apply: bindAddr('metrics-bind-addr', true, (v, d) => { d.metricsBindAddr = v; }) },
  'health-probe-bind-addr': { kind: 'value', usage: '/healthz and /readyz address (:61779)',
    apply: bindAddr('health-probe-bind-addr', false, (v, d) => { d.healthProbeBindAddr = v; }) },
  'webhook-bind-port': { kind: 'value', usage: 'webhook server port (9443)', apply: integer('webhook-bind-port', 1, 65535, (n, d) => { d.webhookBindPort = n; }) },
  'webhook-cert-dir': { kind: 'value', usage: 'directory with tls.crt and tls.key', apply: nonEmpty('webhook-cert-dir', (v, d) => { d.webhookCertDir = v; }) },
  'enable-pod-readiness-gate-inject': { kind: 'bool', usage: 'serve the pod readiness-gate webhook (true)',
    apply: boolean('enable-pod-readiness-gate-inject', (b, d) => { d.enablePodReadinessGateInject = b; }) },
  'ingress-max-concurrent-reconciles': { kind: 'value', usage: 'parallel IngressGroup reconciles (3)',
    apply: integer('ingress-max-concurrent-reconciles', 1, 1000, (n, d) => { d.ingressMaxConcurrentReconciles = n; }) },
  'load-balancer-class': { kind: 'value', usage: 'spec.loadBalancerClass of the Services to manage (service.k8s.aws/nlb)', apply: (v, d) => {
    if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v) || v.length > 253) {
      return `--load-balancer-class must be a label-style name such as service.k8s.aws/nlb, got "${v}"`;
    }
    d.loadBalancerClass = v; return undefined;
  } },
  'enable-service-controller': { kind: 'bool', usage: 'reconcile Services of type LoadBalancer into NLBs (true)',
    apply: boolean('enable-service-controller', (b, d) => { d.enableServiceController = b; }) },
  'enable-service-mutator-webhook': { kind: 'bool', usage: 'serve the Service webhook that sets the load balancer class (true)',
    apply: boolean('enable-service-mutator-webhook', (b, d) => { d.enableServiceMutatorWebhook = b; }) },
  'service-max-concurrent-reconciles': { kind: 'value', usage: 'parallel Service reconciles (3)',
    apply: integer('service-max-concurrent-reconciles', 1, 1000, (n, d) => { d.serviceMaxConcurrentReconciles = n; }) },
  'targetgroupbinding-max-concurrent-reconciles': { kind: 'value', usage: 'parallel TargetGroupBinding reconciles (3)',
    apply: integer('targetgroupbinding-max-concurrent-reconciles', 1, 1000, (n, d) => { d.targetGroupBindingMaxConcurrentReconciles = n; }) },
  'drift-check-budget': { kind: 'value', usage: 'AWS reads per minute for re-reading unchanged stacks to repair hand edits (300), 0 disables',
    apply: integer('drift-check-budget', 0, 100_000, (n, d) => { d.driftCheckBudget = n; }) },
  'drift-check-interval': { kind: 'value', usage: 'shortest time between two drift checks of one stack, Go duration (10m)',
    apply: applyDuration('drift-check-interval', (ms, d) => { d.driftCheckIntervalMs = ms; }, 1_000) },
  ...quotaFlags(),
  'feature-gates': { kind: 'value', usage: 'Name=bool,… (upstream gate names; see docs/flags.md)', apply: (v, d) => {
    const r = parseFeatureGates(v);
    if ('errors' in r) return r.errors.join('; ');
    d.featureGates = r.gates; return undefined;
  } },
  'log-level': { kind: 'value', usage: 'debug | info | warn | error (info)', apply: oneOf('log-level', ['debug', 'info', 'warn', 'error'], (v, d) => { d.logLevel = v; }) },
};

/** flag names (without dashes) with usage and default, for --help */
export function flagUsage(): readonly { readonly flag: string; readonly usage: string; readonly bool: boolean }[] {
  return Object.entries(FLAGS).map(([flag, spec]) => ({ flag: `--${flag}`, usage: spec.usage, bool: spec.kind === 'bool' }));
}

interface Assignment { readonly flag: string; readonly value: string }

/**
 * An upstream flag this controller does not implement (see the registry of upstream keys): undefined when its
 * value asks for nothing this controller lacks (it is accepted and changes nothing), else the error.
 */
function notImplemented(flag: string, value: string): string | undefined {
  const k = flagKey(flag);
  if (!k || k.status !== 'refused') return `unknown flag --${flag}${suggest(flag)}`;
  if (isHarmless(k, value)) return undefined;
  const accepted = (k.harmless ?? []).map((h) => (h === '' ? 'an empty value' : `"${h}"`));
  return `--${flag}${value === '' ? '' : `=${value}`} is an upstream flag this controller does not support: ${k.why}; remove it`
    + (accepted.length ? ` (${accepted.join(' or ')} is accepted, as it changes nothing)` : '');
}

/** splits argv into flag assignments, Go/pflag style: --f=v, --f v, bare --bool means true */
function tokenize(argv: readonly string[]): { assignments: Assignment[]; errors: string[] } {
  const assignments: Assignment[] = [];
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--') || arg === '--') {
      errors.push(`unexpected argument "${arg}": flags are written --name=value or --name value`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = Object.hasOwn(FLAGS, flag) ? FLAGS[flag] : undefined;
    const kind = spec?.kind ?? (flagKey(flag)?.bool ? 'bool' : 'value');
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (kind === 'bool') {
      const next = argv[i + 1];
      if (next !== undefined && parseGoBool(next) !== undefined) {
        errors.push(`--${flag} is a boolean flag: write --${flag}=${next}, not "--${flag} ${next}"`);
        i++;
        continue;
      }
      value = 'true';
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) { value = next; i++; }
    }
    if (!spec) {
      const error = notImplemented(flag, value ?? '');
      if (error) errors.push(error);
      continue;
    }
    if (value === undefined) { errors.push(`flag --${flag} needs a value`); continue; }
    assignments.push({ flag, value });
  }
  return { assignments, errors };
}

function suggest(flag: string): string {
  const near = Object.keys(FLAGS).find((f) => f.replace(/-/g, '') === flag.replace(/[-_]/g, '').toLowerCase());
  return near ? ` (did you mean --${near}?)` : '';
}

/** env fallbacks: only these variables are read, and only here */
function fromEnv(env: Readonly<Record<string, string | undefined>>, d: Draft): void {
  const pick = (...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  d.kubeconfig = pick('KUBECONFIG');
  d.awsRegion = pick('AWS_REGION', 'AWS_DEFAULT_REGION');
  d.leaderElectionNamespace = pick('POD_NAMESPACE');
  d.podName = pick('POD_NAME', 'HOSTNAME');
  d.nodeName = pick('NODENAME');
  const ipv6 = pick('AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE')?.toLowerCase() === 'ipv6';
  d.imdsEndpoint = pick('AWS_EC2_METADATA_SERVICE_ENDPOINT') ?? (ipv6 ? IMDS_IPV6_ENDPOINT : IMDS_IPV4_ENDPOINT);
  d.imdsDisabled = pick('AWS_EC2_METADATA_DISABLED')?.toLowerCase() === 'true';
}

function crossCheck(d: Draft, given: ReadonlySet<string>): string[] {
  const errors: string[] = [];
  if (!given.has('cluster-name')) errors.push('--cluster-name is required');
  const overlap = Object.keys(d.defaultTags).filter((k) => d.externalManagedTags.includes(k));
  if (overlap.length) errors.push(`--default-tags and --external-managed-tags both name ${overlap.join(', ')}; a key is either set by the controller or managed outside it`);
  if (!d.enableBackendSecurityGroup) {
    // upstream refuses the first; the second it ignores silently, which hides a setting that does nothing
    if (d.enableManageBackendSecurityGroupRules) errors.push('--enable-manage-backend-security-group-rules needs the backend security group: it cannot be used with --enable-backend-security-group=false');
    if (d.backendSecurityGroup) errors.push(`--backend-security-group ${d.backendSecurityGroup} would not be used: --enable-backend-security-group=false turns the backend security group off`);
  }
  return errors;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** parses the flags of `run` (argv without the command), with every problem reported at once */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParseResult {
  const { assignments, errors } = tokenize(argv);
  return configOf(assignments, errors, env);
}

/**
 * The same rules for flags another command has already split from its argv (`plan` shares the build flags
 * with `run`): flag name without dashes → value. Defaults, environment fallbacks, checks and messages are
 * those of parseConfig; a name that is not a flag of `run` is an error.
 */
export function parseConfigFlags(values: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>> = {}): ParseResult {
  const errors: string[] = [];
  const assignments: Assignment[] = [];
  for (const [flag, value] of Object.entries(values)) {
    if (Object.hasOwn(FLAGS, flag)) assignments.push({ flag, value });
    else {
      const error = notImplemented(flag, value);
      if (error) errors.push(error);
    }
  }
  return configOf(assignments, errors, env);
}

function configOf(assignments: readonly Assignment[], errors: string[], env: Readonly<Record<string, string | undefined>>): ParseResult {
  const draft: Draft = { clusterName: '', ...DEFAULTS, awsApiEndpoints: {}, defaultTags: {}, awsQuotas: { ...AWS_DEFAULT_QUOTAS }, featureGates: { ...FEATURE_GATE_DEFAULTS } };
  fromEnv(env, draft);
  const given = new Set<string>();
  for (const { flag, value } of assignments) {
    const error = FLAGS[flag]?.apply(value, draft);
    if (error) errors.push(error);
    else given.add(flag);
  }
  errors.push(...crossCheck(draft, given).filter((e) => !(e.startsWith('--cluster-name') && errors.some((x) => x.startsWith('--cluster-name')))));
  if (errors.length) return { errors };
  return { config: deepFreeze(draft) };
}

/** a readable one-line-per-field rendering for startup logs */
export function describeConfig(config: Config): Record<string, unknown> {
  return { ...config, syncPeriod: formatGoDuration(config.syncPeriodMs), driftCheckInterval: formatGoDuration(config.driftCheckIntervalMs) };
}

/** the part of the Config the Ingress builder reads; `run` and `plan` both take it from here, so they build alike */
export function builderSettings(c: Config): {
  readonly clusterName: string; readonly ingressClass: string; readonly defaultScheme: Config['defaultLoadBalancerScheme'];
  readonly defaultTargetType: Config['defaultTargetType']; readonly defaultSslPolicy: string; readonly defaultTags: Readonly<Record<string, string>>;
  readonly enableBackendSecurityGroup: boolean; readonly manageBackendSecurityGroupRules: boolean;
  readonly addons: AddonSwitches;
  readonly featureGates: FeatureGates;
  readonly disableIngressClassAnnotation: boolean; readonly disableIngressGroupNameAnnotation: boolean;
  readonly quotas: AwsQuotas;
  readonly defaultPcaArn?: string;
} {
  return Object.freeze({
    clusterName: c.clusterName,
    ingressClass: c.ingressClass,
    disableIngressClassAnnotation: c.disableIngressClassAnnotation,
    disableIngressGroupNameAnnotation: c.disableIngressGroupNameAnnotation,
    defaultScheme: c.defaultLoadBalancerScheme,
    defaultTargetType: c.defaultTargetType,
    defaultSslPolicy: c.defaultSslPolicy,
    defaultTags: c.defaultTags,
    enableBackendSecurityGroup: c.enableBackendSecurityGroup,
    manageBackendSecurityGroupRules: c.enableManageBackendSecurityGroupRules,
    addons: addonSwitches(c),
    featureGates: c.featureGates,
    quotas: c.awsQuotas,
    ...(c.defaultPcaArn ? { defaultPcaArn: c.defaultPcaArn } : {}),
  });
}

/** which load balancer add-ons the flags allow (--enable-wafv2, --enable-shield) */
export interface AddonSwitches { readonly wafv2: boolean; readonly shield: boolean }
export const addonSwitches = (c: Config): AddonSwitches => Object.freeze({ wafv2: c.enableWafv2, shield: c.enableShield });

/** whether Services become NLBs: the flag and upstream's gate EnableServiceController must both allow it */
export const serviceControllerEnabled = (c: Config): boolean => c.enableServiceController && c.featureGates.EnableServiceController;

/** the part of the Config the Service builder reads; `run` and `plan` both take it from here */
export function serviceBuilderSettings(c: Config): ServiceBuildConfig {
  const g = c.featureGates;
  return Object.freeze({
    clusterName: c.clusterName,
    loadBalancerClass: c.loadBalancerClass,
    defaultScheme: c.defaultLoadBalancerScheme,
    defaultTargetType: c.defaultTargetType,
    defaultSslPolicy: c.defaultSslPolicy,
    defaultTags: c.defaultTags,
    externalManagedTags: c.externalManagedTags,
    gates: Object.freeze({
      serviceTypeLoadBalancerOnly: g.ServiceTypeLoadBalancerOnly,
      enableIPTargetType: g.EnableIPTargetType,
      nlbSecurityGroup: g.NLBSecurityGroup,
      nlbHealthCheckAdvancedConfig: g.NLBHealthCheckAdvancedConfig,
      enableTCPUDPListener: g.EnableTCPUDPListener,
      lbCapacityReservation: g.LBCapacityReservation,
      enableDefaultTagsLowPriority: g.EnableDefaultTagsLowPriority,
      subnetsClusterTagCheck: g.SubnetsClusterTagCheck,
    }),
  });
}
