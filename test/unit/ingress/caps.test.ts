import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildStacks, type IngressClassParamsObject } from '../../../src/ingress/index.ts';
import { CAP_CODE, CAPS, longerThanBytes } from '../../../src/ingress/caps.ts';
import type { Issue } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, albClass, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const listenPorts = (n: number, from = 1000): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ HTTP: from + i })));
const issuesOf = (issues: readonly Issue[], name: string): Issue[] => issues.filter((i) => i.object.name === name);
const svc = service('web');

describe('input caps', () => {
  describe('listen ports (AWS: 50 listeners per load balancer)', () => {
    it('takes 50 ports', () => {
      const r = buildStacks(snapshot({ ingresses: [ingress('ok', { annotations: { [A('listen-ports')]: listenPorts(50) }, rules: [rule(undefined, path('/', 'web'))] })], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues, []);
      assert.equal(byKind(one(r.stacks), 'Listener').length, 50);
    });

    for (const n of [51, 2_000]) {
      it(`refuses ${n} ports on the annotation, naming the quota, and builds none of them`, () => {
        const r = buildStacks(snapshot({ ingresses: [ingress('many', { annotations: { [A('listen-ports')]: listenPorts(n) }, rules: [rule(undefined, path('/', 'web'))] })], services: [svc] }), FACTS, CONFIG);
        const i = one(r.issues);
        assert.equal(i.field, A('listen-ports'));
        assert.match(i.reason, /over 50 listen ports: more than 50 \(AWS quota "Listeners per Application Load Balancer", default 50\)/);
        assert.equal(r.stacks.length, 0);
        assert.equal(one(r.groups).blocked, true);
      });
    }

    it("refuses 4,000 ports (55 KB) and 100,000 ports (1.4 MB) at the size cap, without overflowing the stack", () => {
      for (const n of [4_000, 100_000]) {
        const r = buildStacks(snapshot({ ingresses: [ingress('huge', { annotations: { [A('listen-ports')]: listenPorts(n) }, rules: [rule(undefined, path('/', 'web'))] })], services: [svc] }), FACTS, CONFIG);
        const i = one(r.issues);
        assert.equal(i.field, A('listen-ports'));
        assert.match(i.reason, /^is over 32768 bytes long \(\d+ characters\); this controller reads at most 32768 bytes/);
      }
    });

    it('refuses the member that brings a group over 50 listen ports; the others are planned', () => {
      const member = (name: string, from: number, order: number) => ingress(name, {
        annotations: { [A('group.name')]: 'g', [A('group.order')]: String(order), [A('listen-ports')]: listenPorts(20, from) },
        rules: [rule(undefined, path(`/${name}`, 'web'))],
      });
      const r = buildStacks(snapshot({ ingresses: [member('a', 1000, 1), member('b', 2000, 2), member('c', 3000, 3), member('d', 1000, 4)], services: [svc] }), FACTS, CONFIG);
      const i = one(r.issues);
      assert.deepEqual([i.object.name, i.field, i.code], ['c', A('listen-ports'), CAP_CODE]);
      assert.match(i.reason, /^60 listen ports in group g with this Ingress's 20 new one\(s\): more than 50 \(AWS quota "Listeners per Application Load Balancer"/);
      assert.deepEqual(one(r.groups).members, ['default/a', 'default/b', 'default/d']);
      assert.equal(byKind(one(r.stacks), 'Listener').length, 40);
    });

    it('leaves out the newcomer, whatever its group.order: the member in the group first keeps its listen ports (ADR 6)', () => {
      const member = (name: string, from: number, order: number, created: string): ReturnType<typeof ingress> => {
        const ing = ingress(name, {
          annotations: { [A('group.name')]: 'g', [A('group.order')]: String(order), [A('listen-ports')]: listenPorts(30, from) },
          rules: [rule(undefined, path(`/${name}`, 'web'))],
        });
        return { ...ing, metadata: { ...ing.metadata, creationTimestamp: created as unknown as Date } };
      };
      const r = buildStacks(snapshot({
        ingresses: [member('old', 1000, 1000, '2025-01-01T00:00:00Z'), member('new', 2000, -1000, '2025-06-01T00:00:00Z')], services: [svc],
      }), FACTS, CONFIG);
      const i = one(r.issues);
      assert.deepEqual([i.object.name, i.field, i.code], ['new', A('listen-ports'), CAP_CODE]);
      assert.deepEqual(one(r.groups).members, ['default/old']);
      assert.deepEqual(one(r.groups).contests, [], 'a quota is no contest: no member holds it');
    });
  });

  describe('annotation size', () => {
    it('refuses a value over 32 KiB before parsing it, on the annotation that holds it', () => {
      const tags = Array.from({ length: 3_000 }, (_, i) => `k${i}=v${i}`).join(',');
      assert.ok(tags.length > CAPS.annotationValueBytes);
      const r = buildStacks(snapshot({ ingresses: [ingress('big', { annotations: { [A('tags')]: tags }, rules: [rule(undefined, path('/', 'web'))] })], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.object.name, i.field]), [['big', A('tags')]]);
    });

    it('counts UTF-8 bytes, not characters', () => {
      assert.equal(longerThanBytes('é'.repeat(16_384), CAPS.annotationValueBytes), false); // 32,768 bytes
      assert.equal(longerThanBytes('é'.repeat(16_385), CAPS.annotationValueBytes), true);
      assert.equal(longerThanBytes('€'.repeat(10_923), CAPS.annotationValueBytes), true); // 3 bytes each
      assert.equal(longerThanBytes('😀'.repeat(8_192), CAPS.annotationValueBytes), false); // 4 bytes each
      assert.equal(longerThanBytes('😀'.repeat(8_193), CAPS.annotationValueBytes), true);
    });

    it('applies to Service annotations read for a backend too', () => {
      const s = service('web', { annotations: { [A('healthcheck-path')]: `/${'x'.repeat(40_000)}` } });
      const r = buildStacks(snapshot({ ingresses: [ingress('i', { rules: [rule(undefined, path('/', 'web'))] })], services: [s] }), FACTS, CONFIG);
      assert.ok(r.issues.some((i) => i.object.kind === 'Service' && i.field === A('healthcheck-path') && /over 32768 bytes/.test(i.reason)));
      assert.equal(r.stacks.length, 0);
    });
  });

  describe('paths of one Ingress (AWS: 100 rules per load balancer)', () => {
    const withPaths = (name: string, n: number) => ingress(name, { rules: [rule(undefined, ...Array.from({ length: n }, (_, i) => path(`/p${i}`, 'web')))] });

    it('takes 100 paths', () => {
      const r = buildStacks(snapshot({ ingresses: [withPaths('ok', 100)], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues, []);
      assert.equal(byKind(one(r.stacks), 'ListenerRule').length, 100);
    });

    it('refuses 101 paths (across spec.rules) with one Issue, before building any rule or target group', () => {
      const split = ingress('split', { rules: [rule('a.example.com', ...Array.from({ length: 60 }, (_, i) => path(`/a${i}`, 'web'))), rule('b.example.com', ...Array.from({ length: 41 }, (_, i) => path(`/b${i}`, 'ghost', 'nope')))] });
      const r = buildStacks(snapshot({ ingresses: [split], services: [svc] }), FACTS, CONFIG);
      const i = one(r.issues); // the bad backends of the second rule are never looked at
      assert.deepEqual([i.object.name, i.field, i.code], ['split', 'spec.rules', CAP_CODE]);
      assert.equal(i.reason, '101 paths, each at least one listener rule: more than 100 (AWS quota "Rules per Application Load Balancer", default 100)');
      assert.deepEqual(r.notes, []);
    });

    it('keeps the rest of a group', () => {
      const ann = { [A('group.name')]: 'g' };
      const big = { ...withPaths('big', 5_000), metadata: { name: 'big', namespace: 'default', annotations: ann } };
      const small = { ...withPaths('small', 2), metadata: { name: 'small', namespace: 'default', annotations: ann } };
      const r = buildStacks(snapshot({ ingresses: [big, small], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => i.object.name), ['big']);
      assert.deepEqual(one(r.groups).members, ['default/small']);
    });
  });

  describe('hosts and security group sources', () => {
    it('refuses over 1,000 distinct hosts in spec.rules and spec.tls', () => {
      const hosts = Array.from({ length: 1_001 }, (_, i) => `h${i}.example.com`);
      const ing = ingress('hosts', { tls: [{ hosts }], rules: [rule(undefined, path('/', 'web'))] });
      const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [['spec', CAP_CODE]]);
    });

    it('refuses over 1,000 inbound CIDRs on the annotation and on IngressClassParams, naming the quota', () => {
      const cidrs = Array.from({ length: 1_001 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
      const viaAnnotation = ingress('ann', { annotations: { [A('inbound-cidrs')]: cidrs.join(',') }, rules: [rule(undefined, path('/', 'web'))] });
      const params: IngressClassParamsObject = { metadata: { name: 'p' }, spec: { inboundCIDRs: cidrs } };
      const viaParams = ingress('par', { className: 'alb-p', rules: [rule(undefined, path('/', 'web'))] });
      const r = buildStacks(snapshot({
        ingresses: [viaAnnotation, viaParams], services: [svc], ingressClassParams: [params],
        ingressClasses: [albClass(), albClass('alb-p', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } })],
      }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.object.name, i.field]), [['ann', A('inbound-cidrs')], ['par', 'IngressClassParams(p).spec.inboundCIDRs']]);
      for (const i of r.issues) assert.match(i.reason, /^1001 CIDRs: more than 1000 \(AWS quota "Inbound rules per security group", at most 1,000 even when raised\)$/);
    });

    it('refuses over 1,000 prefix lists on the annotation and on IngressClassParams (both spellings), naming the quota', () => {
      const ids = Array.from({ length: 1_001 }, (_, i) => `pl-${i.toString(16).padStart(8, '0')}`);
      const viaAnnotation = ingress('a-ann', { annotations: { [A('security-group-prefix-lists')]: ids.join(',') }, rules: [rule(undefined, path('/', 'web'))] });
      const current: IngressClassParamsObject = { metadata: { name: 'p' }, spec: { prefixListsIDs: ids } };
      const legacy: IngressClassParamsObject = { metadata: { name: 'q' }, spec: { PrefixListsIDs: ids } };
      const viaParams = ingress('b-par', { className: 'alb-p', rules: [rule(undefined, path('/', 'web'))] });
      const viaLegacy = ingress('c-leg', { className: 'alb-q', rules: [rule(undefined, path('/', 'web'))] });
      const classOf = (name: string, params: string) => albClass(name, { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: params } });
      const r = buildStacks(snapshot({
        ingresses: [viaAnnotation, viaParams, viaLegacy], services: [svc], ingressClassParams: [current, legacy],
        ingressClasses: [albClass(), classOf('alb-p', 'p'), classOf('alb-q', 'q')],
      }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.object.name, i.field]), [
        ['a-ann', A('security-group-prefix-lists')], ['b-par', 'IngressClassParams(p).spec.prefixListsIDs'], ['c-leg', 'IngressClassParams(q).spec.PrefixListsIDs'],
      ]);
      for (const i of r.issues) assert.match(i.reason, /^1001 prefix lists: more than 1000 \(AWS quota "Inbound rules per security group", at most 1,000 even when raised\)$/);
      assert.equal(r.stacks.length, 0);
    });
  });

  it('an Ingress without a name is no member of anything (nothing could be reported on it)', () => {
    const nameless = ingress('x', { rules: [rule(undefined, path('/', 'web'))] });
    const r = buildStacks(snapshot({ ingresses: [{ ...nameless, metadata: { namespace: 'default' } }, { ...nameless, metadata: { name: '' } }], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual([r.issues, r.stacks, r.groups], [[], [], []]);
  });

  it('property: any number of ports, paths and CIDRs is refused or built, every Issue naming its object and field', () => {
    const sizes = fc.record({
      ports: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constantFrom(2_000, 4_000)),
      paths: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(3_000)),
      cidrs: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(999, 1_000, 1_001, 3_000)),
    });
    fc.assert(fc.property(sizes, ({ ports, paths, cidrs }) => {
      const annotations: Record<string, string> = { [A('listen-ports')]: listenPorts(ports) };
      if (cidrs > 0) annotations[A('inbound-cidrs')] = Array.from({ length: cidrs }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`).join(',');
      const ing = ingress('i', { annotations, rules: [rule(undefined, ...Array.from({ length: paths }, (_, i) => path(`/p${i}`, 'web')))] });
      const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, CONFIG);
      for (const i of issuesOf(r.issues, 'i')) assert.ok(i.field !== '' && i.reason !== '');
      const refused = ports > CAPS.listeners.max || paths > CAPS.pathsPerIngress.max || cidrs > CAPS.sourcesPerSecurityGroup.max
        || (cidrs > 0 && annotations[A('inbound-cidrs')]!.length > CAPS.annotationValueBytes) || listenPorts(ports).length > CAPS.annotationValueBytes;
      assert.equal(r.issues.length > 0, refused);
      if (!refused) assert.equal(byKind(one(r.stacks), 'Listener').length, ports);
    }), { numRuns: 40 });
  });
});
