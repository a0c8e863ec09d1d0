// `conditions.<name>`: extra rule conditions, in JSON, for the rules whose backend is <name>.
// Checked against ALB's limits here, so a bad value is reported on the Ingress rather than by AWS.
import type { RuleCondition } from '../../model/index.ts';
import type { AnnotatedObject, Parsed } from './index.ts';
import { array, at, checkedString, expected, fault, get, json, object, optString, reqObject, stringValues, type Obj } from './json.ts';
import { cidr, has, issue, PREFIX, readOne, show } from './values.ts';

// Value rules from "Condition types for listener rules"
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html) and the ELBv2
// API reference (HostHeaderConditionConfig, PathPatternConditionConfig, HttpHeaderConditionConfig).
const MAX_VALUE = 128;
const CONFIG_OF = {
  'host-header': 'hostHeaderConfig',
  'path-pattern': 'pathPatternConfig',
  'http-header': 'httpHeaderConfig',
  'http-request-method': 'httpRequestMethodConfig',
  'query-string': 'queryStringConfig',
  'source-ip': 'sourceIpConfig',
} as const;
type Field = keyof typeof CONFIG_OF;
const FIELDS = Object.keys(CONFIG_OF) as Field[];

/** a value check: length, then characters ALB accepts */
const chars = (re: RegExp, what: string) => (s: string): string | undefined =>
  s.length === 0 ? 'must not be empty'
    : s.length > MAX_VALUE ? `is ${s.length} characters long; at most ${MAX_VALUE} are allowed`
      : re.test(s) ? undefined : `expected ${what}, got ${show(s)}`;

const HOST_CHARS = chars(/^[A-Za-z0-9.*?-]+$/, 'a host name of letters, digits, "-", ".", "*" and "?"');
/** a host-header value (also an Ingress rule's host): at least one ".", and only letters after the last one */
export const hostHeaderValue = (s: string): string | undefined => HOST_CHARS(s)
  ?? (/\.[A-Za-z]+$/.test(s) ? undefined : `expected a host name with at least one "." and only letters after the last ".", got ${show(s)}`);
/** a path-pattern value (also each pattern made from an Ingress path) */
export const pathPatternValue = chars(/^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/, 'a path of letters, digits and _-.$/~"\'@:+&*?');
/** http-header and query-string values: rules see visible ASCII only, so no control characters (0x00-0x1f, 0x7f) */
const VISIBLE = chars(/^[^\x00-\x1f\x7f]+$/, 'a value without control characters');
const METHOD = chars(/^[A-Z_-]{1,40}$/, 'an upper-case method name such as GET (A-Z, "-", "_", at most 40)');
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,40}$/;

function queryValues(c: Obj): { key?: string; value: string }[] {
  const path = at(c.path, 'values');
  const list = array(get(c, 'values'), path, 'a non-empty array of {"key": ..., "value": ...}');
  if (list.length === 0) fault(path, 'must not be empty');
  return list.map((item, i) => {
    const kv = object(item, at(path, i), 'an object such as {"key": "version", "value": "v2"}');
    const visible = { test: (x: string) => x === '' || VISIBLE(x) === undefined, what: 'a value without control characters' };
    const key = checkedString(kv, 'key', MAX_VALUE, visible);
    const value = checkedString(kv, 'value', MAX_VALUE, visible);
    if (value === undefined || value === '') fault(at(kv.path, 'value'), 'is required');
    return key === undefined ? { value } : { key, value };
  });
}

function condition(o: Obj): RuleCondition {
  const field = optString(o, 'field');
  if (field === undefined) fault(at(o.path, 'field'), `is required: one of ${FIELDS.join(', ')}`);
  if (!(FIELDS as string[]).includes(field)) expected(at(o.path, 'field'), `one of ${FIELDS.join(', ')}`, field);
  const f = field as Field;
  const c = reqObject(o, CONFIG_OF[f], `for field ${f}`);
  if (get(c, 'regexValues') !== undefined) fault(at(c.path, 'regexValues'), 'is not supported; use values (with * and ? wildcards)');
  switch (f) {
    case 'host-header': return { field: f, hostHeaderConfig: { values: stringValues(c, 'values', hostHeaderValue) } };
    case 'path-pattern': return { field: f, pathPatternConfig: { values: stringValues(c, 'values', pathPatternValue) } };
    case 'http-request-method': return { field: f, httpRequestMethodConfig: { values: stringValues(c, 'values', METHOD) } };
    case 'source-ip': return { field: f, sourceIpConfig: { values: stringValues(c, 'values', cidr) } };
    case 'query-string': return { field: f, queryStringConfig: { values: queryValues(c) } };
    case 'http-header': {
      const name = optString(c, 'httpHeaderName');
      if (name === undefined || name === '') fault(at(c.path, 'httpHeaderName'), 'is required');
      if (!HEADER_NAME.test(name)) expected(at(c.path, 'httpHeaderName'), 'an HTTP header name of at most 40 token characters', name);
      return { field: f, httpHeaderConfig: { httpHeaderName: name, values: stringValues(c, 'values', VISIBLE) } };
    }
  }
}

const conditions = json((v): RuleCondition[] =>
  array(v, '', 'a JSON array such as [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Env", "values": ["beta"]}}]')
    .map((item, i) => condition(object(item, at('', i)))));

export function parseConditions(ing: AnnotatedObject, name: string): Parsed<RuleCondition[]> {
  const suffix = `conditions.${name}`;
  if (!has(ing, PREFIX + suffix)) return { value: [], issues: [] };
  const r = readOne(ing, suffix, conditions);
  return r.ok ? { value: r.value, issues: [] } : { value: [], issues: [issue(ing.ref, suffix, r.reason)] };
}
