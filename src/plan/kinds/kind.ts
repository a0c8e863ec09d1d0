// What the planner core needs to know about a kind matched by its `ingress.k8s.aws/resource` tag.
import type { Ref, ResourceKind } from '../../model/refs.ts';
import type { Observed, ObservedState } from '../../model/observed.ts';
import type { TagContext } from '../compare.ts';
import type { FieldDiff, Spec } from '../types.ts';
import type { Resolver } from '../values.ts';

export interface TaggedKind<S extends Spec, O extends Observed<S>> {
  readonly kind: ResourceKind;
  /** tie-break for ordering only (dependencies come from Refs): lower ranks are created first, deleted last */
  readonly rank: number;
  /** 'delete-first' when the old and new resource cannot coexist (a load balancer's listeners and name) */
  readonly replaceOrder: 'delete-first' | 'create-first';
  observed(state: ObservedState): readonly O[];
  /**
   * Why a replacement the diff forces cannot be made (the planner then leaves the resource as it is and
   * warns), or undefined when it can.
   */
  replaceBlocked?(desired: S, observed: O): string | undefined;
  diff(desired: S, observed: O, resolve: Resolver, tags: TagContext): FieldDiff[];
  /** the observed spec as a plan shows it in `before`: every tag and attribute included */
  before(observed: O): S;
  /** what Refs to this resource resolve to while it is kept */
  refValue(observed: O, field: Ref['field']): string | undefined;
}

/** ordering ranks, one place: SG → TG → LB → listener → rule → binding (upstream's deploy order) */
export const RANK: Readonly<Record<ResourceKind, number>> = {
  SecurityGroup: 0, TargetGroup: 1, LoadBalancer: 2, Listener: 3, ListenerRule: 4, TargetGroupBinding: 5,
};
