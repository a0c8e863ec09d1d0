import assert from 'node:assert/strict';
import {
  emptyObservedState, ref, unknown, type ArnOrRef, type Known, type ListenerRuleSpec, type ObservedState, type Resource, type Stack,
} from '../../../src/model/index.ts';
import { emptyStack, hasChanges, planStack, type Change, type Plan, type PlanOptions } from '../../../src/plan/index.ts';
import {
  arnOf, CLUSTER, fixed404, forward, observedFromStack, rule, shopStack, STACK_ID, TG_API, TG_WEB, withResource,
} from './helpers.ts';

const OPTS: PlanOptions = { clusterName: CLUSTER };
const steps = (p: Plan): string[] => p.changes.map((c) => `${c.action}${c.phase ? `:${c.phase}` : ''} ${c.kind} ${c.id}`);
const active = (p: Plan): string[] => steps({ ...p, changes: p.changes.filter((c) => c.action !== 'noop') });
const find = (p: Plan, kind: Change['kind'], id: string, action?: Change['action']): Change => {
  const c = p.changes.find((x) => x.kind === kind && x.id === id && (!action || x.action === action));
  assert.ok(c, `no ${action ?? 'change'} for ${kind} ${id} in\n${steps(p).join('\n')}`);
  return c;
};
const indexOf = (p: Plan, pred: (c: Change) => boolean): number => p.changes.findIndex(pred);

describe('planStack', () => {
  describe('against an empty account', () => {
    it('creates everything, dependencies first: SG → TGs → LB → listener → rules → bindings', () => {
      const plan = planStack(shopStack(), emptyObservedState(), OPTS);
      assert.deepEqual(steps(plan), [
        'create SecurityGroup ManagedLBSecurityGroup',
        `create TargetGroup ${TG_API}`, `create TargetGroup ${TG_WEB}`,
        'create LoadBalancer LoadBalancer',
        'create Listener 80',
        'create ListenerRule 80:1', 'create ListenerRule 80:2',
        `create TargetGroupBinding ${TG_API}`, `create TargetGroupBinding ${TG_WEB}`,
      ]);
      assert.equal(plan.complete, true);
      assert.equal(plan.formatVersion, '1');
      assert.equal(plan.stackId, STACK_ID);
    });

    it('keeps Refs to resources being created as Refs ("known after apply")', () => {
      const plan = planStack(shopStack(), emptyObservedState(), OPTS);
      const r = find(plan, 'ListenerRule', '80:1').after as ListenerRuleSpec;
      assert.deepEqual(r.listener, ref('Listener', '80'));
    });

    it('orders creates by references even when the stack lists dependents first', () => {
      const s = shopStack();
      const plan = planStack({ ...s, resources: [...s.resources].reverse() }, emptyObservedState(), OPTS);
      const at = (kind: string, id: string): number => indexOf(plan, (c) => c.kind === kind && c.id === id);
      assert.ok(at('SecurityGroup', 'ManagedLBSecurityGroup') < at('LoadBalancer', 'LoadBalancer'));
      assert.ok(at('TargetGroup', TG_API) < at('ListenerRule', '80:1'));
      assert.ok(at('LoadBalancer', 'LoadBalancer') < at('Listener', '80'));
      assert.ok(at('Listener', '80') < at('ListenerRule', '80:2'));
    });
  });

  describe('matching and noop', () => {
    it('an unchanged stack observed as AWS reports it is all noop, never replace', () => {
      const s = shopStack();
      const o = observedFromStack(s);
      const plan = planStack(s, o.state, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), []);
      assert.equal(plan.changes.length, s.resources.length);
      assert.equal(hasChanges(plan), false);
      assert.equal(plan.complete, true);
      assert.equal(find(plan, 'LoadBalancer', 'LoadBalancer').arn, arnOf(o, 'LoadBalancer/LoadBalancer'));
    });

    it('matches by the resource tag, not by name: a differently named LB and TG (upstream hash) are kept', () => {
      const s = shopStack();
      const o = observedFromStack(s);
      const renamed: ObservedState = {
        ...o.state,
        loadBalancers: o.state.loadBalancers.map((lb) => ({ ...lb, spec: { ...lb.spec, name: 'k8s-default-shop-upstream01' } })),
        targetGroups: o.state.targetGroups.map((tg) => ({ ...tg, spec: { ...tg.spec, name: `${tg.spec.name}-old` } })),
      };
      assert.deepEqual(active(planStack(s, renamed, OPTS)), []);
    });

    it('ignores tags that tag reconciliation never touches (aws:*, legacy v1 keys, external-managed)', () => {
      const s = shopStack();
      const o = observedFromStack(s, { 'aws:cloudformation:stack-name': 'x', [`kubernetes.io/cluster/${CLUSTER}`]: 'owned', 'ingress.k8s.aws/cluster': CLUSTER, team: 'payments' });
      assert.deepEqual(active(planStack(s, o.state, { ...OPTS, externalManagedTags: ['team'], observedBindings: o.bindings })), []);
    });

    it('compares only the attributes the desired spec sets', () => {
      const s = withResource(shopStack(), 'LoadBalancer', 'LoadBalancer', (r) => r.kind === 'LoadBalancer' ? { ...r, spec: { ...r.spec, attributes: { 'idle_timeout.timeout_seconds': '60' } } } : r);
      const o = observedFromStack(shopStack());
      assert.equal(find(planStack(s, o.state, OPTS), 'LoadBalancer', 'LoadBalancer').action, 'noop');
    });

    it('resolves a Ref to a kept resource to its ARN, in comparison and in `after`', () => {
      const s = shopStack();
      const o = observedFromStack(s);
      const r = find(planStack(s, o.state, OPTS), 'ListenerRule', '80:1');
      assert.equal(r.action, 'noop');
      const after = r.after as ListenerRuleSpec;
      assert.equal(after.listener, arnOf(o, 'Listener/80'));
      assert.deepEqual(after.actions, [{ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: arnOf(o, `TargetGroup/${TG_API}`) }] } }]);
    });

    it('leaves an owned resource without a resource tag alone, with a warning', () => {
      const s = shopStack();
      const o = observedFromStack(s);
      const stray = { ...o.state.targetGroups[0]!, arn: 'arn:stray', tags: { 'elbv2.k8s.aws/cluster': CLUSTER, 'ingress.k8s.aws/stack': STACK_ID } };
      const plan = planStack(s, { ...o.state, targetGroups: [...o.state.targetGroups, stray] }, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), []);
      assert.match(plan.warnings?.[0] ?? '', /arn:stray.*no ingress\.k8s\.aws\/resource tag/);
    });

    it('deletes a second resource carrying the same resource tag', () => {
      const s = shopStack();
      const o = observedFromStack(s);
      const dup = { ...o.state.targetGroups[0]!, arn: 'arn:zzz-duplicate' };
      const plan = planStack(s, { ...o.state, targetGroups: [...o.state.targetGroups, dup] }, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), [`delete TargetGroup ${TG_API}`]);
      assert.equal(find(plan, 'TargetGroup', TG_API, 'delete').arn, 'arn:zzz-duplicate');
    });
  });

  describe('updates', () => {
    it('lists the changed field paths: subnets, attributes, tags added and removed', () => {
      const s = withResource(shopStack(), 'LoadBalancer', 'LoadBalancer', (r) => r.kind === 'LoadBalancer'
        ? { ...r, spec: { ...r.spec, subnets: ['subnet-a', 'subnet-c'], attributes: { 'idle_timeout.timeout_seconds': '120' }, tags: { ...r.spec.tags, team: 'shop' } } }
        : r);
      const o = observedFromStack(shopStack(), { owner: 'old' });
      const c = find(planStack(s, o.state, OPTS), 'LoadBalancer', 'LoadBalancer');
      assert.equal(c.action, 'update');
      assert.deepEqual(c.fields, ['subnets', 'attributes["idle_timeout.timeout_seconds"]', 'tags.owner', 'tags.team']);
      const owner = c.diffs?.find((d) => d.path === 'tags.owner');
      assert.deepEqual(owner, { path: 'tags.owner', before: 'old', status: 'changed' });
      assert.equal(c.replaceFields, undefined);
    });

    it('does not care about subnet and security-group order', () => {
      const s = shopStack();
      const o = observedFromStack(s);
      const lbs = o.state.loadBalancers.map((lb) => ({ ...lb, spec: { ...lb.spec, subnets: ['subnet-b', 'subnet-a'] } }));
      assert.equal(find(planStack(s, { ...o.state, loadBalancers: lbs }, OPTS), 'LoadBalancer', 'LoadBalancer').action, 'noop');
    });

    it('updates a target group health check in place, path by path', () => {
      const s = withResource(shopStack(), 'TargetGroup', TG_API, (r) => r.kind === 'TargetGroup' ? { ...r, spec: { ...r.spec, healthCheck: { ...r.spec.healthCheck, path: '/healthz', matcher: { httpCode: '200-299' } } } } : r);
      const c = find(planStack(s, observedFromStack(shopStack()).state, OPTS), 'TargetGroup', TG_API);
      assert.equal(c.action, 'update');
      assert.deepEqual(c.fields, ['healthCheck.matcher', 'healthCheck.path']);
    });

    it('changes a listener protocol in place (port is its identity)', () => {
      const s = withResource(shopStack(), 'Listener', '80', (r) => r.kind === 'Listener' ? { ...r, spec: { ...r.spec, protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-2016-08', certificates: ['arn:cert'] } } : r);
      const c = find(planStack(s, observedFromStack(shopStack()).state, OPTS), 'Listener', '80');
      assert.equal(c.action, 'update');
      assert.deepEqual(c.fields, ['protocol', 'sslPolicy', 'certificates']);
    });

    it('adds a listener on a new port and deletes one no longer desired, with its rules', () => {
      const base = shopStack();
      const o = observedFromStack(base);
      const s = withResource(base, 'Listener', '80', (r) => r.kind === 'Listener' ? { ...r, id: '8080', spec: { ...r.spec, port: 8080 } } : r);
      const moved = { ...s, resources: s.resources.map((r) => r.kind === 'ListenerRule' ? { ...r, spec: { ...r.spec, listener: ref('Listener', '8080') } } : r) };
      const plan = planStack(moved, o.state, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), ['create Listener 8080', 'create ListenerRule 80:1', 'create ListenerRule 80:2', 'delete Listener 80']);
      assert.match(find(plan, 'Listener', '80').reason, /2 rule\(s\) go with it/);
    });
  });

  describe('replacement', () => {
    it('replaces a load balancer whose scheme changed: delete first, then create, listeners and rules anew', () => {
      const s = withResource(shopStack(), 'LoadBalancer', 'LoadBalancer', (r) => r.kind === 'LoadBalancer' ? { ...r, spec: { ...r.spec, scheme: 'internet-facing' } } : r);
      const o = observedFromStack(shopStack());
      const plan = planStack(s, o.state, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), [
        'replace:delete LoadBalancer LoadBalancer',
        'replace:create LoadBalancer LoadBalancer',
        'create Listener 80',
        'create ListenerRule 80:1', 'create ListenerRule 80:2',
      ]);
      const del = plan.changes[0]!;
      assert.deepEqual(del.replaceFields, ['scheme']);
      assert.equal(del.arn, arnOf(o, 'LoadBalancer/LoadBalancer'));
      assert.match(del.reason, /scheme cannot change in place/);
      // rules still forward to the kept target groups, by ARN
      const r = find(plan, 'ListenerRule', '80:1').after as ListenerRuleSpec;
      assert.deepEqual(r.actions, [{ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: arnOf(o, `TargetGroup/${TG_API}`) }] } }]);
    });

    it('does not replace a load balancer for a name change alone', () => {
      const s = withResource(shopStack(), 'LoadBalancer', 'LoadBalancer', (r) => r.kind === 'LoadBalancer' ? { ...r, spec: { ...r.spec, name: 'other' } } : r);
      assert.equal(find(planStack(s, observedFromStack(shopStack()).state, OPTS), 'LoadBalancer', 'LoadBalancer').action, 'noop');
    });

    // the builder hashes these into the target group name, so a change to them comes with a new name
    for (const [field, value] of [['targetType', 'ip'], ['protocol', 'HTTPS'], ['protocolVersion', 'HTTP2']] as const) {
      it(`replaces a target group whose ${field} changed (it gets a new name)`, () => {
        const s = withResource(shopStack(), 'TargetGroup', TG_API, (r) => r.kind === 'TargetGroup' ? { ...r, spec: { ...r.spec, [field]: value, name: 'k8s-default-api-0000000000' } } : r);
        const c = find(planStack(s, observedFromStack(shopStack()).state, OPTS), 'TargetGroup', TG_API, 'replace');
        assert.deepEqual(c.replaceFields, [field]);
      });
    }

    it('never replaces a target group for its port: targets carry their own ports (noop, even under a new name)', () => {
      const s = withResource(shopStack(), 'TargetGroup', TG_API, (r) => r.kind === 'TargetGroup' ? { ...r, spec: { ...r.spec, port: 31000, name: 'k8s-default-api-0000000000' } } : r);
      const o = observedFromStack(shopStack());
      const plan = planStack(s, o.state, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), []);
      assert.equal(find(plan, 'TargetGroup', TG_API).action, 'noop');
    });

    for (const [field, value] of [['vpcId', 'vpc-0002'], ['ipAddressType', 'ipv6']] as const) {
      it(`leaves a target group whose ${field} changed as it is, with a warning: a same-named replacement cannot be created`, () => {
        const s = withResource(shopStack(), 'TargetGroup', TG_API, (r) => r.kind === 'TargetGroup' ? { ...r, spec: { ...r.spec, [field]: value } } : r);
        const o = observedFromStack(shopStack());
        const plan = planStack(s, o.state, { ...OPTS, observedBindings: o.bindings });
        // nothing is replaced or deleted: the binding is not deleted first, the rules keep forwarding to the group
        assert.deepEqual(active(plan), []);
        const c = find(plan, 'TargetGroup', TG_API);
        assert.equal(c.action, 'noop');
        assert.equal(c.arn, arnOf(o, `TargetGroup/${TG_API}`));
        assert.match(c.reason, new RegExp(`left as it is: ${field} cannot change in place`));
        assert.equal(plan.warnings?.length, 1);
        assert.match(plan.warnings?.[0] ?? '', new RegExp(`TargetGroup ${TG_API} .* must be recreated: ${field} cannot change in place and a new target group would have the same name`));
        assert.equal(find(plan, 'TargetGroupBinding', TG_API).action, 'noop');
      });
    }

    it('replaces a target group create-first: new group, rules and binding repointed, old group deleted last', () => {
      const s = withResource(shopStack(), 'TargetGroup', TG_API, (r) => r.kind === 'TargetGroup' ? { ...r, spec: { ...r.spec, targetType: 'ip', port: 8080, name: 'k8s-default-api-0000000000' } } : r);
      const o = observedFromStack(shopStack());
      const plan = planStack(s, o.state, OPTS);
      assert.deepEqual(active(plan), [
        `replace:create TargetGroup ${TG_API}`,
        'update ListenerRule 80:1',
        `create TargetGroupBinding ${TG_API}`,
        `replace:delete TargetGroup ${TG_API}`,
      ]);
      const create = plan.changes.find((c) => c.phase === 'create')!;
      assert.deepEqual(create.replaceFields, ['targetType']);
      const r = find(plan, 'ListenerRule', '80:1', 'update');
      assert.deepEqual(r.fields, ['actions']);
      assert.deepEqual((r.after as ListenerRuleSpec).actions, [forward(TG_API)]);
      assert.equal(plan.changes.at(-1)?.arn, arnOf(o, `TargetGroup/${TG_API}`));
    });

    it('replaces the security group create-first: the LB is pointed at the new group before the old one goes', () => {
      const s = withResource(shopStack(), 'SecurityGroup', 'ManagedLBSecurityGroup', (r) => r.kind === 'SecurityGroup' ? { ...r, spec: { ...r.spec, vpcId: 'vpc-0002' } } : r);
      const plan = planStack(s, observedFromStack(shopStack()).state, OPTS);
      assert.deepEqual(active(plan), [
        'replace:create SecurityGroup ManagedLBSecurityGroup',
        'update LoadBalancer LoadBalancer',
        'replace:delete SecurityGroup ManagedLBSecurityGroup',
      ]);
      assert.deepEqual(find(plan, 'LoadBalancer', 'LoadBalancer').fields, ['securityGroups']);
    });
  });

  describe('listener rules without traffic gaps', () => {
    /**
     * Replays the plan's rule steps on the observed priorities, one call at a time, as moto takes them. Fails if a
     * move or create targets a priority any rule holds, or if at any step two kept rules (same conditions and
     * actions before and after) whose order is the same before and after are out of that order.
     */
    function simulate(o: ObservedState, plan: Plan): Map<string, number> {
      const rs = plan.changes.filter((c) => c.kind === 'ListenerRule');
      const run = (check: (at: Map<string, number>, i: number, c: Change) => void): Map<string, number> => {
        const at = new Map(o.rules.map((r) => [r.arn, r.spec.priority]));
        rs.forEach((c, i) => {
          const key = c.arn ?? `new:${c.id}`;
          if (c.action === 'delete' || (c.action === 'replace' && c.phase === 'delete')) {
            at.delete(key);
          } else if (c.action !== 'noop') {
            const p = (c.after as ListenerRuleSpec).priority;
            if (p !== at.get(key)) assert.ok(![...at.values()].includes(p), `step ${i} (${c.action} ${c.id}) targets priority ${p}, which a rule holds`);
            at.set(key, p);
          }
          check(at, i, c);
        });
        return at;
      };
      const final = run(() => undefined);
      const modified = new Set(rs.filter((c) => c.fields?.some((f) => f === 'conditions' || f === 'actions')).map((c) => c.arn));
      const kept = o.rules.filter((r) => final.has(r.arn) && !modified.has(r.arn)).map((r) => ({ arn: r.arn, old: r.spec.priority, now: final.get(r.arn) as number }));
      const agreeing = kept.flatMap((x) => kept.filter((y) => x.old < y.old && x.now < y.now).map((y) => [x, y] as const));
      return run((at, i, c) => {
        const used = [...at.values()];
        assert.equal(new Set(used).size, used.length, `step ${i} (${c.action} ${c.id}) leaves two rules at one priority: ${used.join(',')}`);
        for (const [x, y] of agreeing) {
          assert.ok((at.get(x.arn) as number) < (at.get(y.arn) as number), `step ${i} (${c.action} ${c.id}) puts rule ${x.old}->${x.now} behind rule ${y.old}->${y.now}`);
        }
      });
    }
    const rulesOf = (...rs: Resource[]): Stack => shopStack({ resources: (all) => [...all.filter((r) => r.kind !== 'ListenerRule'), ...rs] });
    const A = (p: number): Resource => rule(80, p, 'a.example.com', '/*', forward(TG_API));
    const B = (p: number): Resource => rule(80, p, 'b.example.com', '/*', forward(TG_WEB));
    const C = (p: number): Resource => rule(80, p, 'c.example.com', '/*', fixed404);
    const N = (p: number): Resource => rule(80, p, 'n.example.com', '/*', forward(TG_API));

    it('swaps two rules through one free priority, never through each other', () => {
      const o = observedFromStack(rulesOf(A(1), B(2)));
      const plan = planStack(rulesOf(B(1), A(2)), o.state, OPTS);
      assert.deepEqual(active(plan), ['update ListenerRule 80:1', 'update ListenerRule 80:2', 'update ListenerRule 80:1']);
      // the resource tag carries the priority ("80:1"), so the final move also retags the rule
      assert.deepEqual(plan.changes.filter((c) => c.action === 'update').map((c) => c.diffs?.map((d) => `${String(d.before)}->${String(d.after)}`).join()),
        ['2->3', '1->2,80:1->80:2', '3->1,80:2->80:1']);
      assert.deepEqual(plan.changes.filter((c) => c.action === 'update').map((c) => c.fields?.join()),
        ['priority', 'priority,tags["ingress.k8s.aws/resource"]', 'priority,tags["ingress.k8s.aws/resource"]']);
      const final = simulate(o.state, plan);
      assert.deepEqual([...final.values()].sort(), [1, 2]);
    });

    it('inserting a rule at the top moves the others down, bottom first, each once; then creates it; nothing is deleted', () => {
      const o = observedFromStack(rulesOf(A(1), B(2)));
      const plan = planStack(rulesOf(N(1), A(2), B(3)), o.state, OPTS);
      const rs = plan.changes.filter((c) => c.kind === 'ListenerRule');
      assert.deepEqual(rs.map((c) => `${c.action} ${c.id}`), ['update 80:3', 'update 80:2', 'create 80:1']);
      assert.deepEqual(rs.map((c) => c.diffs?.[0] ? `${String(c.diffs[0].before)}->${String(c.diffs[0].after)}` : '-'), ['2->3', '1->2', '-']);
      assert.ok(rs.every((c) => c.action !== 'update' || c.reason.startsWith('same conditions and actions')));
      simulate(o.state, plan);
    });

    it('a specific rule never falls behind a catch-all while rules shift (/new before 1:/a, 2:/*)', () => {
      const P = (p: number, path: string): Resource => rule(80, p, 'shop.example.com', path, forward(TG_WEB));
      const o = observedFromStack(rulesOf(P(1, '/a'), P(2, '/*')));
      const plan = planStack(rulesOf(P(1, '/new'), P(2, '/a'), P(3, '/*')), o.state, OPTS);
      // no parking behind every rule: /* moves 2→3 first, then /a 1→2, then /new is created at 1
      assert.deepEqual(plan.changes.filter((c) => c.kind === 'ListenerRule').map((c) => `${c.action} ${String(c.diffs?.[0]?.before ?? '')}->${(c.after as ListenerRuleSpec).priority}`),
        ['update 2->3', 'update 1->2', 'create ->1']);
      simulate(o.state, plan);
    });

    it('inserting in the middle and removing at the top shift rules in the right directions without parking', () => {
      const o = observedFromStack(rulesOf(C(1), A(2), B(3), N(4)));
      const Y = (p: number): Resource => rule(80, p, 'y.example.com', '/*', forward(TG_WEB));
      // C goes away (its priority is taken over in place), Y is inserted between A and B
      const plan = planStack(rulesOf(A(1), Y(2), B(3), N(4)), o.state, OPTS);
      const moves = plan.changes.filter((c) => c.fields?.[0] === 'priority');
      assert.ok(moves.every((c) => c.reason.startsWith('same conditions and actions')), moves.map((c) => c.reason).join('\n'));
      simulate(o.state, plan);
    });

    it('a swap above other rules makes room below instead of parking a rule behind them', () => {
      const X = (p: number): Resource => rule(80, p, 'x.example.com', '/*', fixed404);
      const o = observedFromStack(rulesOf(A(1), B(2), C(3), X(4)));
      const plan = planStack(rulesOf(B(1), A(2), C(3), X(4)), o.state, OPTS);
      const moves = plan.changes.filter((c) => c.kind === 'ListenerRule' && c.action === 'update');
      assert.deepEqual(moves.map((c) => `${String(c.diffs?.[0]?.before)}->${String(c.diffs?.[0]?.after)}`),
        ['4->5', '3->4', '2->3', '1->2', '3->1', '4->3', '5->4']);
      const final = simulate(o.state, plan);
      assert.deepEqual([...final.values()].sort(), [1, 2, 3, 4]);
    });

    it('keeps the order of every agreeing pair on random reorders, insertions, removals and modifications', () => {
      let seed = 42;
      const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n; };
      const hosts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const mk = (p: number, h: string): Resource => rule(80, p, `${h}.example.com`, '/*', h < 'e' ? forward(TG_API) : fixed404);
      for (let n = 0; n < 400; n++) {
        const shuffled = [...hosts].sort(() => rnd(3) - 1);
        const old = shuffled.slice(0, 1 + rnd(6));
        let p = 0;
        const observedRules = old.map((h) => mk((p += 1 + (rnd(4) === 0 ? rnd(3) : 0)), h));
        // desired: keep most, sometimes move one, drop one or add one
        const next = old.filter(() => rnd(5) !== 0);
        if (rnd(2) === 0 && next.length > 1) next.splice(rnd(next.length), 0, ...next.splice(rnd(next.length), 1));
        if (rnd(2) === 0) next.splice(rnd(next.length + 1), 0, ...hosts.filter((h) => !next.includes(h)).slice(0, 1));
        const o = observedFromStack(rulesOf(...observedRules));
        const plan = planStack(rulesOf(...next.map((h, i) => mk(i + 1, h))), o.state, OPTS);
        assert.ok(plan.changes.every((c) => !c.reason.includes('not kept')), `case ${n}: ${old.join('')} -> ${next.join('')}`);
        const final = simulate(o.state, plan);
        assert.deepEqual([...final.values()].sort((a, b) => a - b), next.map((_, i) => i + 1), `case ${n}: ${old.join('')} -> ${next.join('')}`);
      }
    });

    it('moves first, then modifies in place, then creates, then deletes stale rules at the very end', () => {
      const Y = (p: number, path: string): Resource => rule(80, p, 'y.example.com', path, forward(TG_WEB));
      const o = observedFromStack(rulesOf(A(1), B(2), Y(3, '/*'), C(5)));
      const plan = planStack(rulesOf(B(1), A(2), Y(3, '/v2/*'), N(4)), o.state, OPTS);
      const rs = plan.changes.filter((c) => c.kind === 'ListenerRule' && c.action !== 'noop');
      const kinds: string[] = rs.map((c) => (c.action === 'update' && c.fields?.includes('priority') ? 'move' : c.action === 'update' ? 'modify' : c.action));
      const firstOf = (k: string): number => kinds.indexOf(k);
      const lastOf = (k: string): number => kinds.lastIndexOf(k);
      assert.deepEqual(kinds, ['move', 'move', 'move', 'modify', 'create', 'delete']);
      assert.ok(lastOf('move') < firstOf('modify'), kinds.join());
      assert.ok(lastOf('modify') < firstOf('create'), kinds.join());
      assert.ok(lastOf('create') < firstOf('delete'), kinds.join());
      assert.equal(plan.changes.at(-1)?.action, 'delete');
      simulate(o.state, plan);
    });

    it('modifies a rule in place when its priority stays and its content changes', () => {
      const o = observedFromStack(rulesOf(A(1), B(2)));
      const changedA = rule(80, 1, 'a.example.com', '/*', forward(TG_WEB));
      const plan = planStack(rulesOf(changedA, B(2)), o.state, OPTS);
      assert.deepEqual(active(plan), ['update ListenerRule 80:1']);
      const c = find(plan, 'ListenerRule', '80:1');
      assert.deepEqual(c.fields, ['actions']);
      assert.match(c.reason, /modified in place at priority 1/);
    });

    it('re-pairs a move blocked by a stale rule: the stale rule is modified in place, the old copy deleted', () => {
      const o = observedFromStack(rulesOf(C(1), A(2)));
      const plan = planStack(rulesOf(A(1)), o.state, OPTS);
      assert.deepEqual(active(plan), ['update ListenerRule 80:1', 'delete ListenerRule 80:2']);
      assert.deepEqual(find(plan, 'ListenerRule', '80:1').fields, ['conditions', 'actions']);
      simulate(o.state, plan);
    });

    it('a rule that only differs in tags is updated in place', () => {
      const o = observedFromStack(rulesOf(A(1)));
      const tagged = rule(80, 1, 'a.example.com', '/*', forward(TG_API));
      const s = rulesOf(tagged.kind === 'ListenerRule' ? { ...tagged, spec: { ...tagged.spec, tags: { ...tagged.spec.tags, team: 'x' } } } : tagged);
      assert.deepEqual(find(planStack(s, o.state, OPTS), 'ListenerRule', '80:1').fields, ['tags.team']);
    });

    it('treats AWS-filled defaults in actions and condition value order as equal', () => {
      const o = observedFromStack(rulesOf(A(1)));
      const rules = o.state.rules.map((r) => ({ ...r, spec: { ...r.spec, conditions: [...r.spec.conditions].reverse() } }));
      assert.deepEqual(active(planStack(rulesOf(A(1)), { ...o.state, rules }, OPTS)), []);
    });
  });

  describe('deletion', () => {
    it('an empty desired stack deletes everything owned: LB first (listeners and rules go with it), then bindings, TGs, SG', () => {
      const o = observedFromStack(shopStack());
      const plan = planStack(emptyStack(STACK_ID), o.state, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(steps(plan), [
        'delete LoadBalancer LoadBalancer',
        'delete TargetGroupBinding default/k8s-default-api',
        'delete TargetGroupBinding default/k8s-default-web',
        `delete TargetGroup ${TG_API}`, `delete TargetGroup ${TG_WEB}`,
        'delete SecurityGroup ManagedLBSecurityGroup',
      ]);
      assert.ok(plan.changes.every((c) => c.arn !== undefined || c.kind === 'TargetGroupBinding'));
    });

    it('deletes in reverse dependency order when the load balancer stays: rules → listener → TG', () => {
      const base = shopStack();
      const o = observedFromStack(base);
      const s = { ...base, resources: base.resources.filter((r) => r.kind === 'SecurityGroup' || r.kind === 'LoadBalancer') };
      const plan = planStack(s, o.state, OPTS);
      assert.deepEqual(active(plan), ['delete Listener 80', `delete TargetGroup ${TG_API}`, `delete TargetGroup ${TG_WEB}`]);
    });

    it('deletes stale rules before the target groups they forward to', () => {
      const base = shopStack();
      const o = observedFromStack(base);
      const s = { ...base, resources: base.resources.filter((r) => !(r.kind === 'ListenerRule' && r.id === '80:2') && !(r.kind === 'TargetGroup' && r.id === TG_WEB) && !(r.kind === 'TargetGroupBinding' && r.id === TG_WEB)) };
      const plan = planStack(s, o.state, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), ['delete TargetGroupBinding default/k8s-default-web', 'delete ListenerRule 80:2', `delete TargetGroup ${TG_WEB}`]);
    });
  });

  describe('unknown values', () => {
    it('never claims a diff it cannot know: an Unknown field is listed, the plan is incomplete', () => {
      const s = withResource(shopStack(), 'LoadBalancer', 'LoadBalancer', (r) => r.kind === 'LoadBalancer' ? { ...r, spec: { ...r.spec, subnets: unknown('discovery:subnets') } } : r);
      const o = observedFromStack(shopStack());
      const plan = planStack(s, o.state, { ...OPTS, observedBindings: o.bindings });
      const c = find(plan, 'LoadBalancer', 'LoadBalancer');
      assert.equal(c.action, 'noop');
      assert.deepEqual(c.unknownFields, ['subnets']);
      assert.match(c.reason, /known after discovery/);
      assert.equal(plan.complete, false);
      assert.equal(hasChanges(plan), true);
    });

    it('an Unknown in a field that would force replacement does not force it', () => {
      const s = withResource(shopStack(), 'TargetGroup', TG_API, (r) => r.kind === 'TargetGroup' ? { ...r, spec: { ...r.spec, vpcId: unknown('discovery:vpc') } } : r);
      const c = find(planStack(s, observedFromStack(shopStack()).state, OPTS), 'TargetGroup', TG_API);
      assert.equal(c.action, 'noop');
      assert.deepEqual(c.unknownFields, ['vpcId']);
    });

    it('a create holding an Unknown makes the plan incomplete', () => {
      const s = withResource(shopStack(), 'SecurityGroup', 'ManagedLBSecurityGroup', (r) => r.kind === 'SecurityGroup' ? { ...r, spec: { ...r.spec, vpcId: unknown('discovery:vpc') } } : r);
      assert.equal(planStack(s, emptyObservedState(), OPTS).complete, false);
    });
  });

  describe('target group bindings', () => {
    it('without observed bindings: noop when the target group exists, create when it is created', () => {
      const s = shopStack();
      const o = observedFromStack(s);
      const without = { ...o.state, targetGroups: o.state.targetGroups.filter((t) => t.tags['ingress.k8s.aws/resource'] !== TG_WEB) };
      const plan = planStack(s, without, OPTS);
      assert.equal(find(plan, 'TargetGroupBinding', TG_API).action, 'noop');
      assert.equal(find(plan, 'TargetGroupBinding', TG_WEB).action, 'create');
    });

    it('with observed bindings: update a changed service port, delete a stale binding', () => {
      const s = withResource(shopStack(), 'TargetGroupBinding', TG_API, (r) => r.kind === 'TargetGroupBinding' ? { ...r, spec: { ...r.spec, serviceRef: { name: 'api', port: 'http' } } } : r);
      const o = observedFromStack(shopStack());
      const stale = { ...o.bindings[0]!, name: 'k8s-default-gone' };
      const plan = planStack(s, o.state, { ...OPTS, observedBindings: [...o.bindings, stale] });
      assert.deepEqual(active(plan), [`update TargetGroupBinding ${TG_API}`, 'delete TargetGroupBinding default/k8s-default-gone']);
      assert.deepEqual(find(plan, 'TargetGroupBinding', TG_API).fields, ['serviceRef']);
    });

    it('replaces a binding whose immutable target type changed, deleting it first', () => {
      const s = withResource(shopStack(), 'TargetGroupBinding', TG_API, (r) => r.kind === 'TargetGroupBinding' ? { ...r, spec: { ...r.spec, targetType: 'ip' } } : r);
      const o = observedFromStack(shopStack());
      const plan = planStack(s, o.state, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), [`replace:delete TargetGroupBinding ${TG_API}`, `replace:create TargetGroupBinding ${TG_API}`]);
      assert.equal(indexOf(plan, (c) => c.phase === 'delete'), 0);
    });
  });
  describe('the shared backend security group', () => {
    const BACKEND = 'sg-0backend0000000001';
    const managed = ref('SecurityGroup', 'ManagedLBSecurityGroup', 'groupId');
    /** the shop stack with the load balancer's groups and every binding's rule source given */
    const shop = (lbGroups: readonly Known<ArnOrRef>[], source: Known<ArnOrRef>, reversed = false): Stack => {
      const resources = shopStack().resources.map((r): Resource => {
        if (r.kind === 'LoadBalancer') return { ...r, spec: { ...r.spec, securityGroups: [...lbGroups] } };
        if (r.kind === 'TargetGroupBinding') {
          return { ...r, spec: { ...r.spec, networking: { ingress: [{ from: [{ securityGroup: { groupID: source } }], ports: [{ protocol: 'TCP', port: 30081 }] }] } } };
        }
        return r;
      });
      return { ...shopStack(), resources: reversed ? resources.reverse() : resources };
    };

    it('migrating from per-ALB rules attaches the backend group to the load balancer before any binding names it', () => {
      const before = observedFromStack(shop([managed], managed));
      for (const reversed of [false, true]) {
        const plan = planStack(shop([managed, BACKEND], BACKEND, reversed), before.state, { ...OPTS, observedBindings: before.bindings });
        const [first, ...rest] = active(plan);
        assert.deepEqual([first, rest.sort()], ['update LoadBalancer LoadBalancer', [`update TargetGroupBinding ${TG_API}`, `update TargetGroupBinding ${TG_WEB}`]]);
        assert.deepEqual(find(plan, 'LoadBalancer', 'LoadBalancer').fields, ['securityGroups']);
        const b = find(plan, 'TargetGroupBinding', TG_API);
        assert.deepEqual(b.fields, ['networking']);
        assert.match(b.reason, new RegExp(`applied after the LoadBalancer update attaches ${BACKEND}`));
        assert.match(b.reason, /authorized before the old ones are revoked/);
      }
    });

    it('adopting a load balancer that carries the backend group already (upstream\'s) changes nothing', () => {
      const desired = shop([managed, BACKEND], BACKEND);
      const o = observedFromStack(desired);
      const plan = planStack(desired, o.state, { ...OPTS, observedBindings: o.bindings });
      assert.deepEqual(active(plan), []);
    });

    it('a new binding from the backend group comes after the load balancer that carries it', () => {
      const plan = planStack(shop([managed, BACKEND], BACKEND, true), emptyObservedState(), OPTS);
      const lb = indexOf(plan, (c) => c.kind === 'LoadBalancer');
      for (const id of [TG_API, TG_WEB]) assert.ok(indexOf(plan, (c) => c.kind === 'TargetGroupBinding' && c.id === id) > lb);
    });

    it('offline, the backend group is an Unknown that names it: the plan is incomplete', () => {
      const backend = unknown('discovery:backend-security-group:k8s-traffic-demo-2a97516c35');
      const before = observedFromStack(shop([managed], managed));
      const plan = planStack(shop([managed, backend], backend), before.state, { ...OPTS, observedBindings: before.bindings });
      assert.equal(plan.complete, false);
      assert.deepEqual(find(plan, 'LoadBalancer', 'LoadBalancer').unknownFields, ['securityGroups']);
    });
  });
});
