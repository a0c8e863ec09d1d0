// Authentication and JWT validation: auth-* (read from the backend Service first, then the Ingress, key by
// key, when the rule forwards to that one Service; else from the Ingress alone) and jwt-validation (the Ingress
// only). Values are checked against the ELBv2 API reference (AuthenticateOidcActionConfig,
// AuthenticateCognitoActionConfig, JwtValidationActionConfig) so that AWS's refusal becomes an Issue here.
import type { JwtClaimFormat, JwtValidationConfig } from '../../model/index.ts';
import type { AnnotatedObject, AuthAnnotations, CognitoIdp, OidcIdp, Parsed } from './index.ts';
import { array, at, defined, expected, fault, get, json, object, reqString, type Obj } from './json.ts';
import { fail, has, int32, issue, ok, oneOf, PREFIX, readOne, readTable, show, text, type Shape, type Table } from './values.ts';

/** AuthenticationRequestExtraParams: "The query parameters (up to 10) to include in the redirect request" */
export const MAX_EXTRA_PARAMS = 10;
/** SessionTimeout: "The maximum duration of the authentication session, in seconds", at most 7 days */
export const MAX_SESSION_TIMEOUT = 604800;
/** JwksEndpoint and Issuer of a JWT validation action: "The maximum length is 256 characters" */
const MAX_JWT_STRING = 256;
/** AdditionalClaims, and the Values of one claim: "The maximum size of the list is 10" */
const MAX_JWT_LIST = 10;
/** claims ALB validates itself, which an additional claim may not name */
const BUILT_IN_CLAIMS = ['exp', 'iss', 'nbf', 'iat'];
const CLAIM_FORMATS: readonly JwtClaimFormat[] = ['single-string', 'string-array', 'space-separated-values'];

/** a cookie name is an HTTP token (RFC 6265) */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** a Secret's name: a DNS-1123 subdomain */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const COGNITO_POOL_ARN = /^arn:[a-z0-9-]+:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/\S+$/;

/** "This must be a full URL, including the HTTPS protocol, the domain, and the path." */
function httpsUrl(o: Obj, name: string, max = Infinity): string {
  const v = reqString(o, name);
  if (v.length > max) fault(at(o.path, name), `is ${v.length} characters long; at most ${max} are allowed (AWS limit)`);
  let url: URL | undefined;
  try { url = new URL(v); } catch { url = undefined; }
  if (url?.protocol !== 'https:' || url.hostname === '') expected(at(o.path, name), 'a full https:// URL such as https://idp.example.com/oauth2/token', v);
  return v;
}

function extraParams(o: Obj): Record<string, string> | undefined {
  const path = at(o.path, 'authenticationRequestExtraParams');
  const v = get(o, 'authenticationRequestExtraParams');
  if (v === undefined) return undefined;
  const entries = Object.entries(object(v, path, 'an object of query parameters such as {"display": "page"}').fields);
  if (entries.length > MAX_EXTRA_PARAMS) fault(path, `has ${entries.length} parameters; at most ${MAX_EXTRA_PARAMS} are allowed (AWS limit)`);
  for (const [k, x] of entries) {
    if (k === '') fault(path, 'a parameter name must not be empty');
    if (typeof x !== 'string') expected(at(path, k), 'a string', x);
  }
  return entries.length > 0 ? Object.fromEntries(entries) as Record<string, string> : undefined;
}

const cognito = json((v): CognitoIdp => {
  const o = object(v, '', 'a JSON object such as {"userPoolARN": "arn:aws:cognito-idp:...", "userPoolClientID": "...", "userPoolDomain": "..."}');
  const userPoolArn = reqString(o, 'userPoolARN');
  if (!COGNITO_POOL_ARN.test(userPoolArn)) expected('userPoolARN', 'a user pool ARN such as arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_abc', userPoolArn);
  const userPoolDomain = reqString(o, 'userPoolDomain');
  if (/^https?:\/\//.test(userPoolDomain)) expected('userPoolDomain', 'the domain prefix (my-domain) or a custom domain name, without https://', userPoolDomain);
  return defined({ userPoolArn, userPoolClientId: reqString(o, 'userPoolClientID'), userPoolDomain, extraParams: extraParams(o) });
});

const oidc = json((v): OidcIdp => {
  const o = object(v, '', 'a JSON object such as {"issuer": "https://...", "authorizationEndpoint": "https://...", "tokenEndpoint": "https://...", "userInfoEndpoint": "https://...", "secretName": "..."}');
  const secretName = reqString(o, 'secretName');
  if (secretName.length > 253 || !SECRET_NAME.test(secretName)) expected('secretName', 'the name of a Secret in the Ingress\'s namespace', secretName);
  return defined({
    issuer: httpsUrl(o, 'issuer'),
    authorizationEndpoint: httpsUrl(o, 'authorizationEndpoint'),
    tokenEndpoint: httpsUrl(o, 'tokenEndpoint'),
    userInfoEndpoint: httpsUrl(o, 'userInfoEndpoint'),
    secretName,
    extraParams: extraParams(o),
  });
});

const cookieName: Shape<string> = (raw) =>
  (COOKIE_NAME.test(raw) ? ok(raw) : fail(`expected a cookie name of letters, digits and !#$%&'*+-.^_\`|~, got ${show(raw)}`));

/** upstream parses it as an int64; ALB takes 1 second to 7 days */
const sessionTimeout: Shape<number> = (raw) => {
  const r = int32()(raw);
  return r.ok && r.value >= 1 && r.value <= MAX_SESSION_TIMEOUT
    ? r : fail(`expected seconds in [1, ${MAX_SESSION_TIMEOUT}] (AWS limit: at most 7 days), got ${show(raw)}`);
};

export const AUTH_TABLE: Table<AuthAnnotations> = {
  authType: ['auth-type', oneOf(['none', 'cognito', 'oidc'] as const)],
  idpCognito: ['auth-idp-cognito', cognito],
  idpOidc: ['auth-idp-oidc', oidc],
  onUnauthenticatedRequest: ['auth-on-unauthenticated-request', oneOf(['authenticate', 'allow', 'deny'] as const)],
  scope: ['auth-scope', text('a space-separated list of scopes such as "openid email"')],
  sessionCookie: ['auth-session-cookie', cookieName],
  sessionTimeout: ['auth-session-timeout', sessionTimeout],
};

/**
 * The auth annotations of one backend: each key from `svc` when it has it, else from the Ingress (upstream merges
 * the Service's annotations over the Ingress's). `svc` is given only when the rule forwards to that Service alone.
 * Each Issue names the object that holds the bad value; `from` says where each value came from.
 */
export function parseAuthAnnotations(ing: AnnotatedObject, svc: AnnotatedObject | undefined): Parsed<AuthAnnotations> & { from: Partial<Record<keyof AuthAnnotations, AnnotatedObject>> } {
  return readTable(AUTH_TABLE, (key) => (has(svc, key) ? svc : has(ing, key) ? ing : undefined));
}

function claim(o: Obj): NonNullable<JwtValidationConfig['additionalClaims']>[number] {
  const format = reqString(o, 'format');
  if (!(CLAIM_FORMATS as readonly string[]).includes(format)) expected(at(o.path, 'format'), `one of ${CLAIM_FORMATS.join(', ')}`, format);
  const name = reqString(o, 'name');
  if (BUILT_IN_CLAIMS.includes(name)) fault(at(o.path, 'name'), `${show(name)} is validated by ALB itself; an additional claim may not name ${BUILT_IN_CLAIMS.join(', ')} (AWS limit)`);
  const path = at(o.path, 'values');
  const values = array(get(o, 'values'), path, 'a non-empty array of strings');
  if (values.length === 0) fault(path, 'must not be empty');
  if (values.length > MAX_JWT_LIST) fault(path, `has ${values.length} values; at most ${MAX_JWT_LIST} are allowed (AWS limit)`);
  const checked = values.map((x, i) => {
    if (typeof x !== 'string' || x === '') expected(at(path, i), 'a non-empty string', x);
    const s = x as string;
    if (s.length > MAX_JWT_STRING) fault(at(path, i), `is ${s.length} characters long; at most ${MAX_JWT_STRING} are allowed (AWS limit)`);
    if (format === 'space-separated-values' && /\s/.test(s)) fault(at(path, i), `contains a space; values of format space-separated-values cannot (AWS limit), got ${show(s)}`);
    return s;
  });
  return { format: format as JwtClaimFormat, name, values: checked };
}

const jwt = json((v): JwtValidationConfig => {
  const o = object(v, '', 'a JSON object such as {"jwksEndpoint": "https://...", "issuer": "..."}');
  const jwksEndpoint = httpsUrl(o, 'jwksEndpoint', MAX_JWT_STRING);
  const issuer = reqString(o, 'issuer');
  if (issuer.length > MAX_JWT_STRING) fault('issuer', `is ${issuer.length} characters long; at most ${MAX_JWT_STRING} are allowed (AWS limit)`);
  const raw = get(o, 'additionalClaims');
  if (raw === undefined) return { jwksEndpoint, issuer };
  const list = array(raw, 'additionalClaims', 'an array of claims such as [{"format": "single-string", "name": "admin", "values": ["true"]}]');
  if (list.length > MAX_JWT_LIST) fault('additionalClaims', `has ${list.length} claims; at most ${MAX_JWT_LIST} are allowed (AWS limit)`);
  const additionalClaims = list.map((c, i) => claim(object(c, at('additionalClaims', i))));
  const names = additionalClaims.map((c) => c.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) fault('additionalClaims', `claim ${show(twice)} is listed twice`);
  return additionalClaims.length > 0 ? { jwksEndpoint, issuer, additionalClaims } : { jwksEndpoint, issuer };
});

export const JWT_VALIDATION = 'jwt-validation';

/** jwt-validation, read from the Ingress only (upstream does not read it from Services) */
export function parseJwtValidation(ing: AnnotatedObject): Parsed<JwtValidationConfig | undefined> {
  if (!has(ing, PREFIX + JWT_VALIDATION)) return { value: undefined, issues: [] };
  const r = readOne(ing, JWT_VALIDATION, jwt);
  return r.ok ? { value: r.value, issues: [] } : { value: undefined, issues: [issue(ing.ref, JWT_VALIDATION, r.reason)] };
}
