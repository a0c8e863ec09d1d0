// The annotation layer: every `alb.ingress.kubernetes.io/*` value is parsed and validated here, once,
// into typed config. A bad value becomes an Issue naming the object, the annotation key and the
// reason; nothing here throws. Files by family: values.ts (value shapes), json.ts (JSON walking),
// load-balancer.ts, backend.ts, actions.ts, conditions.ts, transforms.ts, auth.ts (auth-* and jwt-validation);
// regex.ts checks ALB's regular expressions; defaults.ts holds upstream's defaults.
import type { MutualAuthEntry } from './mutual-auth.ts';
import type { Issue, ObjectRef, OnUnauthenticatedRequest, ProtocolVersion, IpAddressType, Scheme, TargetType } from '../../model/index.ts';

export { PREFIX } from './values.ts';
export { DEFAULTS } from './defaults.ts';
export {
  parseIngressAnnotations, INGRESS_TABLE, LISTENER_ATTRIBUTES_PREFIX, GROUP_NAME, GROUP_NAME_MAX, GROUP_NAME_RULE, LB_NAME, LB_NAME_MAX, LB_NAME_RULE,
} from './load-balancer.ts';
export { parseBackendAnnotations, BACKEND_TABLE } from './backend.ts';
export { parseAction } from './actions.ts';
export { parseConditions } from './conditions.ts';
export { parseTransforms } from './transforms.ts';
export { type MutualAuthEntry, isTrustStoreArn } from './mutual-auth.ts';
export { parseAuthAnnotations, parseJwtValidation, AUTH_TABLE, JWT_VALIDATION } from './auth.ts';

/** an Ingress or a Service, as far as annotations go */
export interface AnnotatedObject { readonly ref: ObjectRef; readonly annotations: Readonly<Record<string, string>> }
export interface Parsed<T> { readonly value: T; readonly issues: readonly Issue[] }
export interface ListenPort { readonly protocol: 'HTTP' | 'HTTPS'; readonly port: number }

/**
 * Load-balancer / listener level, read from the Ingress only. undefined = not set (also for a list
 * or map annotation with no items); defaults are applied after group merging.
 */
export interface IngressAnnotations {
  groupName?: string; groupOrder?: number; loadBalancerName?: string; scheme?: Scheme; ipAddressType?: IpAddressType;
  subnets?: string[]; securityGroups?: string[]; manageBackendSecurityGroupRules?: boolean; inboundCidrs?: string[]; prefixLists?: string[];
  listenPorts?: ListenPort[]; sslRedirect?: number;
  certificateArns?: string[];
  /** create-acm-cert (feature gate EnableCertificateManagement); acm-pca-arn: a private CA for it */
  createAcmCert?: boolean; acmPcaArn?: string;
  sslPolicy?: string; loadBalancerAttributes?: Record<string, string>; tags?: Record<string, string>;
  /** pathType ImplementationSpecific paths are regular expressions (less their leading "/") */
  useRegexPathMatch?: boolean;
  /** web ACLs: "" = not set, "none" = no web ACL (web-acl.ts) */
  wafv2AclArn?: string; wafv2AclName?: string;
  shieldAdvancedProtection?: boolean;
  /** minimum-load-balancer-capacity: CapacityUnits=<n> */
  minimumLoadBalancerCapacity?: number;
  /** mutual-authentication: mutual TLS by HTTPS listen port (mutual-auth.ts) */
  mutualAuthentication?: Record<number, MutualAuthEntry>;
  /** listener-attributes.<PROTOCOL>-<port>, by "<PROTOCOL>-<port>"; only listeners with some */
  listenerAttributes?: Record<string, Record<string, string>>;
  /** ipam-ipv4-pool-id: "" = not set (as upstream) */
  ipamIpv4PoolId?: string;
  /** customer-owned-ipv4-pool (Outposts) */
  customerOwnedIpv4Pool?: string;
}

export interface CognitoIdp { userPoolArn: string; userPoolClientId: string; userPoolDomain: string; extraParams?: Record<string, string> }
export interface OidcIdp {
  issuer: string; authorizationEndpoint: string; tokenEndpoint: string; userInfoEndpoint: string;
  /** the Secret in the Ingress's namespace holding clientID and clientSecret */
  secretName: string; extraParams?: Record<string, string>;
}

/** auth-*: a backend Service's annotation wins over the Ingress's, key by key, when the rule forwards to that Service alone */
export interface AuthAnnotations {
  authType?: 'none' | 'cognito' | 'oidc'; idpCognito?: CognitoIdp; idpOidc?: OidcIdp;
  onUnauthenticatedRequest?: OnUnauthenticatedRequest; scope?: string; sessionCookie?: string; sessionTimeout?: number;
}

/** Target-group level: a Service's annotation wins over the Ingress's, key by key. */
export interface BackendAnnotations {
  targetType?: TargetType; backendProtocol?: 'HTTP' | 'HTTPS'; backendProtocolVersion?: ProtocolVersion;
  /** 'traffic-port', a port number as a string, or a Service port name */
  healthcheckPort?: string; healthcheckProtocol?: 'HTTP' | 'HTTPS'; healthcheckPath?: string;
  healthcheckIntervalSeconds?: number; healthcheckTimeoutSeconds?: number; healthyThresholdCount?: number; unhealthyThresholdCount?: number;
  successCodes?: string; targetGroupAttributes?: Record<string, string>; targetNodeLabels?: Record<string, string>; multiClusterTargetGroup?: boolean; tags?: Record<string, string>;
}

/** one target of a forward action: a Service (name + port), or a target group by ARN or by name */
export interface ForwardTargetConfig { serviceName?: string; servicePort?: number | string; targetGroupARN?: string; targetGroupName?: string; weight?: number }

/** from actions.<name>; Service references are left for the builder to resolve */
export type ActionConfig =
  | { type: 'forward'; targetGroups: ForwardTargetConfig[]; stickiness?: { enabled: boolean; durationSeconds?: number } }
  | { type: 'redirect'; redirect: { protocol?: string; port?: string; host?: string; path?: string; query?: string; statusCode: 'HTTP_301' | 'HTTP_302' } }
  | { type: 'fixed-response'; fixedResponse: { statusCode: string; contentType?: string; messageBody?: string } };
