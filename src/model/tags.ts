// Tag keys, in one place. They are upstream's, so that resources the upstream controller created are
// found and adopted in place. A resource is owned iff it carries the cluster and stack tags (isOwnedBy).
import type { StackFamily } from './stack.ts';

export const TAG_CLUSTER = 'elbv2.k8s.aws/cluster';
export const TAG_INGRESS_STACK = 'ingress.k8s.aws/stack';
export const TAG_INGRESS_RESOURCE = 'ingress.k8s.aws/resource';
export const TAG_SERVICE_STACK = 'service.k8s.aws/stack';
export const TAG_SERVICE_RESOURCE = 'service.k8s.aws/resource';
export const TAG_SHARED_RESOURCE = 'elbv2.k8s.aws/resource';

/**
 * written by the v1 ALB ingress controller. It does NOT make a resource ours (see isOwnedBy); tag
 * reconciliation leaves it where it is (isIgnoredTagKey).
 */
export const LEGACY_TAG_INGRESS_CLUSTER = 'ingress.k8s.aws/cluster';

/**
 * The one ownership predicate, shared by deploy/observe (what a stack owns) and deploy/apply (what it may
 * modify or delete): a resource belongs to this cluster iff it carries `elbv2.k8s.aws/cluster=<cluster>` and
 * a non-empty stack tag (`ingress.k8s.aws/stack` or `service.k8s.aws/stack`).
 *
 * Resources carrying only the v1 controller's `ingress.k8s.aws/cluster=<cluster>` are not adopted: the IAM
 * policy grants Modify and Delete only on resources tagged `elbv2.k8s.aws/cluster`, and the controller never
 * adds that tag after creation, so observing them as owned would plan updates and deletes that fail with
 * NotOwned forever (and an Ingress finalizer that is never removed). To hand such a resource over, a user
 * adds `elbv2.k8s.aws/cluster=<cluster>` to it by hand.
 */
export function isOwnedBy(tags: Readonly<Record<string, string>> | undefined, clusterName: string): boolean {
  if (tags === undefined || clusterName === '' || tags[TAG_CLUSTER] !== clusterName) return false;
  return nonEmpty(tags[TAG_INGRESS_STACK]) || nonEmpty(tags[TAG_SERVICE_STACK]);
}

/** the stack of one family (Ingress by default) an owned resource belongs to (isOwnedBy), or undefined */
export function owningStack(tags: Readonly<Record<string, string>> | undefined, clusterName: string, family: StackFamily = 'ingress'): string | undefined {
  const stack = tags?.[stackTagKey(family)];
  return nonEmpty(stack) && isOwnedBy(tags, clusterName) ? stack : undefined;
}

/** the tag naming a resource's stack: ingress.k8s.aws/stack or service.k8s.aws/stack */
export const stackTagKey = (family: StackFamily = 'ingress'): string => (family === 'service' ? TAG_SERVICE_STACK : TAG_INGRESS_STACK);
/** the tag naming a resource's logical ID within its stack: ingress.k8s.aws/resource or service.k8s.aws/resource */
export const resourceTagKey = (family: StackFamily = 'ingress'): string => (family === 'service' ? TAG_SERVICE_RESOURCE : TAG_INGRESS_RESOURCE);

const nonEmpty = (v: string | undefined): v is string => v !== undefined && v !== '';

/** keys users may not set through --default-tags or the tags annotation */
export const RESERVED_TAG_KEYS: readonly string[] = [
  TAG_CLUSTER, TAG_SHARED_RESOURCE, TAG_INGRESS_STACK, TAG_INGRESS_RESOURCE, TAG_SERVICE_STACK, TAG_SERVICE_RESOURCE,
];

/** keys that tag reconciliation never adds or removes */
export function isIgnoredTagKey(key: string, clusterName: string, externalManaged: readonly string[] = []): boolean {
  return key.startsWith('aws:')
    || key === `kubernetes.io/cluster/${clusterName}`
    || ['kubernetes.io/cluster-name', 'kubernetes.io/namespace', 'kubernetes.io/ingress-name', 'kubernetes.io/service-name',
      'kubernetes.io/service-port', LEGACY_TAG_INGRESS_CLUSTER].includes(key)
    || externalManaged.includes(key);
}

/** `elbv2.k8s.aws/resource` value of the cluster's shared backend security group (upstream's) */
export const BACKEND_SG_RESOURCE = 'backend-sg';

/**
 * Tags of the shared backend security group, as upstream sets them: --default-tags, then the cluster tag and
 * `elbv2.k8s.aws/resource=backend-sg`. It has no stack tag: it belongs to the cluster, not to one stack.
 */
export const backendSecurityGroupTags = (clusterName: string, defaultTags: Readonly<Record<string, string>> = {}): Record<string, string> => ({
  ...defaultTags,
  [TAG_CLUSTER]: clusterName,
  [TAG_SHARED_RESOURCE]: BACKEND_SG_RESOURCE,
});

export const stackTags = (clusterName: string, stackId: string, resourceId: string, family: StackFamily = 'ingress'): Record<string, string> => ({
  [TAG_CLUSTER]: clusterName,
  [stackTagKey(family)]: stackId,
  [resourceTagKey(family)]: resourceId,
});

// Finalizers and labels, also upstream's.
export const FINALIZER_IMPLICIT_GROUP = 'ingress.k8s.aws/resources';
export const finalizerForExplicitGroup = (groupName: string): string => `group.ingress.k8s.aws/${groupName}`;
export const FINALIZER_TARGET_GROUP_BINDING = 'elbv2.k8s.aws/resources';
export const FINALIZER_SERVICE = 'service.k8s.aws/resources';
export const LABEL_STACK = 'ingress.k8s.aws/stack';
export const LABEL_STACK_NAMESPACE = 'ingress.k8s.aws/stack-namespace';
export const LABEL_STACK_NAME = 'ingress.k8s.aws/stack-name';
/** labels of a Service's TargetGroupBindings (upstream's) */
export const LABEL_SERVICE_STACK_NAMESPACE = 'service.k8s.aws/stack-namespace';
export const LABEL_SERVICE_STACK_NAME = 'service.k8s.aws/stack-name';
