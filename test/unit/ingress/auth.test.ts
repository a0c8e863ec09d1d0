// auth-*, jwt-validation, transforms, regexValues and use-regex-path-match through the whole builder: every
// value a user can set is either in the built rule exactly as AWS takes it, or an Issue that names it.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildStacks, oidcSecretsNeeded } from '../../../src/ingress/index.ts';
import { MAX_SESSION_TIMEOUT } from '../../../src/ingress/annotations/auth.ts';
import { regexProblem } from '../../../src/ingress/annotations/regex.ts';
import type { Action, ListenerRule, OidcSecretInfo, RuleCondition, RuleTransform } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, byKind, ingress, path, rule, service, snapshot } from './fixtures.ts';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
const HTTPS = { [A('listen-ports')]: '[{"HTTPS": 443}]', [A('certificate-arn')]: CERT };
const POOL = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc';
const COGNITO = JSON.stringify({ userPoolARN: POOL, userPoolClientID: 'pool-client', userPoolDomain: 'my-domain' });
const OIDC = JSON.stringify({
  issuer: 'https://idp.example.com', authorizationEndpoint: 'https://idp.example.com/a', tokenEndpoint: 'https://idp.example.com/t',
  userInfoEndpoint: 'https://idp.example.com/u', secretName: 'oidc',
});
const SECRET: OidcSecretInfo = { namespace: 'default', name: 'oidc', clientId: 'client-1', digest: 'd1' };

function build(annotations: Record<string, string>, o: { svc?: Record<string, string>; paths?: Parameters<typeof path>[]; oidcSecrets?: OidcSecretInfo[] } = {}) {
  const paths = (o.paths ?? [['/', 'api']]).map((p) => path(...p));
  const ing = ingress('web', { annotations, rules: [rule('shop.example.com', ...paths)] });
  return buildStacks(snapshot({ ingresses: [ing], services: [service('api', { annotations: o.svc ?? {} })], ...(o.oidcSecrets ? { oidcSecrets: o.oidcSecrets } : {}) }), FACTS, CONFIG);
}
const rules = (r: ReturnType<typeof build>): ListenerRule[] => r.stacks.flatMap((s) => byKind(s, 'ListenerRule'));
const actionTypes = (r: ReturnType<typeof build>): string[][] => rules(r).map((x) => x.spec.actions.map((a) => a.type));
const first = (r: ReturnType<typeof build>): Action | undefined => rules(r)[0]?.spec.actions[0];
/** fast-check makes null-prototype records; what went through JSON has plain ones */
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const codes = (r: ReturnType<typeof build>): string[] => r.issues.map((i) => `${i.object.kind}:${i.code}`);

describe('ingress builder: authentication', () => {
  it('auth-type cognito: authenticate-cognito with upstream\'s defaults before the forward on HTTPS', () => {
    const r = build({ ...HTTPS, [A('auth-type')]: 'cognito', [A('auth-idp-cognito')]: COGNITO });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(actionTypes(r), [['authenticate-cognito', 'forward']]);
    assert.deepEqual(first(r), {
      type: 'authenticate-cognito',
      authenticateCognitoConfig: {
        userPoolArn: POOL, userPoolClientId: 'pool-client', userPoolDomain: 'my-domain',
        scope: 'openid', sessionCookieName: 'AWSELBAuthSessionCookie', sessionTimeout: 604800, onUnauthenticatedRequest: 'authenticate',
      },
    });
  });

  it('reads each auth-* key from the Service first, then the Ingress', () => {
    const r = build({ ...HTTPS, [A('auth-type')]: 'oidc', [A('auth-idp-cognito')]: COGNITO, [A('auth-scope')]: 'openid email', [A('auth-session-timeout')]: '60' },
      { svc: { [A('auth-type')]: 'cognito', [A('auth-session-timeout')]: '120' } });
    assert.deepEqual(r.issues, []);
    const a = first(r);
    assert.equal(a?.type, 'authenticate-cognito');
    if (a?.type !== 'authenticate-cognito') return;
    assert.equal(a.authenticateCognitoConfig.scope, 'openid email');
    assert.equal(a.authenticateCognitoConfig.sessionTimeout, 120);
  });

  it('auth-type oidc: waits for its Secret (an Unknown secretsNeeded names), then carries client ID and digest, never the secret', () => {
    const before = build({ ...HTTPS, [A('auth-type')]: 'oidc', [A('auth-idp-oidc')]: OIDC });
    assert.deepEqual(before.issues, []);
    assert.deepEqual(oidcSecretsNeeded(before.stacks), ['default/oidc']);
    const after = build({ ...HTTPS, [A('auth-type')]: 'oidc', [A('auth-idp-oidc')]: OIDC }, { oidcSecrets: [SECRET] });
    assert.deepEqual(oidcSecretsNeeded(after.stacks), []);
    const a = first(after);
    assert.equal(a?.type, 'authenticate-oidc');
    if (a?.type !== 'authenticate-oidc') return;
    assert.equal(a.authenticateOidcConfig.clientId, 'client-1');
    assert.deepEqual(a.authenticateOidcConfig.clientSecret, { secret: 'default/oidc', digest: 'd1' });
  });

  it('a Secret that is missing or unreadable is an Issue on the Ingress naming it', () => {
    const r = build({ ...HTTPS, [A('auth-type')]: 'oidc', [A('auth-idp-oidc')]: OIDC }, { oidcSecrets: [{ namespace: 'default', name: 'oidc', problem: 'does not exist' }] });
    assert.deepEqual(r.issues.map((i) => [i.field, i.code, i.reason]), [[A('auth-idp-oidc'), 'OidcSecretUnusable', 'Secret default/oidc: does not exist']]);
    assert.deepEqual(r.stacks, []);
  });

  it('refuses authentication on a plain HTTP listener, and allows it when ssl-redirect sends HTTP to HTTPS', () => {
    const http = build({ [A('auth-type')]: 'cognito', [A('auth-idp-cognito')]: COGNITO });
    assert.deepEqual(http.issues.map((i) => [i.field, i.code]), [[A('listen-ports'), 'AuthenticationOnHttp']]);
    assert.match(http.issues[0]?.reason ?? '', /asks for authenticate-cognito, which ALB runs on HTTPS listeners only, but port 80 is HTTP/);
    const redirected = build({ [A('listen-ports')]: '[{"HTTP": 80}, {"HTTPS": 443}]', [A('certificate-arn')]: CERT, [A('ssl-redirect')]: '443', [A('auth-type')]: 'cognito', [A('auth-idp-cognito')]: COGNITO });
    assert.deepEqual(redirected.issues, []);
    assert.deepEqual(actionTypes(redirected), [['authenticate-cognito', 'forward']], 'the HTTP listener only redirects; the HTTPS rule authenticates');
  });

  it('jwt-validation goes before the forward; with auth-type on the same rule it is ConflictingAuthentication', () => {
    const jwt = JSON.stringify({ jwksEndpoint: 'https://idp.example.com/jwks', issuer: 'https://idp.example.com' });
    const r = build({ ...HTTPS, [A('jwt-validation')]: jwt });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(first(r), { type: 'jwt-validation', jwtValidationConfig: { jwksEndpoint: 'https://idp.example.com/jwks', issuer: 'https://idp.example.com' } });
    const both = build({ ...HTTPS, [A('jwt-validation')]: jwt }, { svc: { [A('auth-type')]: 'cognito', [A('auth-idp-cognito')]: COGNITO } });
    assert.deepEqual(codes(both), ['Ingress:ConflictingAuthentication']);
  });

  it('a Service asking for authentication behind a weighted forward is AuthenticationNotApplied', () => {
    const split = JSON.stringify({ type: 'forward', forwardConfig: { targetGroups: [{ serviceName: 'api', servicePort: 80, weight: 1 }, { serviceName: 'other', servicePort: 80, weight: 1 }] } });
    const ing = ingress('web', { annotations: { ...HTTPS, [A('actions.split')]: split }, rules: [rule('shop.example.com', path('/', 'split', 'use-annotation'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [service('api', { annotations: { [A('auth-type')]: 'cognito', [A('auth-idp-cognito')]: COGNITO } }), service('other')] }), FACTS, CONFIG);
    assert.deepEqual(codes(r), ['Ingress:AuthenticationNotApplied']);
  });
});

describe('ingress builder: regex paths, regexValues and transforms', () => {
  it('use-regex-path-match: an ImplementationSpecific path less its "/" becomes regexValues; Prefix paths stay wildcards', () => {
    const r = build({ [A('use-regex-path-match')]: 'true' }, { paths: [['/^/api/v[0-9]+$', 'api', 80, 'ImplementationSpecific'], ['/shop', 'api', 80, 'Prefix']] });
    assert.deepEqual(r.issues, []);
    const conds = rules(r).map((x) => x.spec.conditions.find((c) => c.field === 'path-pattern'));
    assert.deepEqual(conds, [
      { field: 'path-pattern', pathPatternConfig: { values: ['/shop', '/shop/*'] } },
      { field: 'path-pattern', pathPatternConfig: { values: [], regexValues: ['^/api/v[0-9]+$'] } },
    ]);
  });

  it('a regex path ALB cannot run is an InvalidPath naming the feature', () => {
    const r = build({ [A('use-regex-path-match')]: 'true' }, { paths: [['/^/(?!admin)', 'api', 80, 'ImplementationSpecific']] });
    assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [['spec.rules[0].http.paths[0].path', 'InvalidPath']]);
    assert.match(r.issues[0]?.reason ?? '', /uses a lookahead/);
  });

  it('host regexValues beside the rule\'s host is ConflictingConditions (ALB takes one kind per condition)', () => {
    const r = build({ [A('conditions.api')]: '[{"field": "host-header", "hostHeaderConfig": {"regexValues": ["^a\\\\.example\\\\.com$"]}}]' });
    assert.deepEqual(codes(r), ['Ingress:ConflictingConditions']);
  });

  it('transforms.<name> goes on every rule of that backend, on every listener', () => {
    const t = '[{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [{"regex": "^/api/(.+)$", "replace": "/$1"}]}}]';
    const r = build({ [A('listen-ports')]: '[{"HTTP": 80}, {"HTTPS": 443}]', [A('certificate-arn')]: CERT, [A('transforms.api')]: t });
    assert.deepEqual(r.issues, []);
    const want: RuleTransform[] = [{ type: 'url-rewrite', urlRewriteConfig: { rewrites: [{ regex: '^/api/(.+)$', replace: '/$1' }] } }];
    assert.deepEqual(rules(r).map((x) => x.spec.transforms), [want, want]);
  });
});

// ---- properties: every value a user can set ----------------------------------------------------------

const TOKEN = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TOKEN), minLength: 1, maxLength: 40 });
/** regular expressions made of parts ALB runs */
const safeRegex = fc.array(fc.constantFrom('a', 'b', '.', '.*', '[0-9]+', '(x|y)', '\\.', '^', '$', '/', '-', '{2,3}', '(?:ab)?', '[^/]'), { minLength: 1, maxLength: 12 }).map((xs) => xs.join(''));
const cognitoAuth = (extra: Record<string, string>) => build({ ...HTTPS, [A('auth-type')]: 'cognito', [A('auth-idp-cognito')]: COGNITO, ...extra });

describe('ingress builder: authentication and rule values (properties)', function () {
  this.timeout(120_000);
  const runs = { numRuns: 60 };

  it('auth-scope, auth-session-cookie, auth-on-unauthenticated-request and auth-session-timeout reach the action exactly', () => {
    fc.assert(fc.property(
      fc.array(token, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(' ')), token, fc.constantFrom('authenticate', 'allow', 'deny'), fc.integer({ min: 1, max: MAX_SESSION_TIMEOUT }), fc.boolean(),
      (scope, cookie, onUnauth, timeout, onService) => {
        const keys = { [A('auth-scope')]: scope, [A('auth-session-cookie')]: cookie, [A('auth-on-unauthenticated-request')]: onUnauth, [A('auth-session-timeout')]: String(timeout) };
        const r = onService
          ? build({ ...HTTPS, [A('auth-idp-cognito')]: COGNITO }, { svc: { [A('auth-type')]: 'cognito', ...keys } })
          : cognitoAuth(keys);
        assert.deepEqual(r.issues, []);
        const a = first(r);
        assert.ok(a?.type === 'authenticate-cognito');
        const c = a.authenticateCognitoConfig;
        assert.deepEqual([c.scope, c.sessionCookieName, c.onUnauthenticatedRequest, c.sessionTimeout], [scope, cookie, onUnauth, timeout]);
      }), runs);
  });

  it('auth-session-timeout outside [1, 604800], and a cookie name with a non-token character, are Issues naming the key', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: MAX_SESSION_TIMEOUT + 1 })), (t) => {
      const r = cognitoAuth({ [A('auth-session-timeout')]: String(t) });
      assert.deepEqual(r.issues.filter((i) => i.object.kind === 'Ingress').map((i) => i.field), [A('auth-session-timeout')]);
      assert.deepEqual(r.stacks, []);
    }), runs);
    fc.assert(fc.property(token, fc.constantFrom(' ', ';', ',', '=', '"', '(', '@'), token, (a, bad, b) => {
      const r = cognitoAuth({ [A('auth-session-cookie')]: a + bad + b });
      assert.deepEqual(r.issues.map((i) => i.field), [A('auth-session-cookie')]);
    }), runs);
  });

  it('auth-idp-cognito and auth-idp-oidc fields reach the action exactly; the OIDC secret never does', () => {
    fc.assert(fc.property(token, fc.stringMatching(/^[a-z0-9-]{1,30}$/), fc.stringMatching(/^[a-z]{1,10}$/), fc.dictionary(token, token, { maxKeys: 3 }), (clientId, domain, host, extra) => {
      const cognito = JSON.stringify({ userPoolARN: POOL, userPoolClientID: clientId, userPoolDomain: domain, authenticationRequestExtraParams: extra });
      const a = first(cognitoAuth({ [A('auth-idp-cognito')]: cognito }));
      assert.ok(a?.type === 'authenticate-cognito');
      assert.deepEqual([a.authenticateCognitoConfig.userPoolClientId, a.authenticateCognitoConfig.userPoolDomain], [clientId, domain]);
      assert.deepEqual(a.authenticateCognitoConfig.authenticationRequestExtraParams, Object.keys(extra).length > 0 ? plain(extra) : undefined);
      const url = (p: string) => `https://${host}.example.com/${p}`;
      const oidc = JSON.stringify({ issuer: url('i'), authorizationEndpoint: url('a'), tokenEndpoint: url('t'), userInfoEndpoint: url('u'), secretName: 'oidc' });
      const r = build({ ...HTTPS, [A('auth-type')]: 'oidc', [A('auth-idp-oidc')]: oidc }, { oidcSecrets: [{ ...SECRET, clientId }] });
      const o = first(r);
      assert.ok(o?.type === 'authenticate-oidc');
      assert.deepEqual([o.authenticateOidcConfig.issuer, o.authenticateOidcConfig.tokenEndpoint, o.authenticateOidcConfig.clientId], [url('i'), url('t'), clientId]);
    }), runs);
  });

  it('auth-idp-oidc endpoints that are not https:// URLs are Issues naming the field', () => {
    fc.assert(fc.property(fc.constantFrom('issuer', 'authorizationEndpoint', 'tokenEndpoint', 'userInfoEndpoint'), fc.constantFrom('http://idp.example.com', 'idp.example.com', '', 'https://'), (field, bad) => {
      const r = build({ ...HTTPS, [A('auth-type')]: 'oidc', [A('auth-idp-oidc')]: JSON.stringify({ ...JSON.parse(OIDC), [field]: bad }) });
      assert.deepEqual(r.issues.map((i) => i.field), [A('auth-idp-oidc')]);
      assert.match(r.issues[0]?.reason ?? '', new RegExp(field));
    }), runs);
  });

  it('jwt-validation: claims reach the action exactly; a built-in claim name is refused', () => {
    const claim = fc.record({ format: fc.constantFrom('single-string', 'string-array', 'space-separated-values'), name: token.filter((n) => !['exp', 'iss', 'nbf', 'iat'].includes(n)), values: fc.array(token, { minLength: 1, maxLength: 10 }) });
    fc.assert(fc.property(fc.uniqueArray(claim, { selector: (c) => c.name, minLength: 1, maxLength: 10 }), (claims) => {
      const r = build({ ...HTTPS, [A('jwt-validation')]: JSON.stringify({ jwksEndpoint: 'https://i.example.com/jwks', issuer: 'i', additionalClaims: claims }) });
      assert.deepEqual(r.issues, []);
      assert.deepEqual(first(r), { type: 'jwt-validation', jwtValidationConfig: { jwksEndpoint: 'https://i.example.com/jwks', issuer: 'i', additionalClaims: plain(claims) } });
    }), runs);
    fc.assert(fc.property(fc.constantFrom('exp', 'iss', 'nbf', 'iat'), (name) => {
      const r = build({ ...HTTPS, [A('jwt-validation')]: JSON.stringify({ jwksEndpoint: 'https://i.example.com/jwks', issuer: 'i', additionalClaims: [{ format: 'single-string', name, values: ['x'] }] }) });
      assert.deepEqual(r.issues.map((i) => i.field), [A('jwt-validation')]);
    }), runs);
  });

  it('regexValues and regex paths ALB can run are kept; any unsupported feature inserted is an Issue naming it', () => {
    fc.assert(fc.property(safeRegex, fc.constantFrom('http-header', 'path-pattern'), (re, field) => {
      assert.equal(regexProblem(re, 128), undefined, re);
      const config = field === 'http-header' ? { httpHeaderConfig: { httpHeaderName: 'X-A', regexValues: [re] } } : { pathPatternConfig: { regexValues: [re] } };
      const r = build({ [A('conditions.api')]: JSON.stringify([{ field, ...config }]) }, { paths: [[undefined, 'api', 80, 'ImplementationSpecific']] });
      assert.deepEqual(r.issues, []);
      const c = rules(r)[0]?.spec.conditions.find((x: RuleCondition) => x.field === field);
      const got = c?.field === 'http-header' ? c.httpHeaderConfig.regexValues : c?.field === 'path-pattern' ? c.pathPatternConfig.regexValues : undefined;
      assert.deepEqual(got, [re]);
      const path = build({ [A('use-regex-path-match')]: 'true' }, { paths: [[`/${re}`, 'api', 80, 'ImplementationSpecific']] });
      assert.deepEqual(path.issues, []);
    }), runs);
    fc.assert(fc.property(safeRegex, safeRegex, fc.constantFrom('(?=a)', '(?!a)', '(?<=a)', '(?<!a)', '(?>a)', 'a++', '(a)\\1', '\\p{L}', '(?R)'), (x, y, bad) => {
      assert.match(regexProblem(x + bad + y, 1024) ?? '', /which ALB regular expressions do not support|AWS limit/);
    }), runs);
  });

  it('transforms.<name>: rewrites reach the rule exactly; one over 1024 characters is refused', () => {
    const rewrite = fc.record({ regex: safeRegex, replace: fc.string({ minLength: 1, maxLength: 40 }) });
    fc.assert(fc.property(fc.array(rewrite, { minLength: 1, maxLength: 3 }), fc.array(rewrite, { minLength: 1, maxLength: 3 }), (url, host) => {
      const t = [{ type: 'url-rewrite', urlRewriteConfig: { rewrites: url } }, { type: 'host-header-rewrite', hostHeaderRewriteConfig: { rewrites: host } }];
      const r = build({ [A('transforms.api')]: JSON.stringify(t) });
      assert.deepEqual(r.issues, []);
      assert.deepEqual(rules(r)[0]?.spec.transforms, plain(t));
    }), runs);
    fc.assert(fc.property(fc.string({ minLength: 1025, maxLength: 1100 }), (long) => {
      const r = build({ [A('transforms.api')]: JSON.stringify([{ type: 'url-rewrite', urlRewriteConfig: { rewrites: [{ regex: 'a', replace: long }] } }]) });
      assert.deepEqual(r.issues.map((i) => i.field), [A('transforms.api')]);
    }), { numRuns: 10 });
  });
});
