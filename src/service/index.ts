// The Service → NLB builder (pure). Annotation parsing and the registry of upstream Service annotations live in ./annotations.ts.
export { buildServiceStack, emptyServiceStack, existingLoadBalancerOf, serviceIdOf, serviceInputIssues, serviceRef } from './build.ts';
export { serviceManagement, hasServiceFinalizer, DEFAULT_LOAD_BALANCER_CLASS, LOAD_BALANCER_TYPE_KEY, TARGET_TYPE_KEY } from './match.ts';
export type { ServiceManagement, MatchConfig } from './match.ts';
export { SERVICE_PREFIX, SERVICE_TABLE, parseServiceAnnotations } from './annotations.ts';
export type { ServiceAnnotations } from './annotations.ts';
export { nlbName, nlbSecurityGroupName, nlbTargetGroupName, nlbTargetGroupId, serviceStackId } from './naming.ts';
export type { ServiceId, NlbTargetGroupNameInput } from './naming.ts';
export { DEFAULT_SERVICE_GATES } from './types.ts';
export type { ServiceBuildConfig, ServiceBuildInput, ServiceBuildResult, ServiceGates, ExistingLoadBalancer } from './types.ts';
