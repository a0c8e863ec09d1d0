// Normal forms for listener actions and rule conditions, so that what AWS reports back (defaults filled in,
// lists in its own order) compares equal to what the builder wrote.
import { canonicalJson, isPlainObject } from '../values.ts';

type Obj = Record<string, unknown>;

const REDIRECT_DEFAULTS: Obj = { protocol: '#{protocol}', port: '#{port}', host: '#{host}', path: '/#{path}', query: '#{query}' };

function normalizeAction(a: unknown): unknown {
  if (!isPlainObject(a)) return a;
  if (a.type === 'forward' && isPlainObject(a.forwardConfig)) {
    const fc = a.forwardConfig;
    const tgs = Array.isArray(fc.targetGroups) ? fc.targetGroups : [];
    const targetGroups = tgs
      .map((t: unknown) => (isPlainObject(t) ? { targetGroupArn: t.targetGroupArn, weight: t.weight ?? 1 } : t))
      .sort((x, y) => canonicalJson(x).localeCompare(canonicalJson(y)));
    const st = isPlainObject(fc.targetGroupStickinessConfig) ? fc.targetGroupStickinessConfig : { enabled: false };
    const stickiness = st.enabled === true ? { enabled: true, durationSeconds: st.durationSeconds } : { enabled: false };
    return { type: 'forward', forwardConfig: { targetGroups, targetGroupStickinessConfig: stickiness } };
  }
  if (a.type === 'redirect' && isPlainObject(a.redirectConfig)) {
    const rc: Obj = { ...REDIRECT_DEFAULTS };
    for (const [k, v] of Object.entries(a.redirectConfig)) if (v !== undefined) rc[k] = v;
    return { type: 'redirect', redirectConfig: rc };
  }
  if (a.type === 'fixed-response' && isPlainObject(a.fixedResponseConfig)) {
    const f = a.fixedResponseConfig;
    return { type: 'fixed-response', fixedResponseConfig: { statusCode: f.statusCode, contentType: f.contentType || undefined, messageBody: f.messageBody || undefined } };
  }
  if (a.type === 'authenticate-oidc' && isPlainObject(a.authenticateOidcConfig)) {
    // AWS never returns the client secret: the Secret it came from is ours to know, only the digests compare
    const c = a.authenticateOidcConfig;
    const digest = isPlainObject(c.clientSecret) ? c.clientSecret.digest : undefined;
    return { type: a.type, authenticateOidcConfig: { ...c, clientSecret: { digest } } };
  }
  return a;
}

export const normalizeActions = (v: unknown): unknown => (Array.isArray(v) ? v.map(normalizeAction) : v);

function sortValues(config: unknown): unknown {
  if (!isPlainObject(config) || !Array.isArray(config.values)) return config;
  return { ...config, values: [...config.values].sort((x, y) => canonicalJson(x).localeCompare(canonicalJson(y))) };
}

function normalizeCondition(c: unknown): unknown {
  if (!isPlainObject(c)) return c;
  const out: Obj = {};
  for (const [k, v] of Object.entries(c)) out[k] = k.endsWith('Config') ? sortValues(v) : v;
  return out;
}

/** conditions are a set (AWS ANDs them); values inside one condition are a set too (ORed) */
export const normalizeConditions = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(normalizeCondition).sort((x, y) => canonicalJson(x).localeCompare(canonicalJson(y))) : v;

/** the default certificate is the first; the rest (SNI) are a set */
export const normalizeCertificates = (v: unknown): unknown => {
  if (!Array.isArray(v) || v.length === 0) return v;
  const [first, ...rest] = v;
  return [first, ...rest.map((x) => canonicalJson(x)).sort()];
};

/** no transforms and an empty list are the same; a rule takes at most one of each type, so order is by type */
export const normalizeTransforms = (v: unknown): unknown =>
  (v === undefined ? [] : Array.isArray(v) ? [...v].sort((x, y) => canonicalJson(x).localeCompare(canonicalJson(y))) : v);
