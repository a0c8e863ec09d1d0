import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { V1HTTPIngressPath, V1Ingress } from '@kubernetes/client-node';
import { buildStacks, groupKeysOfIngress, groupMembers, type Snapshot } from '../../../src/ingress/index.ts';
import type { DiscoveredFacts } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, service, snapshot } from './fixtures.ts';

const SUFFIXES = [
  'group.name', 'group.order', 'scheme', 'ip-address-type', 'load-balancer-name', 'subnets', 'security-groups', 'manage-backend-security-group-rules', 'inbound-cidrs',
  'listen-ports', 'ssl-redirect', 'certificate-arn', 'ssl-policy', 'load-balancer-attributes', 'tags', 'target-type', 'backend-protocol',
  'backend-protocol-version', 'healthcheck-port', 'healthcheck-protocol', 'healthcheck-path', 'healthcheck-interval-seconds',
  'healthcheck-timeout-seconds', 'healthy-threshold-count', 'unhealthy-threshold-count', 'success-codes', 'target-group-attributes',
  'target-node-labels', 'actions.act', 'conditions.svc-np', 'conditions.act',
];

const VALUES = [
  'internet-facing', 'internal', 'ipv4', 'dualstack', 'true', '443', '80', '0', '-2000', '5', 'shop', 'Shop!', 'ip', 'instance', 'HTTP', 'HTTPS',
  'GRPC', 'traffic-port', 'http', '[{"HTTP":80},{"HTTPS":443}]', '[{"HTTPS":8443}]', '[{"HTTP":80},{"HTTPS":80}]', '[]', '{', 'null',
  'arn:aws:acm:us-east-1:1:certificate/x', 'subnet-pub-a,subnet-pub-b', 'public-a, public-b', 'subnet-nope', 'sg-1', 'web-sg', 'k=v', 'a=b,c=d',
  'elbv2.k8s.aws/cluster=x', '10.0.0.0/8', '::/0', '200-299', '12', 'x'.repeat(40),
  '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"200"}}',
  '{"type":"redirect","redirectConfig":{"statusCode":"HTTP_302","host":"x.org"}}',
  '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"svc-np","servicePort":80,"weight":3},{"serviceName":"ghost","servicePort":"http"}]}}',
  '{"type":"forward","targetGroupARN":"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/x/y"}',
  '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X","values":["a"]}}]',
  '[{"field":"host-header","hostHeaderConfig":{"values":["z.example.com"]}}]',
  '[{"field":"source-ip","sourceIpConfig":{"values":["nope"]}}]',
];

const value = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...VALUES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
const annotations = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...SUFFIXES).map(A), value, { maxKeys: 4 }) },
);

const backendPort = fc.constantFrom<number | string>(80, 80, 80, 80, 80, 80, 'http', 'http', 'use-annotation', 8080, '');
const backend = fc.record({ name: fc.constantFrom('svc-np', 'svc-np', 'svc-np', 'svc-cip', 'svc-ip', 'svc-ip', 'ghost', 'act'), port: backendPort })
  .map(({ name, port }) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } }));
const chaoticPath: fc.Arbitrary<V1HTTPIngressPath> = fc.record({
  path: fc.option(fc.constantFrom('/', '/a', '/a/', '/a*', 'a', '/foo/bar', ''), { nil: undefined }),
  pathType: fc.constantFrom('Exact', 'Prefix', 'ImplementationSpecific', 'Bogus'),
  backend,
}).map((p) => ({ ...(p.path === undefined ? {} : { path: p.path }), pathType: p.pathType, backend: p.backend }));
const sanePath: fc.Arbitrary<V1HTTPIngressPath> = fc.record({
  path: fc.constantFrom('/', '/a', '/a/', '/foo/bar', '/api/*.png'),
  pathType: fc.constantFrom('Exact', 'Prefix', 'ImplementationSpecific'),
  backend,
}).map((p) => (p.pathType !== 'ImplementationSpecific' && p.path.includes('*') ? { ...p, pathType: 'ImplementationSpecific' } : p));
const httpPath = fc.oneof({ weight: 5, arbitrary: sanePath }, { weight: 1, arbitrary: chaoticPath });
const host = fc.option(fc.constantFrom('shop.example.com', 'api.example.com', 'x.y', '*.example.com', 'nocert.org', ''), { nil: undefined });
const ingressRule = fc.record({ host, paths: fc.option(fc.array(httpPath, { maxLength: 3 }), { nil: undefined }) })
  .map(({ host: h, paths }) => ({ ...(h === undefined ? {} : { host: h }), ...(paths === undefined ? {} : { http: { paths } }) }));

const ingressArb: fc.Arbitrary<V1Ingress> = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'web'),
  ns: fc.constantFrom('default', 'shop'),
  className: fc.option(fc.constantFrom('alb', 'alb', 'alb', 'nginx', 'missing', 'with-params'), { nil: undefined }),
  annotations,
  rules: fc.array(ingressRule, { maxLength: 3 }),
  defaultBackend: fc.option(backend, { nil: undefined }),
  tls: fc.option(fc.array(fc.record({ hosts: fc.array(fc.constantFrom('shop.example.com', 'tls.example.com', 'nocert.org'), { maxLength: 2 }) }), { maxLength: 2 }), { nil: undefined }),
  finalizers: fc.subarray(['ingress.k8s.aws/resources', 'group.ingress.k8s.aws/shop', 'group.ingress.k8s.aws/other']),
  deleting: fc.boolean(),
}).map((o) => ({
  metadata: {
    name: o.name, namespace: o.ns, annotations: o.annotations, finalizers: o.finalizers,
    ...(o.deleting ? { deletionTimestamp: new Date(0) } : {}),
  },
  spec: {
    ...(o.className === undefined ? {} : { ingressClassName: o.className }),
    rules: o.rules,
    ...(o.defaultBackend ? { defaultBackend: o.defaultBackend } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
  },
}));

const services = ['default', 'shop'].flatMap((ns) => [
  service('svc-np', { ns, portName: 'http', nodePort: 30080 }),
  service('svc-cip', { ns, type: 'ClusterIP', portName: 'http', targetPort: 'web' }),
  service('svc-ip', { ns, type: 'ClusterIP', portName: 'http', annotations: { [A('target-type')]: 'ip' } }),
]);
const classes = [
  { metadata: { name: 'alb', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'ingress.k8s.aws/alb' } },
  { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
  { metadata: { name: 'with-params' }, spec: { controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } } },
];
const params = [{ metadata: { name: 'p' }, spec: { scheme: 'internet-facing' as const, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, tags: [{ key: 'team', value: 'x' }] } }];
const CERTS = [
  { arn: 'arn:aws:acm:us-east-1:1:certificate/wild', domainName: '*.example.com', subjectAlternativeNames: ['*.example.com'], status: 'ISSUED', notAfter: '2030-01-01T00:00:00Z' },
  { arn: 'arn:aws:acm:us-east-1:1:certificate/shop', domainName: 'shop.example.com', subjectAlternativeNames: [], status: 'ISSUED' },
];
// ---- wrongly shaped input: any field (but an object's name and namespace) replaced by a value of another type

const JUNK: unknown[] = [null, undefined, 'x', '', 5, -1, true, {}, { a: 1 }, [], ['x'], [null], [[]], { paths: {} }];
type Path = readonly (string | number)[];
const KEEP = new Set(['metadata', 'metadata.name', 'metadata.namespace']);

/** every path into `v` (objects and arrays, not Dates) */
function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (typeof v !== 'object' || v === null || v instanceof Date) return out;
  for (const [k, x] of Object.entries(v)) {
    const p = [...at, Array.isArray(v) ? Number(k) : k];
    if (!KEEP.has(p.join('.'))) out.push(p);
    pathsOf(x, p, out);
  }
  return out;
}

function replaced<T>(v: T, path: Path, junk: unknown): T {
  const [head, ...rest] = path;
  if (head === undefined) return junk as T;
  if (typeof v !== 'object' || v === null) return v;
  const copy = (Array.isArray(v) ? [...(v as unknown[])] : { ...(v as object) }) as Record<string | number, unknown>;
  copy[head] = replaced(copy[head], rest, junk);
  return copy as T;
}

/** up to two fields of `v` (chosen by index) replaced by junk */
const corrupted = <T>(arb: fc.Arbitrary<T>, weight = 1): fc.Arbitrary<T> => fc.oneof(
  { weight: 3, arbitrary: arb },
  {
    weight, arbitrary: fc.tuple(arb, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...JUNK)), { minLength: 1, maxLength: 2 })).map(([v, hits]) => {
      let out = v;
      for (const [n, junk] of hits) {
        const ps = pathsOf(out);
        const p = ps[n % Math.max(ps.length, 1)];
        if (p) out = replaced(out, p, junk);
      }
      return out;
    }),
  },
);

const factsArb: fc.Arbitrary<DiscoveredFacts> = fc.constantFrom<DiscoveredFacts>({}, { ...FACTS, certificates: CERTS }, { ...FACTS, subnets: [] });

describe('ingress builder: property', function () {
  this.timeout(300_000);

  it('never throws; every issue names an Ingress, a field and a reason; every active Ingress of ours is planned or reported', () => {
    fc.assert(fc.property(fc.array(ingressArb, { minLength: 1, maxLength: 4 }), factsArb, (ingresses, facts) => {
      // Kubernetes keys are unique: keep the first Ingress of each namespace/name
      const unique = [...new Map(ingresses.map((i) => [`${i.metadata?.namespace}/${i.metadata?.name}`, i])).values()];
      const snap = snapshot({ ingresses: unique, services, ingressClasses: classes, ingressClassParams: params });
      checkBuild(snap, facts);
    }), { numRuns: 10_000 });
  });

  it('the same with wrongly typed values anywhere: objects, strings and numbers where arrays go, missing or null specs', () => {
    const snapArb = fc.record({
      ingresses: fc.array(corrupted(ingressArb), { minLength: 1, maxLength: 4 }),
      services: fc.array(corrupted(fc.constantFrom(...services), 1), { maxLength: 4 }),
      classes: corrupted(fc.constant(classes), 1),
      params: corrupted(fc.constant(params), 2),
    });
    fc.assert(fc.property(snapArb, factsArb, ({ ingresses, services: svcs, classes: cls, params: ps }, facts) => {
      const unique = [...new Map(ingresses.map((i) => [`${i.metadata?.namespace}/${i.metadata?.name}`, i])).values()];
      const snap = snapshot({ ingresses: unique, services: svcs, ingressClasses: cls, ingressClassParams: ps });
      checkBuild(snap, facts);
      groupMembers(snap, CONFIG);
      for (const i of unique) groupKeysOfIngress(i, snap, CONFIG);
    }), { numRuns: 5_000 });
  });
});

function checkBuild(snap: Snapshot, facts: DiscoveredFacts): void {
  const r = buildStacks(snap, facts, CONFIG);
  for (const i of r.issues) {
    // a bad Service annotation is told on the Service too (and on each Ingress using it)
    assert.ok(i.object.kind === 'Ingress' || i.object.kind === 'Service', JSON.stringify(i));
    assert.ok(i.object.name !== '' && i.field !== '' && i.reason !== '' && i.code !== '', JSON.stringify(i));
  }
  const withIssues = new Set(r.issues.filter((i) => i.object.kind === 'Ingress').map((i) => `${i.object.namespace}/${i.object.name}`));
  const planned = new Set(r.stacks.flatMap((s) => s.members));
  for (const s of r.stacks) {
    for (const m of s.members) assert.ok(!withIssues.has(m), `${m} is planned but has issues`);
    const ids = s.resources.map((x) => `${x.kind}/${x.id}`);
    assert.equal(new Set(ids).size, ids.length, 'resource IDs are unique');
    const byListener = new Map<string, number[]>();
    for (const x of s.resources) if (x.kind === 'ListenerRule') byListener.set(x.id.split(':')[0] as string, [...(byListener.get(x.id.split(':')[0] as string) ?? []), x.spec.priority]);
    for (const ps of byListener.values()) assert.deepEqual(ps, ps.map((_, k) => k + 1), 'priorities are dense from 1');
  }
  for (const g of r.groups) {
    for (const m of g.excluded) assert.ok(withIssues.has(m), `${m} excluded without issue`);
    if (!g.blocked) for (const m of g.members) assert.ok(planned.has(m));
    else for (const m of [...g.members, ...g.excluded]) assert.ok(withIssues.has(m), `${m} in a blocked group without issue`);
  }
}
