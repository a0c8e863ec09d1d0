// The authentication that goes before a backend's action on HTTPS listeners: authenticate-oidc or
// authenticate-cognito from auth-* (the backend Service's annotations over the Ingress's, when the rule forwards
// to that Service alone), or jwt-validation from the Ingress. An OIDC action names its client Secret and carries
// the client ID and a digest of the secret from the snapshot (src/k8s/oidc-secrets.ts), never the secret itself;
// apply reads the secret when it sends the action.
import type { V1Service } from '@kubernetes/client-node';
import { type Action, type ClientSecretRef, type Known, type OidcSecretInfo, unknown } from '../model/index.ts';
import { type AnnotatedObject, type AuthAnnotations, DEFAULTS, PREFIX, parseAuthAnnotations } from './annotations/index.ts';
import type { MemberScope } from './context.ts';
import { annotatedService, issue } from './snapshot.ts';

/** the Unknown an OIDC action holds while its Secret has not been read; secretsNeeded() collects them */
export const OIDC_SECRET_UNKNOWN = 'discovery:oidc-secret:';
/** the suffix of the Unknown digest of a Secret read from a manifest that was never applied */
export const METADATA_UID = ' (its metadata.uid)';

const describe = (o: AnnotatedObject): string => `${o.ref.kind} ${o.ref.namespace ?? ''}/${o.ref.name}`;

/**
 * The actions to put before the backend's action on an HTTPS listener ([] for none), or undefined when the
 * backend's auth is broken (its Issues are in the sink). `svc`: the Service the rule forwards to alone, if any.
 */
export function authActions(s: MemberScope, svc: V1Service | undefined, field: string): Action[] | undefined {
  const { m, sink } = s;
  const service = svc ? annotatedService(svc) : undefined;
  const parsed = parseAuthAnnotations(m.obj, service);
  for (const i of parsed.issues) {
    sink.issues.push(i);
    if (i.object.kind !== 'Ingress') sink.issues.push(issue(m.ref, field, 'InvalidServiceAnnotation', `${describe(service as AnnotatedObject)}: ${i.field}: ${i.reason}`));
  }
  if (parsed.issues.length > 0) return undefined;
  const a = parsed.value;
  const type = a.authType ?? 'none';
  const typeFrom = parsed.from.authType ?? m.obj;
  if (type !== 'none' && s.jwt) {
    sink.issues.push(issue(m.ref, `${PREFIX}jwt-validation`, 'ConflictingAuthentication',
      `${field}: auth-type ${type} (${describe(typeFrom)}) and jwt-validation cannot both apply to one rule; ALB runs one authentication action per rule`));
    return undefined;
  }
  if (type === 'none') return s.jwt ? [{ type: 'jwt-validation', jwtValidationConfig: s.jwt }] : [];
  const idpKey = type === 'cognito' ? 'idpCognito' : 'idpOidc';
  if (a[idpKey] === undefined) {
    sink.issues.push(issue(typeFrom.ref, `${PREFIX}auth-idp-${type}`, 'InvalidAnnotation', `is required when auth-type is ${type}`));
    if (typeFrom !== m.obj) sink.issues.push(issue(m.ref, field, 'InvalidServiceAnnotation', `${describe(typeFrom)}: ${PREFIX}auth-idp-${type} is required when auth-type is ${type}`));
    return undefined;
  }
  const common = {
    scope: a.scope ?? DEFAULTS.authScope,
    sessionCookieName: a.sessionCookie ?? DEFAULTS.authSessionCookie,
    sessionTimeout: a.sessionTimeout ?? DEFAULTS.authSessionTimeout,
    onUnauthenticatedRequest: a.onUnauthenticatedRequest ?? DEFAULTS.authOnUnauthenticatedRequest,
  };
  if (type === 'cognito') {
    const c = a.idpCognito as NonNullable<AuthAnnotations['idpCognito']>;
    return [{
      type: 'authenticate-cognito',
      authenticateCognitoConfig: {
        userPoolArn: c.userPoolArn, userPoolClientId: c.userPoolClientId, userPoolDomain: c.userPoolDomain, ...common,
        ...(c.extraParams ? { authenticationRequestExtraParams: c.extraParams } : {}),
      },
    }];
  }
  const o = a.idpOidc as NonNullable<AuthAnnotations['idpOidc']>;
  const namespace = m.ref.namespace ?? 'default';
  const client = oidcClient(s.ctx.snapshot.oidcSecrets, namespace, o.secretName);
  if ('problem' in client) {
    const from = parsed.from.idpOidc ?? m.obj;
    sink.issues.push(issue(m.ref, from === m.obj ? `${PREFIX}auth-idp-oidc` : field, 'OidcSecretUnusable',
      `${from === m.obj ? '' : `${describe(from)}: ${PREFIX}auth-idp-oidc: `}Secret ${namespace}/${o.secretName}: ${client.problem}`));
    return undefined;
  }
  return [{
    type: 'authenticate-oidc',
    authenticateOidcConfig: {
      issuer: o.issuer, authorizationEndpoint: o.authorizationEndpoint, tokenEndpoint: o.tokenEndpoint, userInfoEndpoint: o.userInfoEndpoint,
      clientId: client.clientId, clientSecret: client.clientSecret, ...common,
      ...(o.extraParams ? { authenticationRequestExtraParams: o.extraParams } : {}),
    },
  }];
}

/** the client ID and secret reference of Secret namespace/name as the snapshot knows it */
function oidcClient(secrets: readonly OidcSecretInfo[] | undefined, namespace: string, name: string):
  { clientId: Known<string>; clientSecret: ClientSecretRef } | { problem: string } {
  const secret = `${namespace}/${name}`;
  const info = secrets?.find((x) => x.namespace === namespace && x.name === name);
  const notRead = unknown(`${OIDC_SECRET_UNKNOWN}${secret}`);
  if (!info) return { clientId: notRead, clientSecret: { secret, digest: notRead } };
  if (info.problem !== undefined || info.clientId === undefined) return { problem: info.problem ?? 'has no client ID' };
  // without metadata.uid (a manifest that was never applied) the digest cannot be keyed as the controller keys it
  return { clientId: info.clientId, clientSecret: { secret, digest: info.digest ?? unknown(`${OIDC_SECRET_UNKNOWN}${secret}${METADATA_UID}`) } };
}
