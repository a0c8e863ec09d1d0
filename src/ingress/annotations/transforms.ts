// `transforms.<name>`: rewrites of the request (URL, host header) for the rules whose backend is <name>.
// ALB's limits ("Transforms for listener rules", API reference RuleTransform, RewriteConfig): one
// host-header-rewrite and one url-rewrite per rule; each regex and each replacement at most 1,024 characters.
import type { Rewrite, RuleTransform } from '../../model/index.ts';
import type { AnnotatedObject, Parsed } from './index.ts';
import { array, at, expected, fault, get, json, object, optString, reqObject, type Obj } from './json.ts';
import { MAX_REWRITE, regexProblem } from './regex.ts';
import { has, issue, PREFIX, readOne } from './values.ts';

const TYPES = { 'host-header-rewrite': 'hostHeaderRewriteConfig', 'url-rewrite': 'urlRewriteConfig' } as const;
type TransformType = keyof typeof TYPES;

function rewrites(c: Obj): Rewrite[] {
  const path = at(c.path, 'rewrites');
  const list = array(get(c, 'rewrites'), path, 'a non-empty array such as [{"regex": "^/api/(.+)$", "replace": "/$1"}]');
  if (list.length === 0) fault(path, 'must not be empty');
  return list.map((item, i) => {
    const r = object(item, at(path, i), 'an object such as {"regex": "^/api/(.+)$", "replace": "/$1"}');
    const regex = optString(r, 'regex') ?? '';
    const bad = regexProblem(regex, MAX_REWRITE);
    if (bad) fault(at(r.path, 'regex'), bad);
    const replace = optString(r, 'replace') ?? '';
    if (replace === '') fault(at(r.path, 'replace'), 'is required');
    if (replace.length > MAX_REWRITE) fault(at(r.path, 'replace'), `is ${replace.length} characters long; at most ${MAX_REWRITE} are allowed (AWS limit)`);
    return { regex, replace };
  });
}

function transform(o: Obj): RuleTransform {
  const type = optString(o, 'type');
  if (type === undefined) fault(at(o.path, 'type'), 'is required: host-header-rewrite or url-rewrite');
  if (!Object.hasOwn(TYPES, type)) expected(at(o.path, 'type'), 'host-header-rewrite or url-rewrite', type);
  const t = type as TransformType;
  const c = reqObject(o, TYPES[t], `for type ${t}`);
  return t === 'host-header-rewrite'
    ? { type: t, hostHeaderRewriteConfig: { rewrites: rewrites(c) } }
    : { type: t, urlRewriteConfig: { rewrites: rewrites(c) } };
}

const transforms = json((v): RuleTransform[] => {
  const list = array(v, '', 'a JSON array such as [{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [{"regex": "^/api/(.+)$", "replace": "/$1"}]}}]');
  const out = list.map((item, i) => transform(object(item, at('', i))));
  const seen = new Set<string>();
  out.forEach((t, i) => {
    if (seen.has(t.type)) fault(at('', i), `a second ${t.type}; a rule takes one host-header-rewrite and one url-rewrite transform at most (AWS limit)`);
    seen.add(t.type);
  });
  return out;
});

/** the transforms for backend <name>; [] when the annotation is absent */
export function parseTransforms(ing: AnnotatedObject, name: string): Parsed<RuleTransform[]> {
  const suffix = `transforms.${name}`;
  if (!has(ing, PREFIX + suffix)) return { value: [], issues: [] };
  const r = readOne(ing, suffix, transforms);
  return r.ok ? { value: r.value, issues: [] } : { value: [], issues: [issue(ing.ref, suffix, r.reason)] };
}
