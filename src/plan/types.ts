// The Plan: an ordered list of changes that apply executes exactly as written (see docs/plan-format.md).
import type { ResourceKind } from '../model/refs.ts';
import type { Resource } from '../model/stack.ts';
import type { TargetGroupBindingSpec } from '../model/k8s.ts';

export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'noop';

/** a resource's spec as a plan shows it: the desired one (after) or the observed one (before) */
export type Spec = Resource['spec'];

/**
 * One field that differs, or may differ. `path` starts with the spec field ("healthCheck.path");
 * map keys follow as `.key` when they are plain identifiers, else as `["key"]` ("tags["a/b"]").
 */
export interface FieldDiff {
  readonly path: string;
  /** absent: the key is new */
  readonly before?: unknown;
  /** absent: the key goes away (tags only) */
  readonly after?: unknown;
  /** 'unknown': the desired value holds an Unknown, so equality cannot be decided yet */
  readonly status: 'changed' | 'unknown';
  /** set when a change to this field can only be made by replacing the resource */
  readonly forcesReplacement?: boolean;
}

/**
 * One step of the plan. Before and after by action:
 * - create: after only. update: before (observed, with every tag and attribute) and after (desired).
 * - noop: both; nothing is executed, but `arn` tells apply the ARN of an existing resource that others refer to.
 * - delete: before only; `arn` is what to delete.
 * - replace: appears twice with the same kind and id, once per `phase`. Their order is the order of
 *   execution: delete-then-create (load balancers, bindings) or create-then-delete (target groups, security groups).
 * Refs left in `after` point at resources this plan creates ("known after apply"); Refs to resources that
 * exist and are kept are already resolved to their ARN. An Unknown in `after` makes the plan incomplete.
 */
export interface Change {
  readonly action: ChangeAction;
  readonly kind: ResourceKind;
  /** logical ID (the `ingress.k8s.aws/resource` tag value); a deleted listener rule uses "<port>:<priority>" */
  readonly id: string;
  /** the existing resource: for update, noop, delete and both phases of replace */
  readonly arn?: string;
  /** replace only: which half of the replacement this step executes */
  readonly phase?: 'create' | 'delete';
  readonly before?: Spec;
  readonly after?: Spec;
  /** for people; never parse it */
  readonly reason: string;
  /** replace: the paths that forced it */
  readonly replaceFields?: readonly string[];
  /** update (and replace): the paths that differ */
  readonly fields?: readonly string[];
  /** paths whose desired value is known only after discovery */
  readonly unknownFields?: readonly string[];
  /** per-field before and after, for fields and unknownFields */
  readonly diffs?: readonly FieldDiff[];
}

export interface Plan {
  readonly formatVersion: '1';
  readonly stackId: string;
  /** 'service' for a Service's NLB stack (its ID, "namespace/name", may equal an Ingress group's); absent for an IngressGroup */
  readonly family?: 'service';
  /** in execution order */
  readonly changes: readonly Change[];
  /** false when any Unknown remains (in `after` or in a compared field): apply refuses such a plan */
  readonly complete: boolean;
  /** things the planner left alone, e.g. an owned resource without a resource tag */
  readonly warnings?: readonly string[];
}

/** A TargetGroupBinding as read from the cluster (only those labelled for this stack). */
export interface ObservedBinding {
  readonly namespace: string;
  readonly name: string;
  readonly spec: TargetGroupBindingSpec;
}

export interface PlanOptions {
  readonly clusterName: string;
  /** tag keys managed outside the controller (--external-managed-tags): never added or removed */
  readonly externalManagedTags?: readonly string[];
  /**
   * TargetGroupBindings in the cluster for this stack. Without it, a binding is planned as a create when its
   * target group is created or replaced, and as a noop otherwise (it is assumed to be in place).
   */
  readonly observedBindings?: readonly ObservedBinding[];
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
  readonly noop: number;
}
