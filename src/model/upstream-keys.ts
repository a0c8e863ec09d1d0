// Every key the upstream AWS Load Balancer Controller reads from its users, in one table: annotations on
// Ingresses and on backend Services, annotations on Services of type LoadBalancer (NLBs), IngressClassParams and
// TargetGroupBinding spec fields, controller flags and feature gates, each with where upstream reads it and what this controller does with it. A key is
// implemented, or refused with a precise reason (an Issue on the object that sets it, an error at start-up),
// unless its value asks for nothing this controller lacks (`harmless`, e.g. `auth-type: none`). Nothing is
// ignored without a word: the only `ignored` keys are an annotation upstream writes itself and one upstream reads
// on Pods only. Lists drawn from upstream's source (pkg/annotations/constants.go, pkg/ingress, pkg/service,
// apis/elbv2/v1beta1, pkg/config, pkg/aws/cloud_config.go, pkg/inject). The parsers, the CRDs and docs/annotations.md,
// docs/service-annotations.md, docs/flags.md are checked against this table (test/unit/model/upstream-keys.test.ts,
// test/unit/service/annotations.test.ts).

export const ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io/';
export const SERVICE_ANNOTATION_PREFIX = 'service.beta.kubernetes.io/';

export type KeyStatus = 'implemented' | 'refused' | 'ignored';

/** where upstream reads a key */
export type KeySource =
  /** an annotation on the Ingress */
  | 'Ingress'
  /** an annotation read from the backend Service first, then from the Ingress */
  | 'Service, Ingress'
  /** an annotation on a Service of type LoadBalancer, read by the NLB path */
  | 'Service'
  /** a spec field of the class's IngressClassParams */
  | 'IngressClassParams'
  /** a spec field of a TargetGroupBinding */
  | 'TargetGroupBinding'
  | 'flag'
  | 'feature gate';

export interface UpstreamKey {
  readonly source: KeySource;
  /**
   * annotations: the full key; a `<…>` part stands for any text (`alb.ingress.kubernetes.io/actions.<name>`);
   * fields: the spec field; flags: the name without dashes; gates: the gate name
   */
  readonly key: string;
  readonly status: KeyStatus;
  /** refused, ignored: why, as the error says it; implemented: how it differs from upstream, when it does */
  readonly why?: string;
  /** refused: values accepted all the same, since they ask for nothing this controller lacks (booleans compared as Go booleans) */
  readonly harmless?: readonly string[];
  /** flags: a boolean flag (`--name` alone means true) */
  readonly bool?: boolean;
  /** feature gates: upstream's default */
  readonly default?: boolean;
}

/** Go's strconv.ParseBool spellings, as upstream reads booleans from annotations, flags and gates */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

// ---- annotations --------------------------------------------------------------------------------

const alb = (suffix: string): string => ANNOTATION_PREFIX + suffix;
const ingress = (suffix: string, status: KeyStatus = 'implemented', why?: string, harmless?: readonly string[]): UpstreamKey =>
  ({ source: 'Ingress', key: alb(suffix), status, ...(why ? { why } : {}), ...(harmless ? { harmless } : {}) });
const backend = (suffix: string, status: KeyStatus = 'implemented', why?: string, harmless?: readonly string[]): UpstreamKey =>
  ({ ...ingress(suffix, status, why, harmless), source: 'Service, Ingress' });

const AUTH = 'an HTTP listener that is not redirected to HTTPS is refused for an authenticating backend (upstream serves it unauthenticated there); a Service asking for authentication behind a forward to several target groups is refused (upstream ignores its auth-*)';
const MULTI_CLUSTER = 'only the targets the binding registered are deregistered, tracked in upstream\'s ConfigMap aws-lbc-targets-<binding>; another cluster\'s target group needs the claim annotation on the binding (ADR 20)';
const WAF2 = 'refused with an Issue while --enable-wafv2=false (upstream ignores it); members of a group that ask for different web ACLs: the member in the group first keeps its choice (ADR 6), also when one names the ACL and the other gives its ARN (ADR 16)';
const WAF1 = 'AWS retired WAF Classic on 30 September 2025; use wafv2-acl-arn or wafv2-acl-name (ADR 16)';
const WAF2_PARAMS = 'beats the member\'s wafv2-acl-arn / wafv2-acl-name as upstream (any name beats any ARN); refused with an Issue while --enable-wafv2=false (ADR 16)';
const ACM = 'consulted by the certificate build (ADR 0018): create-acm-cert needs it true; false refuses create-acm-cert: "true" with an Issue naming the gate (upstream ignores the annotation)';
const LISTENER_ATTRIBUTES = 'keys are checked against the attributes AWS lists for ALB listeners; a key removed from the annotation and the IngressClassParams is left as AWS has it, as upstream (docs/adr/0017-alb-listener-attributes.md)';
const CAPACITY = 'removing it leaves the reservation as it is, as upstream; CapacityUnits=0 resets it (docs/adr/0017-alb-listener-attributes.md)';
const IPAM = 'IngressClassParams ipamConfiguration replaces it; members of a group must agree (upstream lets the first member\'s IngressClassParams win over every annotation)';
const IPAM_PARAMS = 'replaces the member\'s ipam-ipv4-pool-id; members of a group must agree, as for the annotation (upstream consults only the first member\'s class)';
const TARGET_CONTROL = 'read whatever the feature gate ALBTargetControlAgent says, as upstream (the gate only switches on injecting the agent into pods, not implemented here: run the agent as a sidecar of your own); refused for instance targets, as upstream (ADR 23)';
const FRONTEND_NLB = 'members that set any frontend-nlb annotation must agree on all of them (upstream compares key by key); the senior member keeps them';

const FRONTEND_NLB_KEYS = ['scheme', 'subnets', 'security-groups', 'listener-port-mapping', 'eip-allocations', 'healthcheck-port',
  'healthcheck-protocol', 'healthcheck-path', 'healthcheck-interval-seconds', 'healthcheck-timeout-seconds',
  'healthcheck-healthy-threshold-count', 'healthcheck-unhealthy-threshold-count', 'healthcheck-success-codes', 'attributes', 'tags'];

export const ANNOTATION_KEYS: readonly UpstreamKey[] = [
  { source: 'Ingress', key: 'kubernetes.io/ingress.class', status: 'implemented' },
  // load balancer and listeners: the Ingress only
  ingress('group.name'), ingress('group.order'), ingress('load-balancer-name'), ingress('scheme'), ingress('ip-address-type'),
  ingress('subnets'), ingress('security-groups'), ingress('inbound-cidrs'), ingress('security-group-prefix-lists'),
  ingress('manage-backend-security-group-rules'),
  ingress('listen-ports'), ingress('ssl-redirect'), ingress('certificate-arn'), ingress('ssl-policy'), ingress('load-balancer-attributes'),
  ingress('actions.<name>'), ingress('conditions.<name>'), ingress('transforms.<name>'),
  ingress('use-regex-path-match'),
  ingress('listener-attributes.<PROTOCOL>-<port>', 'implemented', LISTENER_ATTRIBUTES),
  ingress('minimum-load-balancer-capacity', 'implemented', CAPACITY),
  ingress('enable-frontend-nlb', 'implemented', FRONTEND_NLB),
  ...FRONTEND_NLB_KEYS.map((s) => ingress(`frontend-nlb-${s}`, 'implemented', FRONTEND_NLB)),
  ingress('jwt-validation', 'implemented', 'a rule whose backend also has auth-type cognito or oidc is refused (ALB takes one authentication action per rule); HTTP listeners as for auth-type'),
  // target groups and authentication: the backend Service first, then the Ingress
  backend('target-type'), backend('backend-protocol'), backend('backend-protocol-version'), backend('healthcheck-port'),
  backend('healthcheck-protocol'), backend('healthcheck-path'), backend('healthcheck-interval-seconds'), backend('healthcheck-timeout-seconds'),
  backend('healthy-threshold-count'), backend('unhealthy-threshold-count'), backend('success-codes'), backend('target-group-attributes'),
  backend('target-node-labels'),
  backend('multi-cluster-target-group', 'implemented', MULTI_CLUSTER),
  backend('tags', 'implemented', 'a Service\'s tags replace the Ingress\'s as a whole for its target groups (upstream merges them key by key)'),
  backend('auth-type', 'implemented', AUTH),
  ...['auth-idp-cognito', 'auth-idp-oidc', 'auth-on-unauthenticated-request', 'auth-scope', 'auth-session-cookie', 'auth-session-timeout']
    .map((s) => backend(s, 'implemented', AUTH)),
  backend('target-control-port.<service>.<port>', 'implemented', TARGET_CONTROL),
  // refused
  ingress('wafv2-acl-arn', 'implemented', WAF2), ingress('wafv2-acl-name', 'implemented', WAF2),
  ingress('waf-acl-id', 'refused', WAF1, ['']), ingress('web-acl-id', 'refused', WAF1, ['']),
  ingress('shield-advanced-protection', 'implemented', 'refused with an Issue while --enable-shield=false (upstream ignores it); when the subscription state cannot be read or is not ACTIVE the protection is skipped with a Warning Event on the members, the rest of the ALB is applied (ADR 16)'),
  ingress('mutual-authentication', 'implemented', 'a port listed twice is refused (upstream keeps the last entry); removing the annotation leaves the listener as it is, as upstream without EnhancedDefaultBehavior: set mode off to undo it; moto ignores it (ADR 22)'),
  ingress('create-acm-cert'), ingress('acm-pca-arn'),
  ingress('customer-owned-ipv4-pool', 'implemented', 'sent at creation only and never compared: AWS cannot change it on a live load balancer and upstream only logs a change; to change or remove it, recreate the Ingress (as upstream says)'),
  ingress('ipam-ipv4-pool-id', 'implemented', IPAM),
  ingress('dry-run-plan', 'ignored', 'upstream writes it (feature gate IngressPlanAnnotation) and never reads it as input; use aws-lb-controller plan'),
];

// ---- annotations on Services of type LoadBalancer (NLBs) ------------------------------------------

const nlb = (suffix: string, status: KeyStatus = 'implemented', why?: string, harmless?: readonly string[]): UpstreamKey =>
  ({ source: 'Service', key: SERVICE_ANNOTATION_PREFIX + suffix, status, ...(why ? { why } : {}), ...(harmless ? { harmless } : {}) });

/** every service.beta.kubernetes.io annotation upstream's Service path reads (pkg/annotations/constants.go, pkg/service) */
export const SERVICE_KEYS: readonly UpstreamKey[] = [
  ...['aws-load-balancer-type', 'aws-load-balancer-nlb-target-type', 'aws-load-balancer-name', 'aws-load-balancer-scheme',
    'aws-load-balancer-internal', 'aws-load-balancer-ip-address-type', 'aws-load-balancer-subnets', 'aws-load-balancer-eip-allocations',
    'aws-load-balancer-private-ipv4-addresses', 'aws-load-balancer-ipv6-addresses', 'aws-load-balancer-enable-prefix-for-ipv6-source-nat',
    'aws-load-balancer-source-nat-ipv6-prefixes', 'aws-load-balancer-security-groups', 'aws-load-balancer-manage-backend-security-group-rules',
    'aws-load-balancer-disable-nlb-sg', 'aws-load-balancer-inbound-sg-rules-on-private-link-traffic', 'load-balancer-source-ranges',
    'aws-load-balancer-security-group-prefix-lists', 'aws-load-balancer-enable-icmp-for-path-mtu-discovery', 'aws-load-balancer-ssl-cert',
    'aws-load-balancer-ssl-ports', 'aws-load-balancer-ssl-negotiation-policy', 'aws-load-balancer-alpn-policy', 'aws-load-balancer-backend-protocol',
    'aws-load-balancer-enable-tcp-udp-listener', 'aws-load-balancer-quic-enabled-ports', 'aws-load-balancer-attributes',
    'aws-load-balancer-access-log-enabled', 'aws-load-balancer-access-log-s3-bucket-name', 'aws-load-balancer-access-log-s3-bucket-prefix',
    'aws-load-balancer-cross-zone-load-balancing-enabled', 'aws-load-balancer-minimum-load-balancer-capacity', 'aws-load-balancer-target-group-attributes',
    'aws-load-balancer-target-group-attributes.<port>', 'aws-load-balancer-proxy-protocol', 'aws-load-balancer-proxy-protocol-per-target-group',
    'aws-load-balancer-healthcheck-protocol', 'aws-load-balancer-healthcheck-port', 'aws-load-balancer-healthcheck-path',
    'aws-load-balancer-healthcheck-interval', 'aws-load-balancer-healthcheck-timeout', 'aws-load-balancer-healthcheck-healthy-threshold',
    'aws-load-balancer-healthcheck-unhealthy-threshold', 'aws-load-balancer-healthcheck-success-codes', 'aws-load-balancer-target-node-labels',
    'aws-load-balancer-additional-resource-tags'].map((k) => nlb(k)),
  nlb('aws-load-balancer-listener-attributes.<PROTOCOL>-<port>', 'implemented',
    'a key for a TLS listener is refused: upstream never applies listener attributes to TLS listeners'),
  nlb('aws-load-balancer-multi-cluster-target-group', 'implemented', MULTI_CLUSTER),
  nlb('actions.<PROTOCOL>-<port>', 'refused',
    'weighted forwarding to several target groups (actions.<PROTOCOL>-<port>) is not implemented for Services; without it all traffic would go to this Service alone'),
  nlb('aws-load-balancer-quic-enabled-containers', 'ignored',
    'a Pod annotation (QUIC server IDs injected by upstream\'s pod webhook); upstream never reads it on a Service'),
];

// ---- IngressClassParams and TargetGroupBinding fields ---------------------------------------------

const params = (key: string, status: KeyStatus = 'implemented', why?: string): UpstreamKey =>
  ({ source: 'IngressClassParams', key, status, ...(why ? { why } : {}) });
const binding = (key: string, status: KeyStatus = 'implemented', why?: string, harmless?: readonly string[]): UpstreamKey =>
  ({ source: 'TargetGroupBinding', key, status, ...(why ? { why } : {}), ...(harmless ? { harmless } : {}) });

export const FIELD_KEYS: readonly UpstreamKey[] = [
  params('loadBalancerName'), params('namespaceSelector'), params('group'), params('scheme'), params('ipAddressType'), params('subnets'),
  params('inboundCIDRs'), params('certificateArn'), params('sslPolicy'), params('sslRedirectPort'), params('targetType'), params('tags'),
  params('loadBalancerAttributes'),
  params('prefixListsIDs'), params('PrefixListsIDs', 'implemented', 'the legacy spelling of prefixListsIDs, read when prefixListsIDs is empty'),
  params('listeners', 'implemented', LISTENER_ATTRIBUTES),
  params('minimumLoadBalancerCapacity', 'implemented', CAPACITY),
  params('ipamConfiguration', 'implemented', IPAM_PARAMS),
  params('wafv2AclArn', 'implemented', WAF2_PARAMS), params('wafv2AclName', 'implemented', WAF2_PARAMS),

  binding('targetGroupARN'), binding('targetType', 'implemented', 'defaulted from the target group by the mutating webhook, as upstream'),
  binding('serviceRef'), binding('networking'), binding('nodeSelector'), binding('ipAddressType'),
  binding('targetGroupName', 'implemented', 'resolved to an ARN (webhook and controller), then recorded in status.targetGroupARN'),
  binding('vpcID', 'implemented', 'defaulted from the target group, and checked against it'),
  binding('targetGroupProtocol', 'implemented', 'defaulted from the target group, and checked against it'),
  binding('multiClusterTargetGroup', 'implemented', MULTI_CLUSTER),
  binding('iamRoleArnToAssume', 'refused', 'target groups in another account are not implemented: such a binding gets a Warning Event and no AWS call'),
  binding('assumeRoleExternalId', 'refused', 'target groups in another account are not implemented: such a binding gets a Warning Event and no AWS call'),
];

// ---- controller flags ------------------------------------------------------------------------------

const flag = (key: string): UpstreamKey => ({ source: 'flag', key, status: 'implemented' });
const noFlag = (key: string, why: string, harmless?: readonly string[], bool?: true): UpstreamKey =>
  ({ source: 'flag', key, status: 'refused', why, ...(harmless ? { harmless } : {}), ...(bool ? { bool } : {}) });

const NO_GATEWAY = 'the Gateway API is not implemented';
const NO_AGA = 'Global Accelerator is not implemented';

export const FLAG_KEYS: readonly UpstreamKey[] = [
  ...['cluster-name', 'kubeconfig', 'aws-region', 'aws-vpc-id', 'aws-api-endpoints', 'aws-api-throttle', 'aws-max-retries', 'ingress-class',
    'watch-namespace', 'default-tags', 'external-managed-tags', 'default-target-type', 'default-load-balancer-scheme', 'default-ssl-policy',
    'sync-period', 'enable-leader-election', 'leader-election-id', 'leader-election-namespace', 'metrics-bind-addr', 'health-probe-bind-addr',
    'webhook-bind-port', 'webhook-cert-dir', 'enable-pod-readiness-gate-inject', 'ingress-max-concurrent-reconciles',
    'targetgroupbinding-max-concurrent-reconciles', 'feature-gates', 'log-level', 'disable-ingress-class-annotation',
    'disable-ingress-group-name-annotation', 'enable-backend-security-group', 'backend-security-group',
    'enable-manage-backend-security-group-rules', 'load-balancer-class', 'service-max-concurrent-reconciles',
    'enable-wafv2', 'enable-shield', 'aws-vpc-tags', 'aws-vpc-tag-key', 'default-pca-arn'].map(flag),
  noFlag('gateway-class-max-concurrent-reconciles', NO_GATEWAY),
  noFlag('alb-gateway-max-concurrent-reconciles', NO_GATEWAY),
  noFlag('nlb-gateway-max-concurrent-reconciles', NO_GATEWAY),
  noFlag('globalaccelerator-max-concurrent-reconciles', NO_AGA),
  noFlag('globalaccelerator-max-exponential-backoff-delay', NO_AGA),
  noFlag('targetgroupbinding-max-exponential-backoff-delay', 'the retry back-off of bindings is capped at upstream\'s default, 1000s', ['1000s', '16m40s']),
  noFlag('targetgroupbinding-requeue-duration', 'the re-check interval of bindings whose pods wait on a readiness gate is fixed here (5s)'),
  noFlag('lb-stabilization-monitor-interval', 'a capacity reservation (NLB or ALB) is set and not watched until it settles'),
  noFlag('disable-restricted-sg-rules', 'node and pod security-group rules always open only the target ports', ['false'], true),
  noFlag('service-target-eni-security-group-tags', 'the target ENI security group is the one tagged for the cluster, or the only one', ['']),
  noFlag('enable-endpoint-slices', 'EndpointSlices are always used (the Endpoints API is not)', ['true'], true),
  noFlag('max-targets-per-target-group', 'every target is registered; a cap is not implemented', ['0']),
  noFlag('enable-waf', 'no effect either way: AWS retired WAF Classic on 30 September 2025, and waf-acl-id / web-acl-id are refused (ADR 16)', ['true', 'false'], true),
  noFlag('tolerate-non-existent-backend-service', 'a missing Service always answers 503', ['true'], true),
  noFlag('tolerate-non-existent-backend-action', 'a missing action always answers 503', ['true'], true),
  noFlag('allowed-certificate-authority-arns', 'certificate discovery considers every ISSUED certificate', ['']),
  noFlag('required-secrets-label', 'Secrets are read only by name, each auth-idp-oidc client Secret the chart grants (ADR 0014); a label requirement is not implemented', ['']),
  noFlag('webhook-cert-file', 'the webhook certificate is tls.crt in --webhook-cert-dir', ['', 'tls.crt']),
  noFlag('webhook-key-file', 'the webhook key is tls.key in --webhook-cert-dir', ['', 'tls.key']),
  noFlag('kube-ca-pem-filepath', 'the cluster CA comes from the kubeconfig or the service account', ['']),
  noFlag('quic-environment-variable-name', 'QUIC server-ID injection into pods is not implemented', ['AWS_LBC_QUIC_SERVER_ID']),
];

/** flags of this controller that upstream does not have (documented in docs/flags.md, not in the tables above) */
export const OWN_FLAGS: readonly string[] = [
  // the Service (NLB) path's switches (ADR 12)
  'enable-service-controller', 'enable-service-mutator-webhook',
  // AWS quotas an account can raise, checked at build time (ADR 9)
  'max-rules-per-load-balancer', 'max-listeners-per-load-balancer', 'max-certificates-per-load-balancer', 'max-inbound-rules-per-security-group',
  // the drift rotation's pace (ADR 13)
  'drift-check-budget', 'drift-check-interval',
];

// ---- feature gates -----------------------------------------------------------------------------------

/** a gate; `only` set: the one value this controller honours, any other is refused at start-up with `why` */
interface GateKey<K extends string> extends UpstreamKey { readonly key: K; readonly default: boolean }
function gate<const K extends string>(key: K, dflt: boolean, why?: string, only?: boolean): GateKey<K> {
  return only === undefined
    ? { source: 'feature gate', key, default: dflt, status: 'implemented', ...(why ? { why } : {}) }
    : { source: 'feature gate', key, default: dflt, status: 'refused', why: why ?? '', harmless: [String(only)] };
}

const SERVICE_GATE = 'consulted by the Service (NLB) path';

export const GATE_KEYS = [
  gate('ListenerRulesTagging', true, 'listeners and listener rules are always tagged', true),
  gate('WeightedTargetGroups', true, 'consulted by the rule build: false refuses a forward action to more than one target group'),
  gate('ServiceTypeLoadBalancerOnly', false, `${SERVICE_GATE}: true leaves Services not of type LoadBalancer alone`),
  gate('EndpointsFailOpen', true, 'consulted by target registration: with no ready target, true registers the nodes (instance) or the pods with ready containers (ip) on nodes whose readiness is Unknown; false registers none'),
  gate('EnableServiceController', true, `${SERVICE_GATE}: false switches it off, as --enable-service-controller=false does`),
  gate('EnableIPTargetType', true, 'consulted by the target-group builds of Ingresses and Services: false refuses target type ip (annotation, IngressClassParams, --default-target-type)'),
  gate('EnableRGTAPI', false, 'owned resources are found with DescribeTags, never the Resource Groups Tagging API', false),
  gate('SubnetsClusterTagCheck', true, 'consulted by subnet discovery: false keeps subnets tagged for other clusters'),
  gate('NLBHealthCheckAdvancedConfig', true, `${SERVICE_GATE}: false ignores the health-check timeout and success-codes annotations (changes are still made in place)`),
  gate('NLBSecurityGroup', true, `${SERVICE_GATE}: false creates NLBs without a security group`),
  gate('ALBSingleSubnet', false, 'consulted by subnet checks: true lets an ALB have subnets in one availability zone'),
  gate('LBCapacityReservation', true, 'false ignores minimum-load-balancer-capacity (Ingresses), IngressClassParams minimumLoadBalancerCapacity and aws-load-balancer-minimum-load-balancer-capacity (Services)'),
  gate('SubnetDiscoveryByReachability', true, 'either value: discovery uses the role tags only, never route-table reachability'),
  gate('NLBGatewayAPI', true, `either value: ${NO_GATEWAY}`),
  gate('ALBGatewayAPI', true, `either value: ${NO_GATEWAY}`),
  gate('GatewayListenerSet', true, `either value: ${NO_GATEWAY}`),
  gate('GlobalAcceleratorController', false, NO_AGA, false),
  gate('EnableTCPUDPListener', false, `${SERVICE_GATE}: true makes a TCP and a UDP port on one number a TCP_UDP listener (aws-load-balancer-enable-tcp-udp-listener overrides it per Service)`),
  gate('EnhancedDefaultBehavior', false, 'resetting listener settings made outside the controller (mTLS, ALPN) is not implemented', false),
  gate('EnableDefaultTagsLowPriority', false, 'consulted when tags are merged: true lets annotation (Ingress and Service) and IngressClassParams tags win over --default-tags'),
  gate('ALBTargetControlAgent', false, 'injecting the ALB target optimizer\'s agent into pods is not implemented (target-control-port is read with the gate off, as upstream: run the agent as a sidecar of your own) (ADR 23)', false),
  gate('EnableCertificateManagement', false, ACM),
  gate('IngressPlanAnnotation', false, 'the dry-run-plan annotation is not written; use aws-lb-controller plan', false),
] as const;

export type FeatureGateName = (typeof GATE_KEYS)[number]['key'];

/** the whole registry */
export const UPSTREAM_KEYS: readonly UpstreamKey[] = [...ANNOTATION_KEYS, ...SERVICE_KEYS, ...FIELD_KEYS, ...FLAG_KEYS, ...GATE_KEYS];

// ---- lookups -----------------------------------------------------------------------------------------

/** whether `actual` is `key`, or fits it when `key` has a `<…>` part (any non-empty text there) */
export function keyMatches(key: string, actual: string): boolean {
  const open = key.indexOf('<');
  if (open < 0) return key === actual;
  const tail = key.slice(key.lastIndexOf('>') + 1);
  return actual.length > open + tail.length && actual.startsWith(key.slice(0, open)) && actual.endsWith(tail);
}

const EXACT_ANNOTATIONS = new Map(ANNOTATION_KEYS.filter((k) => !k.key.includes('<')).map((k) => [k.key, k]));
const PATTERN_ANNOTATIONS = ANNOTATION_KEYS.filter((k) => k.key.includes('<'));

/** the registry entry of an annotation key, an exact entry before a pattern */
export function annotationKey(actual: string): UpstreamKey | undefined {
  return EXACT_ANNOTATIONS.get(actual) ?? PATTERN_ANNOTATIONS.find((k) => keyMatches(k.key, actual));
}

const EXACT_SERVICE_KEYS = new Map(SERVICE_KEYS.filter((k) => !k.key.includes('<')).map((k) => [k.key, k]));
const PATTERN_SERVICE_KEYS = SERVICE_KEYS.filter((k) => k.key.includes('<'));

/** the registry entry of an annotation on a Service of type LoadBalancer, an exact entry before a pattern */
export function serviceAnnotationKey(actual: string): UpstreamKey | undefined {
  return EXACT_SERVICE_KEYS.get(actual) ?? PATTERN_SERVICE_KEYS.find((k) => keyMatches(k.key, actual));
}

export const fieldKey = (source: 'IngressClassParams' | 'TargetGroupBinding', field: string): UpstreamKey | undefined =>
  FIELD_KEYS.find((k) => k.source === source && k.key === field);

export const flagKey = (name: string): UpstreamKey | undefined => FLAG_KEYS.find((k) => k.key === name);

export const gateKey = (name: string): UpstreamKey | undefined => GATE_KEYS.find((k) => k.key === name);

/** whether a value of a refused key asks for nothing this controller lacks (booleans compared as Go booleans) */
export function isHarmless(k: UpstreamKey, value: string): boolean {
  const v = value.trim();
  return (k.harmless ?? []).some((h) => {
    const hb = parseGoBool(h);
    return hb !== undefined ? parseGoBool(v) === hb : h === v;
  });
}

/** whether this controller refuses `value` for key `k` */
export const refuses = (k: UpstreamKey, value: string): boolean => k.status === 'refused' && !isHarmless(k, value);
