import assert from 'node:assert/strict';
import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import { buildStacks, groupKeysOfIngress, groupMembers, type IngressClassParamsObject, type Snapshot } from '../../../src/ingress/index.ts';
import { normalizeSnapshot } from '../../../src/ingress/normalize.ts';
import { A, CONFIG, FACTS, albClass, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const svc = service('svc');
// the legacy class annotation, so that these stay ours whatever their spec (or the snapshot's IngressClasses)
const OURS = { 'kubernetes.io/ingress.class': 'alb', [A('group.name')]: 'g' };
const good = ingress('good', { className: null, annotations: OURS, rules: [rule('good.example.com', path('/', 'svc'))] });
/** an Ingress of group g with `spec` replaced */
const withSpec = (name: string, spec: unknown): V1Ingress =>
  ({ metadata: { name, namespace: 'default', annotations: OURS }, spec } as unknown as V1Ingress);
const withParams = (spec: unknown): Snapshot => snapshot({
  ingresses: [ingress('web', { rules: [rule(undefined, path('/', 'svc'))] })], services: [svc],
  ingressClasses: [albClass('alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } })],
  ingressClassParams: [{ metadata: { name: 'p' }, ...(spec === undefined ? {} : { spec }) } as unknown as IngressClassParamsObject],
});
const codes = (s: Snapshot) => buildStacks(s, FACTS, CONFIG).issues.map((i) => [i.object.name, i.field, i.code]);

describe('ingress builder: wrongly shaped input becomes Issues, never exceptions', () => {
  it('an IngressClassParams without spec is an empty one (as Kubernetes decodes it)', () => {
    const r = buildStacks(withParams(undefined), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(one(r.stacks).members, ['default/web']);
    assert.deepEqual(buildStacks(withParams(null), FACTS, CONFIG).issues, []);
  });

  it('a wrongly typed IngressClassParams field is an Issue on each Ingress using it', () => {
    assert.deepEqual(codes(withParams('internet-facing')), [['web', 'IngressClassParams(p).spec', 'InvalidIngressClassParams']]);
    assert.deepEqual(codes(withParams({ namespaceSelector: 'shop' })), [['web', 'IngressClassParams(p).spec.namespaceSelector', 'InvalidIngressClassParams']]);
    assert.deepEqual(codes(withParams({ tags: { team: 'x' } })), [['web', 'IngressClassParams(p).spec.tags', 'InvalidIngressClassParams']]);
    assert.deepEqual(codes(withParams({ scheme: 'public' })), [['web', 'IngressClassParams(p).spec.scheme', 'InvalidIngressClassParams']]);
    const r = buildStacks(withParams({ subnets: { ids: 'subnet-1' } }), FACTS, CONFIG);
    assert.equal(one(r.issues).reason, 'IngressClassParams(p): spec.subnets.ids: expected an array, got "subnet-1"');
    assert.equal(r.stacks.length, 0);
    assert.equal(r.groups[0]?.blocked, true);
  });

  it('IngressClassParams loadBalancerName follows the annotation\'s rule (no "internal-" prefix)', () => {
    assert.deepEqual(codes(withParams({ loadBalancerName: 'internal-shop' })), [['web', 'IngressClassParams(p).spec.loadBalancerName', 'InvalidIngressClassParams']]);
    assert.deepEqual(codes(withParams({ loadBalancerName: 'shop-lb' })), []);
  });

  it('http.paths given as an object: an Issue on that field; the rest of the group is planned', () => {
    const bad = withSpec('bad', { rules: [{ host: 'bad.example.com', http: { paths: { path: '/', backend: { service: { name: 'svc', port: { number: 80 } } } } } }] });
    const r = buildStacks(snapshot({ ingresses: [good, bad], services: [svc] }), FACTS, CONFIG);
    const i = one(r.issues);
    assert.deepEqual([i.object, i.field, i.code, i.reason],
      [{ kind: 'Ingress', namespace: 'default', name: 'bad' }, 'spec.rules[0].http.paths', 'InvalidSpec', 'expected an array, got an object']);
    assert.deepEqual(one(r.stacks).members, ['default/good']);
    assert.deepEqual(r.groups[0]?.excluded, ['default/bad']);
  });

  it('tls[].hosts as a string, rules as an object, a path that is not an object, a port number as a string', () => {
    const rows: [unknown, string][] = [
      [{ rules: [], tls: [{ hosts: 'bad.example.com' }] }, 'spec.tls[0].hosts'],
      [{ rules: { host: 'x' } }, 'spec.rules'],
      [{ rules: [{ http: { paths: ['/'] } }] }, 'spec.rules[0].http.paths[0]'],
      [{ rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'svc', port: { number: '80' } } } }] } }] }, 'spec.rules[0].http.paths[0].backend.service.port.number'],
      [{ defaultBackend: 'svc' }, 'spec.defaultBackend'],
      ['all of it', 'spec'],
    ];
    for (const [spec, field] of rows) {
      const r = buildStacks(snapshot({ ingresses: [good, withSpec('bad', spec)], services: [svc] }), FACTS, CONFIG);
      // (a dropped field may bring a follow-on Issue, e.g. a backend without a port)
      assert.deepEqual(r.issues.filter((i) => i.code === 'InvalidSpec').map((i) => [i.object.name, i.field]), [['bad', field]], JSON.stringify(spec));
      assert.ok(r.issues.every((i) => i.object.name === 'bad'));
      assert.deepEqual(one(r.stacks).members, ['default/good']);
    }
  });

  it('annotations and finalizers of the wrong shape', () => {
    const ing = { metadata: { name: 'bad', namespace: 'default', annotations: { ...OURS, [A('scheme')]: 5 }, finalizers: 'x' }, spec: {} } as unknown as V1Ingress;
    assert.deepEqual(codes(snapshot({ ingresses: [good, ing], services: [svc] })), [
      ['bad', 'metadata.annotations["alb.ingress.kubernetes.io/scheme"]', 'InvalidMetadata'],
      ['bad', 'metadata.finalizers', 'InvalidMetadata'],
    ]);
  });

  it('an Ingress without spec is an empty one', () => {
    const r = buildStacks(snapshot({ ingresses: [withSpec('empty', undefined)] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(one(r.stacks).members, ['default/empty']);
  });

  it('a Service of the wrong shape is an Issue on the Ingress using it', () => {
    const broken = { metadata: { name: 'svc', namespace: 'default' }, spec: { type: 'NodePort', ports: { port: 80 } } } as unknown as V1Service;
    const r = buildStacks(snapshot({ ingresses: [good], services: [broken] }), FACTS, CONFIG);
    const i = one(r.issues);
    assert.deepEqual([i.field, i.code, i.reason], ['spec.rules[0].http.paths[0].backend', 'InvalidService', 'Service default/svc: spec.ports: expected an array, got an object']);
  });

  it('an IngressClass of ours with wrongly shaped parameters', () => {
    const s = snapshot({ ingresses: [ingress('web', { rules: [] })], ingressClasses: [albClass('alb', { parameters: 'p' as never })] });
    assert.deepEqual(codes(s), [['web', 'IngressClass(alb).spec.parameters', 'InvalidIngressClass']]);
  });

  it('every entry point takes any snapshot: lists that are not lists, items that are not objects, nulls', () => {
    const junk = { ingresses: [null, 'x', 5, good], ingressClasses: {}, ingressClassParams: [{ spec: {} }, null], services: 'svc', namespaces: [null] } as unknown as Snapshot;
    const r = buildStacks(junk, FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.equal(r.groups.length, 1);
    assert.deepEqual(groupMembers(junk, CONFIG).groups.map((g) => g.key), ['g']);
    assert.deepEqual(groupKeysOfIngress(good, junk, CONFIG), ['g']);
    assert.deepEqual(groupKeysOfIngress(null as unknown as V1Ingress, junk, CONFIG), []);
  });

  it('normalises a snapshot once: the same snapshot gives the same result, a normalised one is returned as is', () => {
    const s = snapshot({ ingresses: [good], services: [svc] });
    const n = normalizeSnapshot(s);
    assert.equal(normalizeSnapshot(s), n);
    assert.equal(normalizeSnapshot(n), n);
    assert.notEqual(n.ingresses[0], good, 'a cleaned copy, the input is not changed');
    assert.deepEqual(n.ingresses[0], good);
  });
});
