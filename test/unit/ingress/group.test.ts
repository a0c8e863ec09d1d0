import assert from 'node:assert/strict';
import { buildStacks, groupKeysOfIngress, groupMembers } from '../../../src/ingress/index.ts';
import { A, CONFIG, FACTS, byKind, ingress, path, rule, service, snapshot } from './fixtures.ts';

const g = (name: string, order?: number, ns = 'default', extra: Record<string, string> = {}) =>
  ingress(name, { ns, annotations: { [A('group.name')]: 'shop', ...(order === undefined ? {} : { [A('group.order')]: String(order) }), ...extra } });

describe('ingress groups', () => {
  it('orders members by group.order, then namespace/name', () => {
    const s = snapshot({ ingresses: [g('c'), g('b', 5), g('a', 5), g('z', -3), g('a', 0, 'other')] });
    const { groups } = groupMembers(s, CONFIG);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.key, 'shop');
    assert.equal(groups[0]?.finalizer, 'group.ingress.k8s.aws/shop');
    assert.deepEqual(groups[0]?.members.map((m) => m.key), ['default/z', 'default/c', 'other/a', 'default/a', 'default/b']);
  });

  it('implicit groups are namespace/name with the implicit finalizer', () => {
    const { groups } = groupMembers(snapshot({ ingresses: [ingress('web', { ns: 'prod' })] }), CONFIG);
    assert.deepEqual(groups.map((x) => [x.key, x.id.explicit, x.finalizer]), [['prod/web', false, 'ingress.k8s.aws/resources']]);
  });

  it('IngressClassParams group.name overrides the annotation', () => {
    const s = snapshot({
      ingresses: [g('a')],
      ingressClasses: [{ metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } } }],
      ingressClassParams: [{ metadata: { name: 'p' }, spec: { group: { name: 'platform' } } }],
    });
    assert.deepEqual(groupMembers(s, CONFIG).groups.map((x) => x.key), ['platform']);
  });

  it('members being deleted are left out and their group still gets a stack (empty when nobody is left)', () => {
    const leaving = ingress('old', { annotations: { [A('group.name')]: 'shop' }, finalizers: ['group.ingress.k8s.aws/shop'], deleting: true });
    const r = buildStacks(snapshot({ ingresses: [leaving] }), FACTS, CONFIG);
    assert.deepEqual(r.stacks, [{ id: 'shop', members: [], resources: [] }]);
    assert.deepEqual(r.groups[0]?.inactive, ['default/old']);
    assert.equal(r.groups[0]?.blocked, false);
  });

  it('an Ingress that moved to another group is inactive in its old group', () => {
    const moved = ingress('web', { annotations: { [A('group.name')]: 'new' }, finalizers: ['group.ingress.k8s.aws/old'] });
    const s = snapshot({ ingresses: [moved] });
    const { groups } = groupMembers(s, CONFIG);
    assert.deepEqual(groups.map((x) => [x.key, x.members.map((m) => m.key), x.inactive.map((i) => i.metadata?.name)]), [
      ['new', ['default/web'], []],
      ['old', [], ['web']],
    ]);
    assert.deepEqual(groupKeysOfIngress(moved, s, CONFIG), ['new', 'old']);
  });

  it('an Ingress that left our class but holds our finalizer is inactive (its resources get removed)', () => {
    const left = ingress('web', { className: 'nginx', finalizers: ['ingress.k8s.aws/resources'] });
    const r = buildStacks(snapshot({ ingresses: [left] }), FACTS, CONFIG);
    assert.deepEqual(r.stacks, [{ id: 'default/web', members: [], resources: [] }]);
  });

  it('rules of all members share a listener with dense priorities in member order', () => {
    const svc = service('svc');
    const a = ingress('a', { annotations: { [A('group.name')]: 'shop', [A('group.order')]: '2' }, rules: [rule('a.example.com', path('/', 'svc'))] });
    const b = ingress('b', { annotations: { [A('group.name')]: 'shop', [A('group.order')]: '1' }, rules: [rule('b.example.com', path('/x', 'svc'), path('/', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [a, b], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    const stack = r.stacks[0];
    assert.ok(stack);
    assert.deepEqual(stack.members, ['default/b', 'default/a']);
    assert.deepEqual(byKind(stack, 'ListenerRule').map((x) => [x.id, x.spec.conditions[0]?.field === 'host-header' && x.spec.conditions[0].hostHeaderConfig.values[0]]), [
      ['80:1', 'b.example.com'], ['80:2', 'b.example.com'], ['80:3', 'a.example.com'],
    ]);
    // one target group per (Ingress, Service, port)
    assert.deepEqual(byKind(stack, 'TargetGroup').map((t) => t.id), ['default/a-svc:80', 'default/b-svc:80']);
    assert.deepEqual(byKind(stack, 'TargetGroupBinding').map((t) => t.spec.labels), [{ 'ingress.k8s.aws/stack': 'shop' }, { 'ingress.k8s.aws/stack': 'shop' }]);
  });
});
