// Kubernetes objects the controller writes (as opposed to the AWS resources in elbv2.ts).
import type { ArnOrRef, Known } from './refs.ts';
import type { IpAddressType, TargetType } from './elbv2.ts';

export interface TargetGroupBindingSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly targetGroupARN: ArnOrRef;
  readonly targetType: TargetType;
  readonly serviceRef: { readonly name: string; readonly port: number | string };
  /** instance mode: node label selector from target-node-labels */
  readonly nodeSelector?: { readonly matchLabels: Readonly<Record<string, string>> };
  readonly ipAddressType: Extract<IpAddressType, 'ipv4'> | 'ipv6';
  readonly vpcID?: string;
  /** the target group's protocol, as upstream records it on Service bindings (TCP, UDP, TLS, TCP_UDP, ...) */
  readonly targetGroupProtocol?: string;
  /** shared with other clusters: only the targets this binding registered are deregistered (ADR 0020) */
  readonly multiClusterTargetGroup?: boolean;
  /**
   * security-group rules the controller keeps on node/pod ENI groups for this binding; the source group is the
   * shared backend group (an Unknown until it is known), or the load balancer's managed group
   */
  readonly networking?: {
    readonly ingress: readonly {
      /** a CIDR may be known only after discovery (the NLB's subnets, the VPC) */
      readonly from: readonly ({ readonly securityGroup: { readonly groupID: Known<ArnOrRef> } } | { readonly ipBlock: { readonly cidr: Known<string> } })[];
      readonly ports: readonly { readonly protocol: 'TCP' | 'UDP'; readonly port?: number | string }[];
    }[];
  };
}

/** elbv2.k8s.aws/v1beta1 IngressClassParams spec (cluster-scoped); fields as upstream names them (their status: upstream-keys.ts) */
export interface IngressClassParamsSpec {
  readonly loadBalancerName?: string;
  readonly namespaceSelector?: { readonly matchLabels?: Readonly<Record<string, string>>; readonly matchExpressions?: readonly { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[] };
  readonly group?: { readonly name: string };
  readonly scheme?: 'internal' | 'internet-facing';
  readonly ipAddressType?: IpAddressType;
  readonly subnets?: { readonly ids?: readonly string[]; readonly tags?: Readonly<Record<string, readonly string[]>> };
  readonly inboundCIDRs?: readonly string[];
  readonly prefixListsIDs?: readonly string[];
  /** the legacy spelling of prefixListsIDs, read when that is empty (the CRD refuses both together) */
  readonly PrefixListsIDs?: readonly string[];
  readonly certificateArn?: readonly string[];
  readonly sslPolicy?: string;
  readonly sslRedirectPort?: string;
  readonly targetType?: TargetType;
  readonly tags?: readonly { readonly key: string; readonly value: string }[];
  readonly loadBalancerAttributes?: readonly { readonly key: string; readonly value: string }[];
  readonly listeners?: readonly { readonly protocol?: string; readonly port?: number; readonly listenerAttributes?: readonly { readonly key: string; readonly value: string }[] }[];
  readonly minimumLoadBalancerCapacity?: { readonly capacityUnits?: number };
  readonly ipamConfiguration?: { readonly ipv4IPAMPoolId?: string };
  readonly wafv2AclArn?: string;
  readonly wafv2AclName?: string;
}

/**
 * What the builder may know of the Secret an auth-idp-oidc annotation names: its client ID and a keyed digest of
 * client ID and secret (src/k8s/oidc-secrets.ts), or why it cannot be used; never the client secret itself.
 */
export interface OidcSecretInfo {
  readonly namespace: string;
  readonly name: string;
  readonly clientId?: string;
  /** absent when the Secret has no metadata.uid to key the digest with (a manifest never applied) */
  readonly digest?: string;
  /** set when the Secret cannot be used: not found, not readable, a key missing */
  readonly problem?: string;
}
