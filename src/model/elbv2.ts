// Desired AWS resources, as plain data. Field names and value spellings follow the ELBv2 / EC2 APIs so
// that a desired spec and an observed one compare field by field. Arrays whose order AWS does not keep
// (subnets, security groups, condition values) are kept sorted by the builder.
import type { ArnOrRef, Known } from './refs.ts';

export type Tags = Readonly<Record<string, string>>;
export type Attributes = Readonly<Record<string, string>>;

export type Scheme = 'internet-facing' | 'internal';
export type IpAddressType = 'ipv4' | 'dualstack' | 'dualstack-without-public-ipv4';
/** application (ALB, from Ingresses) or network (NLB, from Services of type LoadBalancer) */
export type LoadBalancerType = 'application' | 'network';
/** HTTP and HTTPS on application load balancers; the rest on network load balancers */
export type ListenerProtocol = 'HTTP' | 'HTTPS' | NetworkProtocol;
export type NetworkProtocol = 'TCP' | 'UDP' | 'TLS' | 'TCP_UDP' | 'QUIC' | 'TCP_QUIC';
export type TargetType = 'instance' | 'ip';
export type ProtocolVersion = 'HTTP1' | 'HTTP2' | 'GRPC';

/** listener protocols that terminate TLS and so carry certificates and an SSL policy */
export const isSecureProtocol = (p: ListenerProtocol): boolean => p === 'HTTPS' || p === 'TLS';

/**
 * One subnet of a network load balancer with what CreateLoadBalancer takes besides its ID. Only the subnet IDs
 * (LoadBalancerSpec.subnets) and the source-NAT prefixes are compared with AWS, as upstream does: an Elastic IP or
 * private address cannot change on a live load balancer, so they take effect at creation.
 */
export interface SubnetMapping {
  readonly subnetId: string;
  readonly allocationId?: string;
  readonly privateIPv4Address?: string;
  readonly ipv6Address?: string;
  readonly sourceNatIpv6Prefix?: string;
}

export interface LoadBalancerSpec {
  readonly name: string;
  readonly type: LoadBalancerType;
  readonly scheme: Scheme;
  readonly ipAddressType: IpAddressType;
  /** sorted subnet IDs */
  readonly subnets: Known<readonly string[]>;
  /** managed SG as a Ref, or the user's group IDs; sorted by the builder where literal */
  readonly securityGroups: readonly Known<ArnOrRef>[];
  /** only the keys the user set; other attributes are left as AWS has them */
  readonly attributes: Attributes;
  readonly tags: Tags;
  // network load balancers only; absent means "not set", never compared
  /** per-subnet addresses, in subnet-ID order; present only when some subnet has more than its ID */
  readonly subnetMappings?: readonly SubnetMapping[];
  readonly enablePrefixForIpv6SourceNat?: 'on' | 'off';
  /** EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic */
  readonly enforceSecurityGroupInboundRulesOnPrivateLinkTraffic?: 'on' | 'off';
  /** both types: minimum capacity units reserved (ModifyCapacityReservation); 0 resets the reservation; absent: not compared */
  readonly minimumCapacityUnits?: number;
  /**
   * application load balancers: the IPAM pool public IPv4 addresses come from first (CreateLoadBalancer IpamPools,
   * then ModifyIpPools); absent: none, so a pool AWS reports is removed (as upstream)
   */
  readonly ipv4IpamPoolId?: string;
  /**
   * application load balancers on Outposts: the customer-owned IPv4 pool (CoIP). Sent at creation only and never
   * compared: AWS cannot change it on a live load balancer and upstream neither replaces nor modifies it
   */
  readonly customerOwnedIpv4Pool?: string;
  // application load balancers only, add-ons kept outside ELBv2 (ADR 16); absent means "not set": whatever AWS has is left alone
  /** the regional WAFv2 web ACL associated with the load balancer; NO_WEB_ACL: none (disassociate) */
  readonly wafv2WebAclArn?: Known<string>;
  /** Shield Advanced protection: true creates one, false deletes the one this controller made */
  readonly shieldAdvancedProtection?: boolean;
}

/**
 * What AWS does with a mutual authentication setting: off and passthrough are their mode alone, verify takes the
 * trust store and AWS's defaults for the two switches. Desired and observed settings compare in this form.
 */
export function effectiveMutualAuthentication(m: MutualAuthentication): MutualAuthentication {
  if (m.mode !== 'verify') return { mode: m.mode };
  return {
    mode: 'verify', ...(m.trustStoreArn !== undefined ? { trustStoreArn: m.trustStoreArn } : {}),
    ignoreClientCertificateExpiry: m.ignoreClientCertificateExpiry ?? false, advertiseTrustStoreCaNames: m.advertiseTrustStoreCaNames ?? 'off',
  };
}

/** the value of the web ACL fields that asks for no web ACL ("none" in the annotations) */
export const NO_WEB_ACL = '';

/** the names of the Shield protections this controller (or upstream, or its predecessor) created; others are never deleted */
export const SHIELD_PROTECTION_NAME = 'managed by aws-load-balancer-controller';
export const SHIELD_PROTECTION_NAMES: readonly string[] = [SHIELD_PROTECTION_NAME, 'managed by aws-alb-ingress-controller'];

export interface ForwardTarget {
  readonly targetGroupArn: ArnOrRef;
  readonly weight?: number;
}

export type Action =
  | {
      readonly type: 'forward';
      readonly forwardConfig: {
        readonly targetGroups: readonly ForwardTarget[];
        readonly targetGroupStickinessConfig?: { readonly enabled: boolean; readonly durationSeconds?: number };
      };
    }
  | {
      readonly type: 'redirect';
      readonly redirectConfig: {
        readonly protocol?: string;
        readonly port?: string;
        readonly host?: string;
        readonly path?: string;
        readonly query?: string;
        readonly statusCode: 'HTTP_301' | 'HTTP_302';
      };
    }
  | {
      readonly type: 'fixed-response';
      readonly fixedResponseConfig: {
        readonly statusCode: string;
        readonly contentType?: string;
        readonly messageBody?: string;
      };
    }
  | { readonly type: 'authenticate-oidc'; readonly authenticateOidcConfig: AuthenticateOidcConfig }
  | { readonly type: 'authenticate-cognito'; readonly authenticateCognitoConfig: AuthenticateCognitoConfig }
  | { readonly type: 'jwt-validation'; readonly jwtValidationConfig: JwtValidationConfig };

/** what ALB does with a request that carries no valid session */
export type OnUnauthenticatedRequest = 'authenticate' | 'allow' | 'deny';

/** AWS's defaults for the settings below, which are upstream's too (the builder always sets all four) */
export const AUTHENTICATE_DEFAULTS = {
  scope: 'openid', sessionCookieName: 'AWSELBAuthSessionCookie', sessionTimeout: 604800, onUnauthenticatedRequest: 'authenticate',
} as const;

/** the settings an authenticate-oidc and an authenticate-cognito action share; the builder sets them all */
export interface AuthenticateCommon {
  readonly scope: string;
  readonly sessionCookieName: string;
  readonly sessionTimeout: number;
  readonly onUnauthenticatedRequest: OnUnauthenticatedRequest;
  /** only when the user set some */
  readonly authenticationRequestExtraParams?: Readonly<Record<string, string>>;
}

/**
 * An OIDC client secret, never its value. Desired: the Kubernetes Secret that holds it and a keyed digest of the
 * client ID and secret (src/k8s/oidc-secrets.ts). Observed: the digest recorded on the rule or listener when the
 * controller last sent the secret (tag TAG_OIDC_SECRET_DIGEST), absent when it never did; AWS never returns the
 * secret. Only the digests are compared.
 */
export interface ClientSecretRef {
  /** "namespace/name" */
  readonly secret?: string;
  readonly digest?: Known<string>;
}

export interface AuthenticateOidcConfig extends AuthenticateCommon {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  readonly clientId: Known<string>;
  readonly clientSecret: ClientSecretRef;
}

export interface AuthenticateCognitoConfig extends AuthenticateCommon {
  readonly userPoolArn: string;
  readonly userPoolClientId: string;
  readonly userPoolDomain: string;
}

export type JwtClaimFormat = 'single-string' | 'string-array' | 'space-separated-values';

export interface JwtValidationConfig {
  readonly jwksEndpoint: string;
  readonly issuer: string;
  /** only when the user set some */
  readonly additionalClaims?: readonly { readonly format: JwtClaimFormat; readonly name: string; readonly values: readonly string[] }[];
}

/** one regular expression and what its match is replaced with ($1, $2: capture groups) */
export interface Rewrite {
  readonly regex: string;
  readonly replace: string;
}

/** a rewrite of the request before it reaches the targets; a rule takes at most one of each type */
export type RuleTransform =
  | { readonly type: 'host-header-rewrite'; readonly hostHeaderRewriteConfig: { readonly rewrites: readonly Rewrite[] } }
  | { readonly type: 'url-rewrite'; readonly urlRewriteConfig: { readonly rewrites: readonly Rewrite[] } };

/**
 * Host-header, path-pattern and http-header conditions match wildcard `values` or regular expressions
 * (`regexValues`), never both in one condition; `values` is empty when regexValues are set.
 */
export type RuleCondition =
  | { readonly field: 'host-header'; readonly hostHeaderConfig: { readonly values: readonly string[]; readonly regexValues?: readonly string[] } }
  | { readonly field: 'path-pattern'; readonly pathPatternConfig: { readonly values: readonly string[]; readonly regexValues?: readonly string[] } }
  | { readonly field: 'http-header'; readonly httpHeaderConfig: { readonly httpHeaderName: string; readonly values: readonly string[]; readonly regexValues?: readonly string[] } }
  | { readonly field: 'http-request-method'; readonly httpRequestMethodConfig: { readonly values: readonly string[] } }
  | { readonly field: 'query-string'; readonly queryStringConfig: { readonly values: readonly { readonly key?: string; readonly value: string }[] } }
  | { readonly field: 'source-ip'; readonly sourceIpConfig: { readonly values: readonly string[] } };

export interface ListenerSpec {
  readonly loadBalancer: ArnOrRef;
  readonly port: number;
  readonly protocol: ListenerProtocol;
  /** HTTPS and TLS only */
  readonly sslPolicy?: string;
  /** HTTPS and TLS only: the first is the default certificate, the rest are SNI certificates */
  readonly certificates: readonly Known<string>[];
  readonly defaultActions: readonly Action[];
  readonly tags: Tags;
  /** TLS only: ALPN policy, one of None, HTTP1Only, HTTP2Only, HTTP2Optional, HTTP2Preferred */
  readonly alpnPolicy?: readonly string[];
  /** only the keys the user set (ModifyListenerAttributes); absent: never read nor written */
  readonly attributes?: Attributes;
  /** HTTPS listeners of application load balancers: mutual TLS; absent: not set, whatever AWS has is left alone */
  readonly mutualAuthentication?: MutualAuthentication;
}

export type MutualAuthenticationMode = 'off' | 'passthrough' | 'verify';

/**
 * ELBv2 MutualAuthenticationAttributes. The builder sets trustStoreArn, ignoreClientCertificateExpiry and
 * advertiseTrustStoreCaNames for `verify` only, each with AWS's default filled in, so that specs compare field by field.
 */
export interface MutualAuthentication {
  readonly mode: MutualAuthenticationMode;
  readonly trustStoreArn?: Known<string>;
  readonly ignoreClientCertificateExpiry?: boolean;
  readonly advertiseTrustStoreCaNames?: 'on' | 'off';
}

export interface ListenerRuleSpec {
  readonly listener: ArnOrRef;
  readonly priority: number;
  readonly conditions: readonly RuleCondition[];
  readonly actions: readonly Action[];
  /** absent when the rule has none */
  readonly transforms?: readonly RuleTransform[];
  readonly tags: Tags;
}

export interface HealthCheck {
  readonly enabled: boolean;
  /** "traffic-port" or a port number as a string */
  readonly port: string;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TCP';
  /** absent for TCP health checks (not sent, not compared) */
  readonly path?: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  /** absent for TCP health checks (not sent, not compared) */
  readonly matcher?: { readonly httpCode?: string; readonly grpcCode?: string };
}

/**
 * The ALB a target group of type alb forwards to (a frontend NLB's): RegisterTargets Id = the ALB's ARN, Port = an ALB
 * listener port. AWS registers an ALB only on a port it listens on, so `listener` (never sent, never compared) is a
 * Ref to that listener: the registration is ordered after it, and deleted before it.
 */
export interface AlbTarget {
  readonly loadBalancer: ArnOrRef;
  readonly port: number;
  readonly listener?: ArnOrRef;
}

export interface TargetGroupSpec {
  readonly name: string;
  /** alb: a frontend NLB's target group, whose one target is the ALB (albTarget) */
  readonly targetType: TargetType | 'alb';
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS' | NetworkProtocol;
  /** HTTP and HTTPS target groups only */
  readonly protocolVersion?: ProtocolVersion;
  readonly ipAddressType: 'ipv4' | 'ipv6';
  readonly vpcId: Known<string>;
  readonly healthCheck: HealthCheck;
  /** only the keys the user set */
  readonly attributes: Attributes;
  readonly tags: Tags;
  /** target type alb only: the registered ALB (observed: read with DescribeTargetHealth only when desired sets one) */
  readonly albTarget?: AlbTarget;
  /** the port of the ALB target optimizer's agent on the targets (CreateTargetGroup only: AWS cannot modify it) */
  readonly targetControlPort?: number;
}

export interface SecurityGroupRule {
  /** icmp / icmpv6 rules carry the ICMP type in fromPort and the code in toPort, as EC2 does */
  readonly ipProtocol: 'tcp' | 'udp' | 'icmp' | 'icmpv6';
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
}

export interface SecurityGroupSpec {
  readonly groupName: string;
  readonly description: string;
  readonly vpcId: Known<string>;
  /** sorted ingress rules */
  readonly ingress: readonly SecurityGroupRule[];
  readonly tags: Tags;
}
