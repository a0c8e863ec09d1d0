// Tag keys, in one place. They are upstream's, so that resources the upstream controller created are
// found and adopted in place. A resource is owned iff it carries the cluster and stack tags.

export const TAG_CLUSTER = 'elbv2.k8s.aws/cluster';
export const TAG_INGRESS_STACK = 'ingress.k8s.aws/stack';
export const TAG_INGRESS_RESOURCE = 'ingress.k8s.aws/resource';
export const TAG_SERVICE_STACK = 'service.k8s.aws/stack';
export const TAG_SERVICE_RESOURCE = 'service.k8s.aws/resource';
export const TAG_SHARED_RESOURCE = 'elbv2.k8s.aws/resource';

/** written by the v1 ALB ingress controller; still recognised as a stack's cluster tag */
export const LEGACY_TAG_INGRESS_CLUSTER = 'ingress.k8s.aws/cluster';

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

export const stackTags = (clusterName: string, stackId: string, resourceId: string): Record<string, string> => ({
  [TAG_CLUSTER]: clusterName,
  [TAG_INGRESS_STACK]: stackId,
  [TAG_INGRESS_RESOURCE]: resourceId,
});

// Finalizers and labels, also upstream's.
export const FINALIZER_IMPLICIT_GROUP = 'ingress.k8s.aws/resources';
export const finalizerForExplicitGroup = (groupName: string): string => `group.ingress.k8s.aws/${groupName}`;
export const FINALIZER_TARGET_GROUP_BINDING = 'elbv2.k8s.aws/resources';
export const FINALIZER_SERVICE = 'service.k8s.aws/resources';
export const LABEL_STACK = 'ingress.k8s.aws/stack';
export const LABEL_STACK_NAMESPACE = 'ingress.k8s.aws/stack-namespace';
export const LABEL_STACK_NAME = 'ingress.k8s.aws/stack-name';
