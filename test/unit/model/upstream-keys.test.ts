// The registry of upstream keys against everything that must agree with it: the annotation parsers, the flag
// parser, the feature gates, the CRDs and the docs. UPDATE_GOLDEN=1 rewrites the generated parts of the docs.
import { TARGET_CONTROL_PORT_PREFIX } from '../../../src/ingress/build-target-groups.ts';
import { FRONTEND_NLB_TABLE } from '../../../src/ingress/annotations/frontend-nlb.ts';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { flagUsage } from '../../../src/config/config.ts';
import { FEATURE_GATE_DEFAULTS } from '../../../src/config/feature-gates.ts';
import { AUTH_TABLE, BACKEND_TABLE, INGRESS_TABLE, JWT_VALIDATION, LISTENER_ATTRIBUTES_PREFIX } from '../../../src/ingress/annotations/index.ts';
import {
  ANNOTATION_KEYS, ANNOTATION_PREFIX, FIELD_KEYS, FLAG_KEYS, GATE_KEYS, OWN_FLAGS, SERVICE_KEYS, UPSTREAM_KEYS, annotationKey, flagKey, isHarmless,
  keyMatches, refuses, serviceAnnotationKey,
} from '../../../src/model/upstream-keys.ts';
import { GENERATED, generatedPart, withGeneratedPart } from './registry-docs.ts';

const read = (file: string): string => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
const suffix = (key: string): string => key.slice(ANNOTATION_PREFIX.length);

/** the backticked first cells of the table rows in the `## heading` section of a doc */
function tableKeys(doc: string, heading: string): string[] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `section "${heading}" is missing`);
  const end = doc.indexOf('\n## ', start + 1);
  const body = doc.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string);
}

describe('registry of upstream keys', () => {
  it('is well formed: unique keys, a reason for every refused or ignored key, harmless values only where refused', () => {
    const seen = new Set<string>();
    for (const k of UPSTREAM_KEYS) {
      const id = `${k.source === 'Service, Ingress' ? 'Ingress' : k.source}:${k.key}`;
      assert.ok(!seen.has(id), `${id} is listed twice`);
      seen.add(id);
      if (k.status !== 'implemented') assert.ok(k.why && k.why.length > 10, `${id} needs a reason`);
      if (k.harmless) assert.equal(k.status, 'refused', `${id}: harmless values only make sense for a refused key`);
    }
  });

  it('ignores only the annotation upstream writes itself', () => {
    assert.deepEqual(UPSTREAM_KEYS.filter((k) => k.status === 'ignored').map((k) => `${k.source}:${k.key}`), [
      `Ingress:${ANNOTATION_PREFIX}dry-run-plan`, 'Service:service.beta.kubernetes.io/aws-load-balancer-quic-enabled-containers',
    ]);
  });

  it('counts what upstream reads: 72 alb annotations, 50 Service annotations, 20 IngressClassParams fields, 12 binding fields, 60 flags, 23 gates', () => {
    assert.equal(ANNOTATION_KEYS.filter((k) => k.key.startsWith(ANNOTATION_PREFIX)).length, 72);
    assert.equal(SERVICE_KEYS.length, 50);
    assert.equal(FIELD_KEYS.filter((k) => k.source === 'IngressClassParams').length, 20);
    assert.equal(FIELD_KEYS.filter((k) => k.source === 'TargetGroupBinding').length, 12);
    assert.equal(GATE_KEYS.length, 23);
    assert.equal(FLAG_KEYS.length, 60);
  });

  it('matches annotation keys exactly first, then by pattern', () => {
    assert.equal(annotationKey(`${ANNOTATION_PREFIX}actions.ssl-redirect`)?.key, `${ANNOTATION_PREFIX}actions.<name>`);
    assert.equal(annotationKey(`${ANNOTATION_PREFIX}target-control-port.api.http`)?.key, `${ANNOTATION_PREFIX}target-control-port.<service>.<port>`);
    assert.equal(annotationKey(`${ANNOTATION_PREFIX}listener-attributes.HTTPS-443`)?.key, `${ANNOTATION_PREFIX}listener-attributes.<PROTOCOL>-<port>`);
    assert.equal(annotationKey(`${ANNOTATION_PREFIX}waf-acl-id`)?.status, 'refused');
    assert.equal(annotationKey(`${ANNOTATION_PREFIX}actions.`), undefined, 'a pattern needs some text in its placeholder');
    assert.equal(annotationKey(`${ANNOTATION_PREFIX}sheme`), undefined);
    assert.ok(keyMatches('a.<x>-<y>', 'a.b-c'));
    assert.ok(!keyMatches('a.<x>-<y>', 'b.b-c'));
  });

  it('matches Service annotation keys exactly first, then by pattern', () => {
    const S = 'service.beta.kubernetes.io/';
    assert.equal(serviceAnnotationKey(`${S}aws-load-balancer-target-group-attributes`)?.key, `${S}aws-load-balancer-target-group-attributes`);
    assert.equal(serviceAnnotationKey(`${S}aws-load-balancer-target-group-attributes.80`)?.key, `${S}aws-load-balancer-target-group-attributes.<port>`);
    assert.equal(serviceAnnotationKey(`${S}actions.TCP-80`)?.status, 'refused');
    assert.equal(serviceAnnotationKey(`${ANNOTATION_PREFIX}scheme`), undefined, 'an Ingress key is not a Service key');
  });

  it('compares harmless booleans as Go booleans and other values exactly', () => {
    // a boolean flag (no annotation refused now takes a harmless boolean: multi-cluster-target-group and shield-advanced-protection are implemented)
    const restricted = flagKey('disable-restricted-sg-rules');
    assert.ok(restricted);
    for (const v of ['false', 'False', 'FALSE', 'f', 'F', '0', ' false ']) assert.ok(isHarmless(restricted, v), v);
    for (const v of ['true', 'no', '']) assert.ok(refuses(restricted, v), v);
    const waf = annotationKey(`${ANNOTATION_PREFIX}waf-acl-id`);
    assert.ok(waf && !refuses(waf, '') && refuses(waf, 'acl-1') && refuses(waf, 'none'));
    const auth = annotationKey(`${ANNOTATION_PREFIX}auth-type`);
    assert.ok(auth && !refuses(auth, 'oidc'), 'an implemented key refuses nothing');
  });

  it('lists as implemented exactly the annotations the parsers read', () => {
    const parsed = new Set([...Object.values(INGRESS_TABLE), ...Object.values(BACKEND_TABLE), ...Object.values(AUTH_TABLE), ...Object.values(FRONTEND_NLB_TABLE)].map(([s]) => ANNOTATION_PREFIX + s));
    const targetControlPort = `${TARGET_CONTROL_PORT_PREFIX}<service>.<port>`;
    for (const extra of ['actions.<name>', 'conditions.<name>', 'transforms.<name>', JWT_VALIDATION, `${LISTENER_ATTRIBUTES_PREFIX}<PROTOCOL>-<port>`, targetControlPort]) {
      parsed.add(ANNOTATION_PREFIX + extra);
    }
    parsed.add('kubernetes.io/ingress.class');
    const implemented = ANNOTATION_KEYS.filter((k) => k.status === 'implemented');
    assert.deepEqual(implemented.map((k) => k.key).sort(), [...parsed].sort());
    const fromService = new Set([...Object.values(BACKEND_TABLE), ...Object.values(AUTH_TABLE)].map(([s]) => ANNOTATION_PREFIX + s));
    fromService.add(ANNOTATION_PREFIX + targetControlPort);
    for (const k of implemented) assert.equal(k.source === 'Service, Ingress', fromService.has(k.key), k.key);
  });

  it('lists as implemented exactly the flags the flag parser accepts (upstream\'s, and our own)', () => {
    const upstream = FLAG_KEYS.filter((k) => k.status === 'implemented').map((k) => k.key);
    assert.deepEqual([...upstream, ...OWN_FLAGS].map((k) => `--${k}`).sort(), flagUsage().map((f) => f.flag).sort());
    for (const own of OWN_FLAGS) assert.ok(!FLAG_KEYS.some((k) => k.key === own), `--${own} is upstream's too`);
  });

  it('gives every gate upstream\'s default, and the config the same gates', () => {
    assert.deepEqual(Object.fromEntries(GATE_KEYS.map((g) => [g.key, g.default])), { ...FEATURE_GATE_DEFAULTS });
    for (const g of GATE_KEYS) if (g.status === 'refused') assert.deepEqual(g.harmless, [String(g.default)], `${g.key}: a refused gate keeps its default`);
  });

  it('covers every spec field of the IngressClassParams and TargetGroupBinding CRDs, and nothing else', () => {
    const crds = parseAllDocuments(read('helm/aws-lb-controller/crds/crds.yaml')).map((d) => d.toJS());
    const specFields = (kind: string): string[] => {
      const crd = crds.find((c) => c?.spec?.names?.kind === kind);
      const version = crd?.spec?.versions?.find((v: { storage?: boolean }) => v.storage);
      return Object.keys(version?.schema?.openAPIV3Schema?.properties?.spec?.properties ?? {}).sort();
    };
    for (const kind of ['IngressClassParams', 'TargetGroupBinding'] as const) {
      assert.deepEqual(specFields(kind), FIELD_KEYS.filter((k) => k.source === kind).map((k) => k.key).sort(), kind);
    }
  });
});

describe('registry of upstream keys vs docs', () => {
  for (const [file, parts] of Object.entries(GENERATED)) {
    for (const [name, render] of Object.entries(parts)) {
      it(`${file}: the generated part "${name}" is up to date`, () => {
        const doc = read(file);
        assert.notEqual(generatedPart(doc, name), undefined, `${file} has no <!-- BEGIN GENERATED ${name} --> … <!-- END GENERATED ${name} --> markers`);
        const want = render();
        if (process.env.UPDATE_GOLDEN === '1' && generatedPart(doc, name) !== want) {
          writeFileSync(new URL(`../../../${file}`, import.meta.url), withGeneratedPart(doc, name, want));
        }
        assert.equal(generatedPart(read(file), name), want, `run with UPDATE_GOLDEN=1 to rewrite it`);
      });
    }
  }

  it('docs/annotations.md documents every implemented annotation in its tables or sections, and only those', () => {
    const doc = read('docs/annotations.md');
    const documented = new Set([...tableKeys(doc, 'Load balancer and listener annotations'), ...tableKeys(doc, 'Target group annotations (Service first, then Ingress)'),
      ...tableKeys(doc, 'Authentication annotations (Service first, then Ingress)'), ...tableKeys(doc, 'Frontend NLB annotations')]);
    for (const heading of ['actions.<name>', 'conditions.<name>', 'transforms.<name>', 'use-regex-path-match', 'jwt-validation']) {
      assert.ok(doc.includes(`\n## \`${heading}\`\n`), heading);
      documented.add(heading);
    }
    const implemented = ANNOTATION_KEYS.filter((k) => k.status === 'implemented' && k.key.startsWith(ANNOTATION_PREFIX)).map((k) => suffix(k.key));
    assert.deepEqual([...documented].sort(), [...new Set(implemented)].sort());
  });

  it('docs/annotations.md documents every implemented IngressClassParams field, and only those', () => {
    const fields = new Set(tableKeys(read('docs/annotations.md'), 'IngressClassParams').map((f) => f.split(/[ .]/)[0]));
    assert.deepEqual([...fields].sort(), FIELD_KEYS.filter((k) => k.source === 'IngressClassParams' && k.status === 'implemented').map((k) => k.key).sort());
  });

  it('docs/flags.md documents every implemented flag in its tables, and only those', () => {
    const doc = read('docs/flags.md');
    const documented = ['AWS and cluster', 'Ingress handling', 'AWS quotas', 'Service handling (NLBs)', 'Process, leader election and servers', 'Drift checks'].flatMap((h) => tableKeys(doc, h));
    const implemented = [...FLAG_KEYS.filter((k) => k.status === 'implemented').map((k) => k.key), ...OWN_FLAGS];
    assert.deepEqual(documented.sort(), implemented.map((k) => `--${k}`).sort());
  });
});
