// The Service builder's inputs and outputs.
import type { V1Service } from '@kubernetes/client-node';
import type { ArnOrRef, DiscoveredFacts, Issue, Note, Scheme, Stack, TargetType } from '../model/index.ts';

/** upstream's feature gates that change how a Service is built (pkg/config/feature_gates.go) */
export interface ServiceGates {
  readonly serviceTypeLoadBalancerOnly: boolean;
  readonly enableIPTargetType: boolean;
  readonly nlbSecurityGroup: boolean;
  readonly nlbHealthCheckAdvancedConfig: boolean;
  readonly enableTCPUDPListener: boolean;
  readonly lbCapacityReservation: boolean;
  readonly enableDefaultTagsLowPriority: boolean;
  /** discovered subnets tagged only for other clusters are skipped */
  readonly subnetsClusterTagCheck: boolean;
}

export const DEFAULT_SERVICE_GATES: ServiceGates = Object.freeze({
  serviceTypeLoadBalancerOnly: false,
  enableIPTargetType: true,
  nlbSecurityGroup: true,
  nlbHealthCheckAdvancedConfig: true,
  enableTCPUDPListener: false,
  lbCapacityReservation: true,
  enableDefaultTagsLowPriority: false,
  subnetsClusterTagCheck: true,
});

export interface ServiceBuildConfig {
  readonly clusterName: string;
  /** --load-balancer-class: the spec.loadBalancerClass this controller manages */
  readonly loadBalancerClass: string;
  readonly defaultScheme: Scheme;
  readonly defaultTargetType: TargetType;
  readonly defaultSslPolicy: string;
  readonly defaultTags: Readonly<Record<string, string>>;
  readonly externalManagedTags: readonly string[];
  readonly gates: ServiceGates;
  /**
   * Seam for upstream's shared backend security group (`k8s-traffic-<cluster>-<hash>`, --enable-backend-security-group).
   * Absent (today): the NLB's managed security group is the source that node and pod security groups admit, as upstream
   * does with --enable-backend-security-group=false. Present: it is attached to the NLB next to the managed group and
   * becomes that source, and `manage-backend-security-group-rules: true` with user-given groups becomes possible.
   */
  readonly backendSecurityGroup?: ArnOrRef;
}

/** What AWS holds for the Service's NLB today (observed by its stack tags); upstream reads the same before building. */
export interface ExistingLoadBalancer {
  readonly scheme: Scheme;
  /** subnet IDs */
  readonly subnets: readonly string[];
  /** security group IDs: empty for an NLB created without security groups, which can never get any */
  readonly securityGroups: readonly string[];
}

export interface ServiceBuildInput {
  readonly service: V1Service;
  readonly facts: DiscoveredFacts;
  readonly config: ServiceBuildConfig;
  readonly existing?: ExistingLoadBalancer;
}

/**
 * - `ignored`: not this controller's Service (and no finalizer of ours): nothing to do, nothing written.
 * - `build`: ours; `stack` is the desired NLB stack, or absent when `issues` block it (nothing is changed in AWS).
 * - `teardown`: no longer ours (deleted, class or annotations changed) but still holding our finalizer: `stack`
 *   is empty, so planning it deletes everything; absent when an Issue (deletion protection) holds the teardown.
 */
export type ServiceBuildResult =
  | { readonly action: 'ignored'; readonly why: string }
  | { readonly action: 'build' | 'teardown'; readonly stack?: Stack; readonly issues: readonly Issue[]; readonly notes: readonly Note[] };
