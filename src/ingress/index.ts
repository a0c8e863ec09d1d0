// The Ingress → Stack builder (pure). Annotation parsing lives in ./annotations/.
export { buildStacks, buildStacksSteps, buildGroup } from './build.ts';
export type { Snapshot, BuildConfig, BuildResult, GroupOutcome, Contest, DeployedLoadBalancers, IngressClassParamsObject } from './snapshot.ts';
export { ingressKey, ingressRef, isDeleting } from './snapshot.ts';
export { matchIngressClass, selectorMatches, ALB_CONTROLLER, ANNOTATION_LEGACY_CLASS, ANNOTATION_DEFAULT_CLASS } from './class-match.ts';
export type { ClassMatch } from './class-match.ts';
export { groupMembers, groupMembersSteps, classifyIngress, groupKeysOfIngress, groupsOfFinalizers, finalizerFor, compareMembers } from './group.ts';
export type { Member, IngressGroup, Grouping, Classified } from './group.ts';
export {
  loadBalancerName, managedSecurityGroupName, backendSecurityGroupName, backendSecurityGroupUnknown, targetGroupName, targetGroupId, groupIdString, sanitize,
  BACKEND_SG_DESCRIPTION,
} from './naming.ts';
export type { GroupId, TargetGroupNameInput } from './naming.ts';
export { chooseCertificate, wildcardCovers } from './certificates.ts';
export { certificateRequests, FAILED_STATUSES as FAILED_CERTIFICATE_STATUSES } from './acm-certificates.ts';
export type { CertificateRequest } from './acm-certificates.ts';
export { resolveSubnets } from './subnets.ts';
export { pathPatterns, sortPaths, ruleConditions, referencedServices } from './build-rules.ts';
export { optionalFactsNeeded, oidcSecretsNeeded } from './facts-needed.ts';
export type { OptionalFacts } from './facts-needed.ts';
