// Value shapes: each annotation value is parsed by exactly one small typed parser (a Shape), and each
// annotation is one table row naming its key suffix and its Shape. Shapes never throw; they return a
// reason that says what was expected and shows what was given.
import { RESERVED_TAG_KEYS, type Issue, type ObjectRef } from '../../model/index.ts';
import { ANNOTATION_PREFIX, parseGoBool } from '../../model/upstream-keys.ts';
import { CAPS, longerThanBytes } from '../caps.ts';
import type { AnnotatedObject, Parsed } from './index.ts';

export const PREFIX = ANNOTATION_PREFIX;
export const INVALID = 'InvalidAnnotation';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (reason: string): { readonly ok: false; readonly reason: string } => ({ ok: false, reason });

/** parses one raw annotation value */
export type Shape<T> = (raw: string) => Result<T>;
/** validates an already-typed value; returns a reason, or undefined when fine */
export type Check<T> = (v: T) => string | undefined;

const MAX_SHOWN = 60;

/** A value for a message: strings quoted and cut to ~60 chars; containers named, never serialised
 *  (a deeply nested value must not blow the stack). */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN - 3)}...` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** `prefix`: the annotation family (alb.ingress.kubernetes.io/ by default; service.beta.kubernetes.io/ for Services) */
export const issue = (object: ObjectRef, suffix: string, reason: string, prefix = PREFIX): Issue => ({ object, field: prefix + suffix, code: INVALID, reason });

export const has = (o: AnnotatedObject | undefined, key: string): boolean =>
  o !== undefined && typeof o.annotations === 'object' && o.annotations !== null && Object.hasOwn(o.annotations, key);

// ---- scalar shapes --------------------------------------------------------------------------

export const refine = <T>(shape: Shape<T>, ...checks: Check<T>[]): Shape<T> => (raw) => {
  const r = shape(raw);
  if (!r.ok) return r;
  for (const check of checks) {
    const reason = check(r.value);
    if (reason !== undefined) return fail(reason);
  }
  return r;
};

/** any string; `what` describes the expected form for the empty case */
export const text = (what = 'a non-empty value'): Shape<string> => (raw) => (raw.length > 0 ? ok(raw) : fail(`expected ${what}, got ""`));

/** a string that must match `re`; `what` describes it for people */
export const matching = (re: RegExp, what: string, maxLength = Infinity): Shape<string> => (raw) =>
  raw.length <= maxLength && re.test(raw) ? ok(raw) : fail(`expected ${what}, got ${show(raw)}`);

export const oneOf = <T extends string>(values: readonly T[]): Shape<T> => (raw) =>
  (values as readonly string[]).includes(raw) ? ok(raw as T) : fail(`expected one of ${values.join(', ')}, got ${show(raw)}`);

/** Go's strconv.ParseBool spellings */
export const bool: Shape<boolean> = (raw) => {
  const b = parseGoBool(raw);
  return b === undefined ? fail(`expected true or false, got ${show(raw)}`) : ok(b);
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** a base-10 int32 (as Go's ParseInt(s, 10, 32)), then limited to [min, max] */
export const int32 = (min = INT32_MIN, max = INT32_MAX): Shape<number> => (raw) => {
  const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= min && n <= max && n >= INT32_MIN && n <= INT32_MAX
    ? ok(n)
    : fail(`expected an integer in [${min}, ${max}], got ${show(raw)}`);
};

export const port = int32(1, 65535);

// ---- list and map shapes --------------------------------------------------------------------

/** comma split, whitespace trimmed, empties dropped; every item checked */
export const stringList = (...checks: Check<string>[]): Shape<string[]> => (raw) => {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const [i, item] of items.entries()) {
    for (const check of checks) {
      const reason = check(item);
      if (reason !== undefined) return fail(`item ${i + 1}: ${reason}`);
    }
  }
  return ok(items);
};

/** Split on commas that are not escaped as `\,`, then unescape. */
function splitUnescaped(raw: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\' && raw[i + 1] === ',') { cur += ','; i++; continue; }
    if (raw[i] === ',') { out.push(cur); cur = ''; continue; }
    cur += raw[i];
  }
  out.push(cur);
  return out;
}

/** `k=v,k2=v2`: split on the first `=`, trimmed, `\,` escapes a comma; `check` sees each pair */
export const stringMap = (check?: (key: string, value: string) => string | undefined): Shape<Record<string, string>> => (raw) => {
  const entries: [string, string][] = [];
  for (const pair of splitUnescaped(raw)) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) return fail(`expected key=value pairs separated by commas, got ${show(pair.trim())} without "="`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (key === '') return fail(`expected key=value pairs separated by commas, got ${show(pair.trim())} with an empty key`);
    const reason = check?.(key, value);
    if (reason !== undefined) return fail(reason);
    entries.push([key, value]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays an ordinary key
  return ok(Object.fromEntries(entries));
};

/** `CapacityUnits=<n>`, the only key of a load balancer's minimum capacity (ModifyCapacityReservation); 0 resets it */
export const capacityUnits: Shape<number> = (raw) => {
  const m = stringMap()(raw);
  if (!m.ok) return m;
  const keys = Object.keys(m.value);
  if (keys.length !== 1 || keys[0] !== 'CapacityUnits') return fail(`expected CapacityUnits=<number>, got ${show(raw)}`);
  const n = int32(0)(m.value['CapacityUnits'] ?? '');
  return n.ok ? n : fail(`CapacityUnits: ${n.reason}`);
};

// ---- reusable checks ------------------------------------------------------------------------

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

export function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return false;
  let body = s;
  if (s.includes('.')) {
    // an embedded IPv4 tail counts as two groups
    const cut = s.lastIndexOf(':');
    if (cut < 0 || !IPV4.test(s.slice(cut + 1))) return false;
    body = `${s.slice(0, cut + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

export function isCidr(s: string): boolean {
  const parts = s.split('/');
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1] ?? '')) return false;
  const bits = Number(parts[1]);
  const ip = parts[0] ?? '';
  return IPV4.test(ip) ? bits <= 32 : isIPv6(ip) && bits <= 128;
}

export const cidr: Check<string> = (s) => (isCidr(s) ? undefined : `expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32, got ${show(s)}`);

export const arn: Check<string> = (s) =>
  /^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d*:\S+$/.test(s) ? undefined : `expected an ARN such as arn:aws:acm:us-east-1:123456789012:certificate/..., got ${show(s)}`;

/**
 * A listener certificate: an ACM certificate or an IAM server certificate, the two kinds a listener takes
 * (ELBv2 API reference, Certificate: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Certificate.html).
 */
export const certificateArn: Check<string> = (s) => arn(s) ?? (
  /^arn:[a-z0-9-]+:acm:[a-z0-9-]+:\d*:certificate\/\S+$/.test(s) || /^arn:[a-z0-9-]+:iam::\d*:server-certificate\/\S+$/.test(s)
    ? undefined : `expected an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/...) or an IAM server certificate ARN, got ${show(s)}`);

/** an AWS Private CA (acm-pca-arn): arn:<partition>:acm-pca:<region>:<account>:certificate-authority/<id> */
export const PCA_ARN = /^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[0-9A-Za-z-]{1,200}$/;
export const pcaArn: Check<string> = (s) => (PCA_ARN.test(s) ? undefined
  : `expected a private certificate authority ARN (arn:aws:acm-pca:<region>:<12-digit account>:certificate-authority/<id>), got ${show(s)}`);

/**
 * ALB listeners take only AWS's predefined security policies, all named ELBSecurityPolicy-... (no custom
 * policies: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
 */
export const SSL_POLICY = /^ELBSecurityPolicy-[A-Za-z0-9-]{1,100}$/;
export const sslPolicy: Check<string> = (s) =>
  SSL_POLICY.test(s) ? undefined : `expected a predefined security policy such as ELBSecurityPolicy-TLS13-1-2-2021-06, got ${show(s)}`;

/** an EC2 managed prefix list ID: "pl-" and 8 or 17 hex digits */
export const PREFIX_LIST_ID = /^pl-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
export const prefixListId: Check<string> = (s) =>
  (PREFIX_LIST_ID.test(s) ? undefined : `expected a managed prefix list ID such as pl-0123456789abcdef0, got ${show(s)}`);

/**
 * An IPAM pool for an ALB's public IPv4 addresses: ELBv2 IpamPools.Ipv4IpamPoolId, pattern ^(ipam-pool-)[a-zA-Z0-9]+$,
 * at most 1000 characters (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_IpamPools.html)
 */
export const IPAM_POOL_ID = /^ipam-pool-[a-zA-Z0-9]+$/;
export const IPAM_POOL_ID_MAX = 1000;
export const ipamPoolId: Check<string> = (s) => (s.length <= IPAM_POOL_ID_MAX && IPAM_POOL_ID.test(s) ? undefined
  : `expected an IPAM pool ID such as ipam-pool-0f995c17c00375b48 ("ipam-pool-" then letters and digits, at most ${IPAM_POOL_ID_MAX} characters: the ELBv2 IpamPools limit), got ${show(s)}`);

/**
 * A customer-owned IPv4 pool (Outposts): ELBv2 CreateLoadBalancer CustomerOwnedIpv4Pool, pattern ^(ipv4pool-coip-)[a-zA-Z0-9]+$,
 * at most 256 characters (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html)
 */
export const COIP_POOL_ID = /^ipv4pool-coip-[a-zA-Z0-9]+$/;
export const COIP_POOL_ID_MAX = 256;
export const coipPoolId: Check<string> = (s) => (s.length <= COIP_POOL_ID_MAX && COIP_POOL_ID.test(s) ? undefined
  : `expected a customer-owned IPv4 pool ID such as ipv4pool-coip-0123456789abcdef0 ("ipv4pool-coip-" then letters and digits, at most ${COIP_POOL_ID_MAX} characters: the ELBv2 CreateLoadBalancer limit), got ${show(s)}`);

export const inRange = (min: number, max: number): Check<number> => (n) =>
  n >= min && n <= max ? undefined : `expected an integer in [${min}, ${max}], got ${n}`;

// ---- running a table ------------------------------------------------------------------------

/** One row per annotation: key suffix (after the prefix) and the Shape of its value. */
export type Table<V> = { readonly [K in keyof V]-?: readonly [suffix: string, shape: Shape<NonNullable<V[K]>>] };

/**
 * Reads one annotation of `obj` through `shape`; an unexpected exception becomes a reason. A value over the
 * size cap is refused before it is parsed.
 */
export function readOne<T>(obj: AnnotatedObject, suffix: string, shape: Shape<T>, prefix = PREFIX): Result<T> {
  const raw: unknown = obj.annotations[prefix + suffix];
  try {
    if (typeof raw !== 'string') return fail(`expected a string, got ${show(raw)}`);
    if (longerThanBytes(raw, CAPS.annotationValueBytes)) {
      return fail(`is over ${CAPS.annotationValueBytes} bytes long (${raw.length} characters); this controller reads at most ${CAPS.annotationValueBytes} bytes of one annotation value`);
    }
    return shape(raw);
  } catch (e) {
    return fail(`could not be read: ${e instanceof Error ? e.message : show(e)}`);
  }
}

/** A list or map with no items means the same as leaving the annotation out (upstream checks len). */
const isEmpty = (v: unknown): boolean =>
  Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0;

/**
 * Reads every row of `table`. `source` picks the object a key is read from (the Service before the
 * Ingress for backend annotations), so an issue names the object that holds the bad value.
 */
export function readTable<V>(table: Table<V>, source: (key: string) => AnnotatedObject | undefined, prefix = PREFIX): Parsed<Partial<V>> & { from: Partial<Record<keyof V, AnnotatedObject>> } {
  const value: Partial<V> = {};
  const from: Partial<Record<keyof V, AnnotatedObject>> = {};
  const issues: Issue[] = [];
  for (const field of Object.keys(table) as (keyof V)[]) {
    const [suffix, shape] = table[field];
    const obj = source(prefix + suffix);
    if (obj === undefined) continue;
    const r = readOne(obj, suffix, shape, prefix);
    if (!r.ok) issues.push(issue(obj.ref, suffix, r.reason, prefix));
    else if (!isEmpty(r.value)) {
      value[field] = r.value;
      from[field] = obj;
    }
  }
  return { value, issues, from };
}

// ---- shapes shared by both families ---------------------------------------------------------

/**
 * Letters, numbers and spaces (Unicode) and _ . : / = + - @: the pattern of an ELBv2 tag key and value
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Tag.html). Control characters,
 * tabs and newlines are not among them.
 */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;

/** the first character of `s` that `allowed` refuses, shown for people ("U+0009" for invisible ones) */
function badChar(s: string, allowed: RegExp): string {
  const c = [...s].find((ch) => !allowed.test(ch)) ?? '';
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c) ? `"${c}"` : `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why AWS (or the controller) would refuse the tag `key=value`, or undefined. Lengths and characters are
 * the ELBv2 Tag's; leading and trailing spaces are refused as the ALB guide asks
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-tags.html).
 */
export function tagProblem(key: string, value: string): string | undefined {
  if (key === '') return 'a tag key must not be empty';
  if (RESERVED_TAG_KEYS.includes(key)) return `tag key ${show(key)} is reserved for the controller`;
  if (key.toLowerCase().startsWith('aws:')) return `tag key ${show(key)} uses the prefix "aws:", which AWS reserves`;
  if (key.length > TAG_KEY_MAX) return `tag key ${show(key)} is ${key.length} characters long; at most ${TAG_KEY_MAX} are allowed`;
  if (value.length > TAG_VALUE_MAX) return `the value of tag ${show(key)} is ${value.length} characters long; at most ${TAG_VALUE_MAX} are allowed`;
  const chars = 'AWS allows letters, numbers, spaces and _ . : / = + - @';
  if (!TAG_CHARS.test(key)) return `tag key ${show(key)} contains ${badChar(key, TAG_CHARS)}; ${chars}`;
  if (!TAG_CHARS.test(value)) return `the value of tag ${show(key)} contains ${badChar(value, TAG_CHARS)}; ${chars}`;
  if (key !== key.trim() || value !== value.trim()) return `tag ${show(key)} has a leading or trailing space, which AWS does not allow`;
  return undefined;
}

/** AWS tag limits, and keys the controller itself owns */
export const tags: Shape<Record<string, string>> = stringMap(tagProblem);
