// Any annotation map, however broken, yields values and issues; never an exception. Every issue names
// the object that carried the key, the key itself, and a reason.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BACKEND_TABLE, INGRESS_TABLE, parseAction, parseBackendAnnotations, parseConditions, parseIngressAnnotations, type AnnotatedObject } from '../../../../src/ingress/annotations/index.ts';
import type { Issue } from '../../../../src/model/index.ts';
import { P } from './helpers.ts';

const NAMES = ['a', 'fw', 'x.y', ''];
const SUFFIXES = [
  ...Object.values(INGRESS_TABLE).map(([s]) => s),
  ...Object.values(BACKEND_TABLE).map(([s]) => s),
  ...NAMES.flatMap((n) => [`actions.${n}`, `conditions.${n}`]),
];

// JSON-ish values built from the words our parsers look for, so that the walkers get deep
const WORDS = ['type', 'Type', 'forward', 'redirect', 'fixed-response', 'forwardConfig', 'ForwardConfig', 'targetGroups', 'TargetGroups',
  'serviceName', 'servicePort', 'weight', 'targetGroupARN', 'targetGroupName', 'targetGroupStickinessConfig', 'enabled', 'durationSeconds',
  'redirectConfig', 'fixedResponseConfig', 'statusCode', 'contentType', 'messageBody', 'protocol', 'port', 'host', 'path', 'query',
  'HTTP_301', 'HTTP_302', '503', 'text/plain', 'field', 'values', 'Values', 'regexValues', 'host-header', 'hostHeaderConfig', 'path-pattern',
  'pathPatternConfig', 'http-header', 'httpHeaderConfig', 'httpHeaderName', 'http-request-method', 'httpRequestMethodConfig', 'query-string',
  'queryStringConfig', 'key', 'value', 'source-ip', 'sourceIpConfig', 'HTTP', 'HTTPS', '10.0.0.0/8', '__proto__', 'constructor', 'toString',
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/y'];
const word = fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 8 }));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    word, fc.integer({ min: -5, max: 70000 }), fc.double(), fc.boolean(), fc.constant(null),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(word, tie('tree'), { maxKeys: 4 })),
}));

// Near-valid actions and conditions: every field optional, each either plausible or random, and keys
// capitalised at random (upstream's decoder ignores key case), so the walkers are exercised in depth.
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: tree });
const rec = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) => fc.record(fields, { requiredKeys: [] });
const strs = (...xs: string[]) => fc.array(maybe(fc.constantFrom(...xs)), { maxLength: 4 });
const tuple = rec({
  serviceName: maybe(fc.constantFrom('a', 'b', '')), servicePort: maybe(fc.constantFrom(80, 'http', 0, '', 65536, 1.5)),
  targetGroupARN: maybe(fc.constantFrom('arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/y', 'nope')),
  targetGroupName: maybe(fc.constantFrom('tg', '')), weight: maybe(fc.integer({ min: -1, max: 1000 })),
});
const action = rec({
  type: maybe(fc.constantFrom('forward', 'redirect', 'fixed-response', 'oidc')),
  targetGroupARN: maybe(fc.constantFrom('arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/y', 'x')),
  forwardConfig: maybe(rec({
    targetGroups: maybe(fc.array(tuple, { maxLength: 6 })),
    targetGroupStickinessConfig: maybe(rec({ enabled: maybe(fc.boolean()), durationSeconds: maybe(fc.integer({ min: 0, max: 700000 })) })),
  })),
  redirectConfig: maybe(rec({
    protocol: maybe(fc.constantFrom('HTTPS', '#{protocol}', 'ftp')), port: maybe(fc.constantFrom('443', '#{port}', '0')),
    host: maybe(fc.constantFrom('a.com', '#{host}')), path: maybe(fc.constantFrom('/x', '/#{path}', 'x')), query: maybe(fc.constantFrom('a=b', '?a')),
    statusCode: maybe(fc.constantFrom('HTTP_301', 'HTTP_302', '301')),
  })),
  fixedResponseConfig: maybe(rec({
    statusCode: maybe(fc.constantFrom('200', '404', '503', '302', '')), contentType: maybe(fc.constantFrom('text/plain', 'image/png')), messageBody: maybe(fc.string()),
  })),
});
const condition = rec({
  field: maybe(fc.constantFrom('host-header', 'path-pattern', 'http-header', 'http-request-method', 'query-string', 'source-ip', 'cookie')),
  hostHeaderConfig: maybe(rec({ values: strs('a.com', '*.b.org', 'a b', ''), regexValues: strs('^a$') })),
  pathPatternConfig: maybe(rec({ values: strs('/a', '/b/*', '/ c') })),
  httpHeaderConfig: maybe(rec({ httpHeaderName: maybe(fc.constantFrom('X-Env', 'X Env', '')), values: strs('beta', '') })),
  httpRequestMethodConfig: maybe(rec({ values: strs('GET', 'get', 'PO ST') })),
  queryStringConfig: maybe(rec({ values: fc.array(maybe(rec({ key: maybe(fc.constantFrom('k', '')), value: maybe(fc.constantFrom('v', '')) })), { maxLength: 3 }) })),
  sourceIpConfig: maybe(rec({ values: strs('10.0.0.0/8', '::/0', '10.0.0.1') })),
});
const recase = (v: unknown, up: boolean): unknown =>
  Array.isArray(v) ? v.map((x) => recase(x, up))
    : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [up ? k[0]?.toUpperCase() + k.slice(1) : k, recase(x, up)]))
      : v;
const structured = fc.tuple(fc.oneof(action, fc.array(condition, { maxLength: 3 })), fc.boolean()).map(([v, up]) => JSON.stringify(recase(v, up)));
const jsonish = fc.oneof(tree.map((v) => JSON.stringify(v)), structured);
const brokenJson = jsonish.chain((s) => fc.nat(s.length).map((n) => s.slice(0, n)));
const scalarish = fc.oneof(
  fc.constantFrom('', ' ', 'true', '0', '-1', '443', '65536', 'internal', 'ip', 'GRPC', 'traffic-port', '200-299', '0-99', 'a=b,c', 'a\\,b=c',
    '=', ',', '10.0.0.0/8,::/0', 'elbv2.k8s.aws/cluster=x', '[{"HTTP":80}]', '[{"HTTPS":443},{"HTTP":443}]'),
  fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
const value = fc.oneof(scalarish, jsonish, brokenJson);

const annotations = fc.dictionary(fc.constantFrom(...SUFFIXES), value, { maxKeys: 8 })
  .map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [P + k, v])));

const ing = (annotations: Record<string, string>): AnnotatedObject => ({ ref: { kind: 'Ingress', namespace: 'ns', name: 'ing' }, annotations });
const svc = (annotations: Record<string, string>): AnnotatedObject => ({ ref: { kind: 'Service', namespace: 'ns', name: 'svc' }, annotations });

function assertWellFormed(issues: readonly Issue[], holders: readonly AnnotatedObject[]): void {
  for (const i of issues) {
    const holder = holders.find((h) => h.ref === i.object);
    assert.ok(holder, `issue names an object that was not given: ${JSON.stringify(i.object)}`);
    assert.ok(Object.hasOwn(holder.annotations, i.field), `issue field ${i.field} is not a key of ${holder.ref.kind}`);
    assert.equal(i.code, 'InvalidAnnotation');
    assert.ok(typeof i.reason === 'string' && i.reason.length > 0, 'empty reason');
  }
}

describe('ingress annotations: property: any input gives values and well-formed issues', function () {
  this.timeout(120_000);

  it('holds for 10,000 random annotation maps on an Ingress and a Service', () => {
    fc.assert(fc.property(annotations, annotations, fc.boolean(), (ia, sa, withService) => {
      const i = ing(ia);
      const s = withService ? svc(sa) : undefined;
      const holders = s ? [i, s] : [i];
      assertWellFormed(parseIngressAnnotations(i).issues, [i]);
      assertWellFormed(parseBackendAnnotations(i, s).issues, holders);
      for (const n of NAMES) {
        const a = parseAction(i, n);
        assertWellFormed(a.issues, [i]);
        assert.equal(a.value === undefined || a.issues.length === 0, true, 'an action with issues has no value');
        const c = parseConditions(i, n);
        assertWellFormed(c.issues, [i]);
        assert.ok(Array.isArray(c.value));
      }
    }), { numRuns: 10_000 });
  });

  it('sets a field only when its annotation is present, and never both a value and an issue for it', () => {
    fc.assert(fc.property(annotations, annotations, (ia, sa) => {
      for (const [table, parsed] of [
        [INGRESS_TABLE, parseIngressAnnotations(ing(ia))],
        [BACKEND_TABLE, parseBackendAnnotations(ing(ia), svc(sa))],
      ] as const) {
        const fields = parsed.issues.map((i) => i.field);
        for (const [field, [suffix]] of Object.entries(table)) {
          const set = (parsed.value as Record<string, unknown>)[field] !== undefined;
          if (set) assert.ok(Object.hasOwn(ia, P + suffix) || (table === BACKEND_TABLE && Object.hasOwn(sa, P + suffix)), `${field} set from nowhere`);
          if (set && fields.includes(P + suffix) && !suffix.startsWith('healthcheck-')) assert.fail(`${field} has both a value and an issue`);
        }
      }
    }), { numRuns: 2_000 });
  });
});
