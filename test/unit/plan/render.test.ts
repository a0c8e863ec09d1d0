import assert from 'node:assert/strict';
import { emptyObservedState, unknown } from '../../../src/model/index.ts';
import { emptyStack, planStack, renderJson, renderText, summarize, toJsonDocument, type Plan } from '../../../src/plan/index.ts';
import { CLUSTER, observedFromStack, shopStack, STACK_ID, TG_API, withResource } from './helpers.ts';

const OPTS = { clusterName: CLUSTER };

describe('renderText', () => {
  it('reads like terraform plan: symbols, per-field values, refs known after apply, summary', () => {
    const text = renderText(planStack(shopStack(), emptyObservedState(), OPTS));
    assert.match(text, /^Resource actions are indicated with the following symbols:\n {4}\+ create\n/);
    assert.match(text, /Stack "default\/shop":/);
    assert.match(text, /  \+ LoadBalancer "LoadBalancer" \{\n/);
    assert.match(text, /\+ scheme +\s*= "internal"/);
    assert.match(text, /\(known after apply: SecurityGroup "ManagedLBSecurityGroup" groupId\)/);
    assert.match(text, /\(known after apply: TargetGroup "default\/shop-api:80"\)/);
    assert.match(text, /Plan: 9 to create, 0 to update, 0 to replace, 0 to delete\.\n$/);
  });

  it('says "No changes." and hides noops when nothing changes', () => {
    const s = shopStack();
    const o = observedFromStack(s);
    const text = renderText(planStack(s, o.state, { ...OPTS, observedBindings: o.bindings }));
    assert.equal(text, 'Stack "default/shop":\n\nNo changes.\n');
  });

  it('shows before -> after for updates, + and - for tags, and marks fields that force replacement', () => {
    const s = withResource(shopStack(), 'TargetGroup', TG_API, (r) => r.kind === 'TargetGroup'
      ? { ...r, spec: { ...r.spec, targetType: 'ip', name: 'k8s-default-api-0000000000', tags: { ...r.spec.tags, team: 'a' } } } : r);
    const o = observedFromStack(shopStack(), { old: 'x' });
    const text = renderText(planStack(s, o.state, OPTS));
    assert.match(text, /-\/\+ TargetGroup "default\/shop-api:80" \{/);
    assert.match(text, /~ targetType +\s*= "instance" -> "ip" # forces replacement/);
    assert.match(text, /\+ tags\.team +\s*= "a"/);
    assert.match(text, /- tags\.old +\s*= "x"/);
    assert.match(text, /step 1 of 2: create the new one/);
    assert.match(text, /step 2 of 2: delete the old one/);
    assert.match(text, /Plan: 1 to create, 6 to update, 1 to replace, 0 to delete\./);
  });

  it('shows values known after discovery and says the plan is incomplete', () => {
    const s = withResource(shopStack(), 'LoadBalancer', 'LoadBalancer', (r) => r.kind === 'LoadBalancer' ? { ...r, spec: { ...r.spec, subnets: unknown('discovery:subnets') } } : r);
    const o = observedFromStack(shopStack());
    const text = renderText(planStack(s, o.state, { ...OPTS, observedBindings: o.bindings }));
    assert.match(text, /\? LoadBalancer "LoadBalancer" \{/);
    assert.match(text, /\? subnets +\s*= \["subnet-a", "subnet-b"\] -> \(known after discovery: subnets\)/);
    assert.match(text, /apply will not run this plan as is/);
  });

  it('lists deletes with their ARN', () => {
    const o = observedFromStack(shopStack());
    const text = renderText(planStack(emptyStack(STACK_ID), o.state, OPTS));
    assert.match(text, /  - LoadBalancer "LoadBalancer" \{\n {8}arn = "arn:aws:elasticloadbalancing:/);
    assert.match(text, /Plan: 0 to create, 0 to update, 0 to replace, 4 to delete\./);
  });
});

describe('summarize', () => {
  it('counts a replace once although it has two steps', () => {
    const s = withResource(shopStack(), 'LoadBalancer', 'LoadBalancer', (r) => r.kind === 'LoadBalancer' ? { ...r, spec: { ...r.spec, scheme: 'internet-facing' } } : r);
    const o = observedFromStack(shopStack());
    const sum = summarize(planStack(s, o.state, { ...OPTS, observedBindings: o.bindings }));
    assert.equal(sum.replace, 1);
    assert.equal(sum.create, 3);
  });
});

describe('renderJson', () => {
  const plans: Plan[] = [
    planStack({ ...shopStack(), id: 'z/last' }, emptyObservedState(), OPTS),
    planStack(shopStack(), emptyObservedState(), OPTS),
  ];

  it('is versioned, sorts plans by stack ID, keeps the execution order of changes with an index', () => {
    const doc = JSON.parse(renderJson(plans)) as { formatVersion: string; plans: { stackId: string; changes: { order: number; kind: string }[]; summary: { create: number } }[] };
    assert.equal(doc.formatVersion, '1');
    assert.deepEqual(doc.plans.map((p) => p.stackId), [STACK_ID, 'z/last']);
    assert.deepEqual(doc.plans[0]?.changes.map((c) => c.order), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(doc.plans[0]?.changes[0]?.kind, 'SecurityGroup');
    assert.equal(doc.plans[0]?.summary.create, 9);
  });

  it('sorts object keys at every level, so output is stable', () => {
    const text = renderJson(plans);
    const keys = Object.keys((JSON.parse(text) as { plans: Record<string, unknown>[] }).plans[0] ?? {});
    assert.deepEqual(keys, [...keys].sort());
    assert.equal(text, renderJson([...plans].reverse()));
  });

  it('carries issues, notes and warnings', () => {
    const doc = toJsonDocument([], {
      issues: [{ object: { kind: 'Ingress', namespace: 'b', name: 'x' }, field: 'f', code: 'C', reason: 'r' }, { object: { kind: 'Ingress', namespace: 'a', name: 'x' }, field: 'f', code: 'C', reason: 'r' }],
      notes: [], warnings: ['w'],
    }) as { issues: { object: { namespace: string } }[]; warnings: string[] };
    assert.deepEqual(doc.issues.map((i) => i.object.namespace), ['a', 'b']);
    assert.deepEqual(doc.warnings, ['w']);
  });
});
