// Model specs (Refs already resolved) → AWS SDK v3 request shapes. Forward actions always go out as
// ForwardConfig.TargetGroups, so one shape covers single and weighted forwards.
import type {
  Action as SdkAction, MutualAuthenticationAttributes, RuleCondition as SdkCondition, RuleTransform as SdkTransform, Matcher, ProtocolEnum, CreateTargetGroupInput, ModifyTargetGroupInput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IpPermission } from '@aws-sdk/client-ec2';
import type { Action, AuthenticateCommon, HealthCheck, MutualAuthentication, Rewrite, RuleCondition, RuleTransform, SecurityGroupRule } from '../model/index.ts';
import { effectiveMutualAuthentication } from '../model/index.ts';
import type { Resolved } from './apply-support.ts';

/** an OIDC client as apply read it from its Secret just before sending the action */
export interface OidcClient { readonly clientId: string; readonly clientSecret: string }

/** the settings authenticate-oidc and authenticate-cognito share */
const authCommon = (c: AuthenticateCommon) => ({
  Scope: c.scope, SessionCookieName: c.sessionCookieName, SessionTimeout: c.sessionTimeout, OnUnauthenticatedRequest: c.onUnauthenticatedRequest,
  ...(c.authenticationRequestExtraParams ? { AuthenticationRequestExtraParams: { ...c.authenticationRequestExtraParams } } : {}),
});

/**
 * `oidc`: the client of an authenticate-oidc action (apply reads it from the Secret the action names); without it
 * the action goes out with UseExistingClientSecret, which AWS accepts on ModifyRule only.
 */
export function toSdkAction(a: Resolved<Action>, index: number, count: number, oidc?: OidcClient): SdkAction {
  const order = count > 1 ? { Order: index + 1 } : {};
  switch (a.type) {
    case 'forward': {
      const stick = a.forwardConfig.targetGroupStickinessConfig;
      return {
        Type: 'forward',
        ...order,
        ForwardConfig: {
          TargetGroups: a.forwardConfig.targetGroups.map((t) => ({ TargetGroupArn: t.targetGroupArn, ...(t.weight === undefined ? {} : { Weight: t.weight }) })),
          ...(stick ? { TargetGroupStickinessConfig: { Enabled: stick.enabled, ...(stick.durationSeconds === undefined ? {} : { DurationSeconds: stick.durationSeconds }) } } : {}),
        },
      };
    }
    case 'redirect': {
      const r = a.redirectConfig;
      return {
        Type: 'redirect',
        ...order,
        RedirectConfig: { Protocol: r.protocol, Port: r.port, Host: r.host, Path: r.path, Query: r.query, StatusCode: r.statusCode },
      };
    }
    case 'fixed-response': {
      const f = a.fixedResponseConfig;
      return { Type: 'fixed-response', ...order, FixedResponseConfig: { StatusCode: f.statusCode, ContentType: f.contentType, MessageBody: f.messageBody } };
    }
    case 'authenticate-cognito': {
      const c = a.authenticateCognitoConfig;
      return {
        Type: 'authenticate-cognito', ...order,
        AuthenticateCognitoConfig: { UserPoolArn: c.userPoolArn, UserPoolClientId: c.userPoolClientId, UserPoolDomain: c.userPoolDomain, ...authCommon(c) },
      };
    }
    case 'authenticate-oidc': {
      const c = a.authenticateOidcConfig;
      return {
        Type: 'authenticate-oidc', ...order,
        AuthenticateOidcConfig: {
          Issuer: c.issuer, AuthorizationEndpoint: c.authorizationEndpoint, TokenEndpoint: c.tokenEndpoint, UserInfoEndpoint: c.userInfoEndpoint,
          ClientId: oidc?.clientId ?? c.clientId, ...(oidc ? { ClientSecret: oidc.clientSecret } : { UseExistingClientSecret: true }), ...authCommon(c),
        },
      };
    }
    case 'jwt-validation': {
      const j = a.jwtValidationConfig;
      return {
        Type: 'jwt-validation', ...order,
        JwtValidationConfig: {
          JwksEndpoint: j.jwksEndpoint, Issuer: j.issuer,
          ...(j.additionalClaims ? { AdditionalClaims: j.additionalClaims.map((c) => ({ Format: c.format, Name: c.name, Values: [...c.values] })) } : {}),
        },
      };
    }
  }
}

export const toSdkActions = (actions: readonly Resolved<Action>[], oidc?: OidcClient): SdkAction[] => actions.map((a, i) => toSdkAction(a, i, actions.length, oidc));

const toSdkRewrites = (rs: readonly Rewrite[]) => ({ Rewrites: rs.map((r) => ({ Regex: r.regex, Replace: r.replace })) });

export function toSdkTransform(t: RuleTransform): SdkTransform {
  return t.type === 'url-rewrite'
    ? { Type: t.type, UrlRewriteConfig: toSdkRewrites(t.urlRewriteConfig.rewrites) }
    : { Type: t.type, HostHeaderRewriteConfig: toSdkRewrites(t.hostHeaderRewriteConfig.rewrites) };
}

/** wildcard Values, or RegexValues (one of the two, as AWS demands) */
const values = (c: { readonly values: readonly string[]; readonly regexValues?: readonly string[] }) =>
  (c.regexValues && c.regexValues.length > 0 ? { RegexValues: [...c.regexValues] } : { Values: [...c.values] });

export function toSdkCondition(c: RuleCondition): SdkCondition {
  switch (c.field) {
    case 'host-header': return { Field: c.field, HostHeaderConfig: values(c.hostHeaderConfig) };
    case 'path-pattern': return { Field: c.field, PathPatternConfig: values(c.pathPatternConfig) };
    case 'http-header': return { Field: c.field, HttpHeaderConfig: { HttpHeaderName: c.httpHeaderConfig.httpHeaderName, ...values(c.httpHeaderConfig) } };
    case 'http-request-method': return { Field: c.field, HttpRequestMethodConfig: { Values: [...c.httpRequestMethodConfig.values] } };
    case 'query-string': return { Field: c.field, QueryStringConfig: { Values: c.queryStringConfig.values.map((v) => ({ Key: v.key, Value: v.value })) } };
    case 'source-ip': return { Field: c.field, SourceIpConfig: { Values: [...c.sourceIpConfig.values] } };
  }
}

export const toSdkConditions = (cs: readonly RuleCondition[]): SdkCondition[] => cs.map(toSdkCondition);

export const toSdkMatcher = (m: NonNullable<HealthCheck['matcher']>): Matcher => ({
  ...(m.httpCode === undefined ? {} : { HttpCode: m.httpCode }),
  ...(m.grpcCode === undefined ? {} : { GrpcCode: m.grpcCode }),
});

type HealthCheckFields = Pick<CreateTargetGroupInput & ModifyTargetGroupInput,
  'HealthCheckEnabled' | 'HealthCheckProtocol' | 'HealthCheckPort' | 'HealthCheckPath' | 'HealthCheckIntervalSeconds'
  | 'HealthCheckTimeoutSeconds' | 'HealthyThresholdCount' | 'UnhealthyThresholdCount' | 'Matcher'>;

/** path and matcher only when the model sets them: a TCP health check takes neither */
export const toSdkHealthCheck = (h: HealthCheck): HealthCheckFields => ({
  HealthCheckEnabled: h.enabled,
  HealthCheckProtocol: h.protocol as ProtocolEnum,
  HealthCheckPort: h.port,
  ...(h.path === undefined ? {} : { HealthCheckPath: h.path }),
  HealthCheckIntervalSeconds: h.intervalSeconds,
  HealthCheckTimeoutSeconds: h.timeoutSeconds,
  HealthyThresholdCount: h.healthyThresholdCount,
  UnhealthyThresholdCount: h.unhealthyThresholdCount,
  ...(h.matcher === undefined ? {} : { Matcher: toSdkMatcher(h.matcher) }),
});

/** One IpPermission per rule, so that authorize and revoke work rule by rule. */
export function toIpPermission(r: SecurityGroupRule): IpPermission {
  return {
    IpProtocol: r.ipProtocol,
    FromPort: r.fromPort,
    ToPort: r.toPort,
    ...(r.cidrIpv4 === undefined ? {} : { IpRanges: [{ CidrIp: r.cidrIpv4 }] }),
    ...(r.cidrIpv6 === undefined ? {} : { Ipv6Ranges: [{ CidrIpv6: r.cidrIpv6 }] }),
    ...(r.prefixListId === undefined ? {} : { PrefixListIds: [{ PrefixListId: r.prefixListId }] }),
  };
}

const MODEL_PROTOCOLS: readonly string[] = ['tcp', 'udp', 'icmp', 'icmpv6'] satisfies readonly SecurityGroupRule['ipProtocol'][];

/** The inverse for reading back a group during adoption: one rule per source range. */
export function fromIpPermissions(perms: readonly IpPermission[] | undefined): SecurityGroupRule[] {
  const out: SecurityGroupRule[] = [];
  for (const p of perms ?? []) {
    if (!MODEL_PROTOCOLS.includes(p.IpProtocol ?? '') || p.FromPort === undefined || p.ToPort === undefined) continue;
    const base = { ipProtocol: p.IpProtocol as SecurityGroupRule['ipProtocol'], fromPort: p.FromPort, toPort: p.ToPort };
    for (const r of p.IpRanges ?? []) if (r.CidrIp) out.push({ ...base, cidrIpv4: r.CidrIp });
    for (const r of p.Ipv6Ranges ?? []) if (r.CidrIpv6) out.push({ ...base, cidrIpv6: r.CidrIpv6 });
    for (const r of p.PrefixListIds ?? []) if (r.PrefixListId) out.push({ ...base, prefixListId: r.PrefixListId });
  }
  return out;
}

export const ruleKey = (r: SecurityGroupRule): string => `${r.ipProtocol}:${r.fromPort}-${r.toPort}:${r.cidrIpv4 ?? ''}:${r.cidrIpv6 ?? ''}:${r.prefixListId ?? ''}`;

/** MutualAuthenticationAttributes as upstream sends them: the trust store and the switches in verify mode only */
export function toSdkMutualAuthentication(m: Resolved<MutualAuthentication>): MutualAuthenticationAttributes {
  const e = effectiveMutualAuthentication(m) as Resolved<MutualAuthentication>;
  return {
    Mode: e.mode,
    ...(e.trustStoreArn !== undefined ? { TrustStoreArn: e.trustStoreArn } : {}),
    ...(e.ignoreClientCertificateExpiry !== undefined ? { IgnoreClientCertificateExpiry: e.ignoreClientCertificateExpiry } : {}),
    ...(e.advertiseTrustStoreCaNames !== undefined ? { AdvertiseTrustStoreCaNames: e.advertiseTrustStoreCaNames } : {}),
  };
}
