// AWS SDK shapes → model specs, for what deploy/observe reads. The result has the builder's shape: subnets,
// security groups and condition values sorted; forward actions always as forwardConfig.targetGroups (AWS and
// moto may echo a single-target forward as a plain TargetGroupArn only); conditions from their *Config block,
// or from the legacy Values list. Values AWS fills in (weights, redirect placeholders, disabled stickiness)
// are kept as AWS reported them; plan/ normalises both sides before it compares.
import type {
  Action as SdkAction, Certificate, Listener, LoadBalancer, MutualAuthenticationAttributes, Rule, RuleCondition as SdkCondition, RuleTransform as SdkTransform, TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { isSecureProtocol } from '../model/index.ts';
import type {
  Action, ForwardTarget, HealthCheck, IpAddressType, ListenerProtocol, ListenerRuleSpec, ListenerSpec, LoadBalancerSpec, ProtocolVersion,
  AuthenticateCommon, JwtClaimFormat, MutualAuthentication, MutualAuthenticationMode, OnUnauthenticatedRequest, Rewrite, RuleCondition, RuleTransform, Scheme, SecurityGroupRule, SecurityGroupSpec, Tags,
  TargetGroupSpec, TargetType,
} from '../model/index.ts';
import { AUTHENTICATE_DEFAULTS, TAG_OIDC_SECRET_DIGEST } from '../model/index.ts';

const sorted = (xs: readonly (string | undefined)[] | undefined): string[] =>
  [...new Set((xs ?? []).filter((x): x is string => x !== undefined && x !== ''))].sort();

/**
 * `type` is the literal AWS reports (application, network, or another), so a stack whose resource has the
 * wrong type sees the difference and replaces it. Fields only network load balancers have are set when AWS
 * reports them.
 */
export function toLoadBalancerSpec(lb: LoadBalancer, attributes: Readonly<Record<string, string>>, tags: Tags): LoadBalancerSpec {
  return {
    name: lb.LoadBalancerName ?? '',
    type: (lb.Type ?? 'application') as LoadBalancerSpec['type'],
    scheme: (lb.Scheme ?? 'internal') as Scheme,
    ipAddressType: (lb.IpAddressType ?? 'ipv4') as IpAddressType,
    subnets: sorted((lb.AvailabilityZones ?? []).map((z) => z.SubnetId)),
    securityGroups: sorted(lb.SecurityGroups),
    attributes: { ...attributes },
    tags: { ...tags },
    ...(lb.EnablePrefixForIpv6SourceNat ? { enablePrefixForIpv6SourceNat: lb.EnablePrefixForIpv6SourceNat as 'on' | 'off' } : {}),
    ...(lb.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic
      ? { enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: lb.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic as 'on' | 'off' } : {}),
    ...(lb.IpamPools?.Ipv4IpamPoolId ? { ipv4IpamPoolId: lb.IpamPools.Ipv4IpamPoolId } : {}),
    ...(lb.CustomerOwnedIpv4Pool ? { customerOwnedIpv4Pool: lb.CustomerOwnedIpv4Pool } : {}),
  };
}

/**
 * `certificates`: what DescribeListenerCertificates returned (HTTPS only); the default certificate comes first,
 * the SNI ones after it, sorted and without repeats (moto appends duplicates). Without it, the listener's own
 * Certificates field (the default certificate only) is used.
 */
export function toListenerSpec(l: Listener, certificates: readonly Certificate[] | undefined, tags: Tags): ListenerSpec {
  const protocol = (l.Protocol ?? 'HTTP') as ListenerProtocol;
  const secure = isSecureProtocol(protocol);
  const certs = certificates ?? l.Certificates ?? [];
  const defaultCert = certs.find((c) => c.IsDefault)?.CertificateArn ?? l.Certificates?.[0]?.CertificateArn ?? certs[0]?.CertificateArn;
  const sni = sorted(certs.filter((c) => c.CertificateArn !== defaultCert).map((c) => c.CertificateArn));
  return {
    loadBalancer: l.LoadBalancerArn ?? '',
    port: l.Port ?? 0,
    protocol,
    ...(secure && l.SslPolicy ? { sslPolicy: l.SslPolicy } : {}),
    certificates: secure && defaultCert ? [defaultCert, ...sni] : [],
    defaultActions: fromSdkActions(l.DefaultActions, tags),
    tags: { ...tags },
    ...(l.AlpnPolicy?.length ? { alpnPolicy: [...l.AlpnPolicy] } : {}),
    ...(l.MutualAuthentication ? { mutualAuthentication: fromSdkMutualAuthentication(l.MutualAuthentication) } : {}),
  };
}

/** absent from the answer (moto never returns it): the listener's setting is unknown, and not compared (plan/kinds/listener.ts) */
function fromSdkMutualAuthentication(m: MutualAuthenticationAttributes): MutualAuthentication {
  const advertise = m.AdvertiseTrustStoreCaNames;
  return {
    mode: (m.Mode ?? 'off') as MutualAuthenticationMode,
    ...(m.TrustStoreArn ? { trustStoreArn: m.TrustStoreArn } : {}),
    ...(m.IgnoreClientCertificateExpiry !== undefined ? { ignoreClientCertificateExpiry: m.IgnoreClientCertificateExpiry } : {}),
    ...(advertise === 'on' || advertise === 'off' ? { advertiseTrustStoreCaNames: advertise } : {}),
  };
}

/** undefined for the default rule (Priority "default"), which is part of the listener */
export function toRuleSpec(r: Rule, listenerArn: string, tags: Tags): ListenerRuleSpec | undefined {
  if (r.IsDefault || r.Priority === undefined || !/^\d+$/.test(r.Priority)) return undefined;
  const transforms = (r.Transforms ?? []).map(fromSdkTransform).filter((t): t is RuleTransform => t !== undefined);
  return {
    listener: listenerArn,
    priority: Number(r.Priority),
    conditions: (r.Conditions ?? []).map(fromSdkCondition).filter((c): c is RuleCondition => c !== undefined),
    actions: fromSdkActions(r.Actions, tags),
    ...(transforms.length > 0 ? { transforms } : {}),
    tags: { ...tags },
  };
}

export function toTargetGroupSpec(tg: TargetGroup, attributes: Readonly<Record<string, string>>, tags: Tags): TargetGroupSpec {
  const protocol = (tg.Protocol ?? 'HTTP') as TargetGroupSpec['protocol'];
  const hcProtocol = (tg.HealthCheckProtocol ?? (protocol === 'HTTPS' ? 'HTTPS' : protocol === 'HTTP' ? 'HTTP' : 'TCP')) as HealthCheck['protocol'];
  const healthCheck: HealthCheck = {
    enabled: tg.HealthCheckEnabled ?? true,
    port: tg.HealthCheckPort ?? 'traffic-port',
    protocol: hcProtocol,
    // a TCP health check has neither path nor matcher (AWS may still report defaults)
    ...(hcProtocol === 'TCP' ? {} : { path: tg.HealthCheckPath ?? '/' }),
    intervalSeconds: tg.HealthCheckIntervalSeconds ?? 30,
    timeoutSeconds: tg.HealthCheckTimeoutSeconds ?? 5,
    healthyThresholdCount: tg.HealthyThresholdCount ?? 5,
    unhealthyThresholdCount: tg.UnhealthyThresholdCount ?? 2,
    ...(hcProtocol === 'TCP' ? {} : {
      matcher: {
        ...(tg.Matcher?.HttpCode !== undefined ? { httpCode: tg.Matcher.HttpCode } : {}),
        ...(tg.Matcher?.GrpcCode !== undefined ? { grpcCode: tg.Matcher.GrpcCode } : {}),
      },
    }),
  };
  const http = protocol === 'HTTP' || protocol === 'HTTPS';
  return {
    name: tg.TargetGroupName ?? '',
    targetType: (tg.TargetType ?? 'instance') as TargetType,
    port: tg.Port ?? 0,
    protocol,
    // HTTP and HTTPS target groups only: AWS reports none for TCP, UDP and TLS
    ...(http ? { protocolVersion: (tg.ProtocolVersion ?? 'HTTP1') as ProtocolVersion } : {}),
    ipAddressType: (tg.IpAddressType ?? 'ipv4') as TargetGroupSpec['ipAddressType'],
    vpcId: tg.VpcId ?? '',
    healthCheck,
    attributes: { ...attributes },
    tags: { ...tags },
    ...(tg.TargetControlPort !== undefined ? { targetControlPort: tg.TargetControlPort } : {}),
  };
}

export function toSecurityGroupSpec(sg: SecurityGroup, tags: Tags): SecurityGroupSpec {
  return {
    groupName: sg.GroupName ?? '',
    description: sg.Description ?? '',
    vpcId: sg.VpcId ?? '',
    ingress: fromIpPermissions(sg.IpPermissions),
    tags: { ...tags },
  };
}

const fromSdkRewrites = (c: { Rewrites?: { Regex?: string; Replace?: string }[] } | undefined): { rewrites: Rewrite[] } =>
  ({ rewrites: (c?.Rewrites ?? []).map((r) => ({ regex: r.Regex ?? '', replace: r.Replace ?? '' })) });

export function fromSdkTransform(t: SdkTransform): RuleTransform | undefined {
  if (t.Type === 'url-rewrite') return { type: 'url-rewrite', urlRewriteConfig: fromSdkRewrites(t.UrlRewriteConfig) };
  if (t.Type === 'host-header-rewrite') return { type: 'host-header-rewrite', hostHeaderRewriteConfig: fromSdkRewrites(t.HostHeaderRewriteConfig) };
  return undefined;
}

/**
 * Actions in AWS's execution order (Order), minus types the model does not have. `tags`: those of the rule or
 * listener, whose TAG_OIDC_SECRET_DIGEST says which client secret an authenticate-oidc action was last sent with.
 */
export function fromSdkActions(actions: readonly SdkAction[] | undefined, tags: Tags = {}): Action[] {
  return [...(actions ?? [])]
    .map((a, i) => ({ a, order: a.Order ?? i + 1 }))
    .sort((x, y) => x.order - y.order)
    .map(({ a }) => fromSdkAction(a, tags[TAG_OIDC_SECRET_DIGEST]))
    .filter((a): a is Action => a !== undefined);
}

type SdkAuthCommon = { Scope?: string; SessionCookieName?: string; SessionTimeout?: number; OnUnauthenticatedRequest?: string; AuthenticationRequestExtraParams?: Record<string, string> };

/** a setting AWS leaves out reads as AWS's default */
const fromSdkAuthCommon = (c: SdkAuthCommon | undefined): AuthenticateCommon => ({
  scope: c?.Scope ?? AUTHENTICATE_DEFAULTS.scope,
  sessionCookieName: c?.SessionCookieName ?? AUTHENTICATE_DEFAULTS.sessionCookieName,
  sessionTimeout: c?.SessionTimeout ?? AUTHENTICATE_DEFAULTS.sessionTimeout,
  onUnauthenticatedRequest: (c?.OnUnauthenticatedRequest ?? AUTHENTICATE_DEFAULTS.onUnauthenticatedRequest) as OnUnauthenticatedRequest,
  ...(c?.AuthenticationRequestExtraParams && Object.keys(c.AuthenticationRequestExtraParams).length > 0
    ? { authenticationRequestExtraParams: { ...c.AuthenticationRequestExtraParams } } : {}),
});

export function fromSdkAction(a: SdkAction, oidcSecretDigest?: string): Action | undefined {
  switch (a.Type) {
    case 'forward': {
      const fc = a.ForwardConfig;
      const targetGroups: ForwardTarget[] = fc?.TargetGroups?.length
        ? fc.TargetGroups.filter((t) => t.TargetGroupArn).map((t) => ({
          targetGroupArn: t.TargetGroupArn as string,
          ...(t.Weight !== undefined ? { weight: t.Weight } : {}),
        }))
        : a.TargetGroupArn ? [{ targetGroupArn: a.TargetGroupArn }] : [];
      const st = fc?.TargetGroupStickinessConfig;
      return {
        type: 'forward',
        forwardConfig: {
          targetGroups,
          ...(st?.Enabled !== undefined ? {
            targetGroupStickinessConfig: { enabled: st.Enabled, ...(st.DurationSeconds !== undefined ? { durationSeconds: st.DurationSeconds } : {}) },
          } : {}),
        },
      };
    }
    case 'redirect': {
      const r = a.RedirectConfig;
      return {
        type: 'redirect',
        redirectConfig: {
          ...(r?.Protocol !== undefined ? { protocol: r.Protocol } : {}),
          ...(r?.Port !== undefined ? { port: r.Port } : {}),
          ...(r?.Host !== undefined ? { host: r.Host } : {}),
          ...(r?.Path !== undefined ? { path: r.Path } : {}),
          ...(r?.Query !== undefined ? { query: r.Query } : {}),
          statusCode: (r?.StatusCode ?? 'HTTP_301') as 'HTTP_301' | 'HTTP_302',
        },
      };
    }
    case 'fixed-response': {
      const f = a.FixedResponseConfig;
      return {
        type: 'fixed-response',
        fixedResponseConfig: {
          statusCode: f?.StatusCode ?? '',
          ...(f?.ContentType !== undefined ? { contentType: f.ContentType } : {}),
          ...(f?.MessageBody !== undefined ? { messageBody: f.MessageBody } : {}),
        },
      };
    }
    case 'authenticate-cognito': {
      const c = a.AuthenticateCognitoConfig;
      return {
        type: 'authenticate-cognito',
        authenticateCognitoConfig: { userPoolArn: c?.UserPoolArn ?? '', userPoolClientId: c?.UserPoolClientId ?? '', userPoolDomain: c?.UserPoolDomain ?? '', ...fromSdkAuthCommon(c) },
      };
    }
    case 'authenticate-oidc': {
      const c = a.AuthenticateOidcConfig;
      return {
        type: 'authenticate-oidc',
        authenticateOidcConfig: {
          issuer: c?.Issuer ?? '', authorizationEndpoint: c?.AuthorizationEndpoint ?? '', tokenEndpoint: c?.TokenEndpoint ?? '', userInfoEndpoint: c?.UserInfoEndpoint ?? '',
          clientId: c?.ClientId ?? '',
          // AWS never returns the secret: what it was is known only from the digest apply recorded
          clientSecret: oidcSecretDigest !== undefined ? { digest: oidcSecretDigest } : {},
          ...fromSdkAuthCommon(c),
        },
      };
    }
    case 'jwt-validation': {
      const j = a.JwtValidationConfig;
      const claims = (j?.AdditionalClaims ?? []).map((c) => ({ format: (c.Format ?? 'single-string') as JwtClaimFormat, name: c.Name ?? '', values: [...(c.Values ?? [])] }));
      return { type: 'jwt-validation', jwtValidationConfig: { jwksEndpoint: j?.JwksEndpoint ?? '', issuer: j?.Issuer ?? '', ...(claims.length > 0 ? { additionalClaims: claims } : {}) } };
    }
    default:
      return undefined;
  }
}

/** wildcard values and, when AWS reports any, regexValues */
const valuesOf = (c: { Values?: string[]; RegexValues?: string[] } | undefined, legacy?: string[]): { values: string[]; regexValues?: string[] } =>
  (c?.RegexValues?.length ? { values: sorted(c.Values), regexValues: sorted(c.RegexValues) } : { values: sorted(c?.Values ?? legacy) });

/** a condition from its *Config block, or from the legacy Values list (host-header and path-pattern only) */
export function fromSdkCondition(c: SdkCondition): RuleCondition | undefined {
  const legacy = c.Values;
  switch (c.Field) {
    case 'host-header':
      return { field: 'host-header', hostHeaderConfig: valuesOf(c.HostHeaderConfig, legacy) };
    case 'path-pattern':
      return { field: 'path-pattern', pathPatternConfig: valuesOf(c.PathPatternConfig, legacy) };
    case 'http-header':
      return { field: 'http-header', httpHeaderConfig: { httpHeaderName: c.HttpHeaderConfig?.HttpHeaderName ?? '', ...valuesOf(c.HttpHeaderConfig) } };
    case 'http-request-method':
      return { field: 'http-request-method', httpRequestMethodConfig: { values: sorted(c.HttpRequestMethodConfig?.Values ?? legacy) } };
    case 'query-string': {
      const values = (c.QueryStringConfig?.Values ?? [])
        .map((kv) => ({ ...(kv.Key !== undefined ? { key: kv.Key } : {}), value: kv.Value ?? '' }))
        .sort((x, y) => (x.key ?? '').localeCompare(y.key ?? '') || x.value.localeCompare(y.value));
      return { field: 'query-string', queryStringConfig: { values } };
    }
    case 'source-ip':
      return { field: 'source-ip', sourceIpConfig: { values: sorted(c.SourceIpConfig?.Values ?? legacy) } };
    default:
      return undefined;
  }
}

/**
 * One rule per source (CIDR, IPv6 CIDR or prefix list), sorted. Permissions that are not TCP keep their
 * protocol (cast), so that the plan sees them as rules to revoke from a group the controller owns;
 * rules that reference other security groups have no model shape and are left out.
 */
export function fromIpPermissions(perms: readonly IpPermission[] | undefined): SecurityGroupRule[] {
  const out: SecurityGroupRule[] = [];
  for (const p of perms ?? []) {
    const base = { ipProtocol: (p.IpProtocol ?? 'tcp') as 'tcp', fromPort: p.FromPort ?? -1, toPort: p.ToPort ?? -1 };
    for (const r of p.IpRanges ?? []) if (r.CidrIp) out.push({ ...base, cidrIpv4: r.CidrIp });
    for (const r of p.Ipv6Ranges ?? []) if (r.CidrIpv6) out.push({ ...base, cidrIpv6: r.CidrIpv6 });
    for (const r of p.PrefixListIds ?? []) if (r.PrefixListId) out.push({ ...base, prefixListId: r.PrefixListId });
  }
  return out.sort(compareSecurityGroupRules);
}

/** by port range, then protocol, then source: IPv4 CIDRs, IPv6 CIDRs, prefix lists, each in string order */
export function compareSecurityGroupRules(a: SecurityGroupRule, b: SecurityGroupRule): number {
  const source = (r: SecurityGroupRule): [number, string] =>
    r.cidrIpv4 !== undefined ? [0, r.cidrIpv4] : r.cidrIpv6 !== undefined ? [1, r.cidrIpv6] : [2, r.prefixListId ?? ''];
  const [ka, va] = source(a);
  const [kb, vb] = source(b);
  return a.fromPort - b.fromPort || a.toPort - b.toPort || cmp(a.ipProtocol, b.ipProtocol) || ka - kb || cmp(va, vb);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
