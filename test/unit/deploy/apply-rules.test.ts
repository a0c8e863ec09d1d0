// Rule priorities against a listener that behaves like moto: a target priority held by any rule, the
// moving one included, is refused with PriorityInUse.
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateRuleCommand, DeleteRuleCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand, PriorityInUseException, SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CreateRuleInput, DeleteRuleInput, SetRulePrioritiesInput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { applyPlan } from '../../../src/deploy/apply.ts';
import type { ApplyChange } from '../../../src/deploy/apply.ts';
import { planStack } from '../../../src/plan/plan-stack.ts';
import type { ListenerRuleSpec, ObservedState, Stack } from '../../../src/model/index.ts';
import { ARN, CLUSTER, STACK, create, fastTiming, forwardTo, listenerSpec, plan, ruleSpec, tagsFor } from './apply-fixtures.ts';

const elb = mockClient(ElasticLoadBalancingV2Client);
const L = ARN.listener;

/** priority by rule ARN, plus the content of each rule (its path) */
class FakeListener {
  readonly priority = new Map<string, number>();
  readonly path = new Map<string, string>();
  private next = 100;
  add(path: string, priority: number): string {
    const arn = ARN.rule(this.next++);
    this.priority.set(arn, priority);
    this.path.set(arn, path);
    return arn;
  }
  held(p: number): boolean {
    return [...this.priority.values()].includes(p);
  }
  /** path by priority, sorted */
  layout(): [number, string][] {
    return [...this.priority].map(([arn, p]): [number, string] => [p, this.path.get(arn) ?? '']).sort((a, b) => a[0] - b[0]);
  }
  install(): void {
    const inUse = () => new PriorityInUseException({ message: 'Priority in use', $metadata: {} });
    elb.on(CreateRuleCommand).callsFake((input: CreateRuleInput) => {
      if (this.held(input.Priority ?? 0)) throw inUse();
      const path = input.Conditions?.[0]?.PathPatternConfig?.Values?.[0] ?? '';
      return { Rules: [{ RuleArn: this.add(path, input.Priority ?? 0) }] };
    });
    elb.on(SetRulePrioritiesCommand).callsFake((input: SetRulePrioritiesInput) => {
      for (const rp of input.RulePriorities ?? []) if (this.held(rp.Priority ?? 0)) throw inUse();
      for (const rp of input.RulePriorities ?? []) this.priority.set(rp.RuleArn ?? '', rp.Priority ?? 0);
      return {};
    });
    elb.on(DeleteRuleCommand).callsFake((input: DeleteRuleInput) => {
      this.priority.delete(input.RuleArn ?? '');
      return {};
    });
    elb.on(ModifyRuleCommand).resolves({});
  }
}

const rule = (path: string, priority: number, extra: Partial<ListenerRuleSpec> = {}): ListenerRuleSpec => ruleSpec({
  listener: L, priority, conditions: [{ field: 'path-pattern', pathPatternConfig: { values: [path] } }], actions: [forwardTo(ARN.tg)], tags: tagsFor(`80:${priority}`), ...extra,
});

const move = (arn: string, path: string, from: number, to: number): ApplyChange => ({
  action: 'update', kind: 'ListenerRule', id: `80:${to}`, arn, before: rule(path, from), after: rule(path, to), fields: ['priority'], reason: 't',
});

const deps = () => ({ elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), ec2: new EC2Client({ region: 'us-east-1' }), clusterName: CLUSTER, timing: fastTiming() });

describe('deploy/apply: listener rule priorities', () => {
  let listener: FakeListener;
  beforeEach(() => {
    elb.reset();
    listener = new FakeListener();
    listener.install();
  });

  it('never reorders on its own: a move onto a held priority stops with PriorityConflict before any write', async () => {
    const a = listener.add('/a', 1);
    const b = listener.add('/b', 2);
    const res = await applyPlan(plan([move(a, '/a', 1, 2), move(b, '/b', 2, 1)]), deps());
    assert.equal(res.errors?.[0]?.code, 'PriorityConflict');
    assert.match(res.errors?.[0]?.message ?? '', /priority 2 is still held/);
    assert.equal(elb.commandCalls(SetRulePrioritiesCommand).length, 0);
    assert.deepEqual(listener.layout(), [[1, '/a'], [2, '/b']]);
  });

  it('shifts a run of rules down bottom first, one call each, to make room for a new first rule', async () => {
    const r1 = listener.add('/1', 1);
    const r2 = listener.add('/2', 2);
    const r3 = listener.add('/3', 3);
    const res = await applyPlan(plan([
      move(r3, '/3', 3, 4), move(r2, '/2', 2, 3), move(r1, '/1', 1, 2),
      create('ListenerRule', '80:1', rule('/new', 1)),
    ]), deps());
    assert.equal(res.errors, undefined);
    assert.equal(elb.commandCalls(SetRulePrioritiesCommand).length, 3);
    assert.deepEqual(listener.layout(), [[1, '/new'], [2, '/1'], [3, '/2'], [4, '/3']]);
  });

  it('a create onto a priority a stale rule still holds stops with PriorityConflict (no parking at the far end)', async () => {
    const stale = listener.add('/old', 1);
    const res = await applyPlan(plan([
      create('ListenerRule', '80:1', rule('/new', 1)),
      { action: 'delete', kind: 'ListenerRule', id: '80:1', arn: stale, before: rule('/old', 1), reason: 'stale' },
    ]), deps());
    assert.equal(res.errors?.[0]?.code, 'PriorityConflict');
    assert.equal(elb.commandCalls(CreateRuleCommand).length, 0);
    assert.deepEqual(listener.layout(), [[1, '/old']]);
  });

  it('a PriorityInUse from AWS (the listener changed since it was observed) is reported as PriorityConflict', async () => {
    const a = listener.add('/a', 1);
    listener.add('/intruder', 2); // not in the plan, so apply does not know it holds 2
    const res = await applyPlan(plan([move(a, '/a', 1, 2)]), deps());
    assert.equal(res.errors?.[0]?.code, 'PriorityConflict');
    assert.match(res.errors?.[0]?.message ?? '', /PriorityInUse/);
  });

  it('reports a priority that stays taken at the end of the plan', async () => {
    listener.add('/other', 2);
    const a = listener.add('/a', 1);
    const res = await applyPlan(plan([move(a, '/a', 1, 2)]), deps());
    assert.equal(res.errors?.[0]?.code, 'PriorityConflict');
  });

  it("applies the planner's own reordering (a swap through one free priority) to the final layout", async () => {
    const a = listener.add('/a', 1);
    const b = listener.add('/b', 2);
    const c = listener.add('/c', 3);
    const observed: ObservedState = {
      loadBalancers: [], targetGroups: [], securityGroups: [],
      listeners: [{ arn: L, loadBalancerArn: ARN.lb, tags: tagsFor('80'), spec: listenerSpec({ loadBalancer: ARN.lb }) }],
      rules: [[a, '/a', 1], [b, '/b', 2], [c, '/c', 3]].map(([arn, path, p]) => ({
        arn: arn as string, listenerArn: L, tags: tagsFor(`80:${p}`), spec: rule(path as string, p as number),
      })),
    };
    const desired: Stack = {
      id: STACK, members: ['shop/web'],
      resources: [
        { kind: 'Listener', id: '80', spec: listenerSpec({ loadBalancer: ARN.lb }) },
        // reversed order, plus a new rule at the end
        ...([['/c', 1], ['/b', 2], ['/a', 3], ['/d', 4]] as const).map(([path, p]) => ({ kind: 'ListenerRule' as const, id: `80:${p}`, spec: rule(path, p) })),
      ],
    };
    const p = planStack(desired, observed, { clusterName: CLUSTER });
    const res = await applyPlan(p, deps());
    assert.equal(res.errors, undefined);
    // /a and /c swap through one free priority; /b stays
    assert.equal(elb.commandCalls(SetRulePrioritiesCommand).length, 3);
    assert.deepEqual(listener.layout(), [[1, '/c'], [2, '/b'], [3, '/a'], [4, '/d']]);
  });
});
