// Facts about the account that the builder needs, gathered by aws/discovery (cached, shared between
// groups) or loaded from a JSON file by the plan command. Every field is optional: a missing fact
// becomes an Unknown in the stack ("known after discovery"), never a failure.

export interface DiscoveredSubnet {
  readonly id: string;
  readonly availabilityZone: string;
  readonly availabilityZoneId?: string;
  readonly cidrBlock: string;
  /** associated IPv6 CIDR blocks (network load balancers: IPv6 addresses and source-NAT prefixes must fall in one) */
  readonly ipv6CidrBlocks?: readonly string[];
  readonly vpcId: string;
  readonly availableIpAddressCount: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface DiscoveredSecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly vpcId: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface DiscoveredCertificate {
  readonly arn: string;
  readonly domainName: string;
  /** every name the certificate covers, domainName included */
  readonly subjectAlternativeNames: readonly string[];
  readonly status: string;
  readonly type?: string;
  /** ISO 8601 */
  readonly notAfter?: string;
}

export interface DiscoveredFacts {
  readonly vpcId?: string;
  readonly vpcCidrs?: readonly string[];
  /** subnets of the VPC */
  readonly subnets?: readonly DiscoveredSubnet[];
  /** security groups of the VPC (to resolve names given in annotations) */
  readonly securityGroups?: readonly DiscoveredSecurityGroup[];
  /** ISSUED ACM certificates */
  readonly certificates?: readonly DiscoveredCertificate[];
  /**
   * the cluster's shared backend security group (k8s-traffic-<cluster>-<hash>, or --backend-security-group):
   * absent while it does not exist yet (the controller creates it before the first apply that needs it)
   */
  readonly backendSecurityGroupId?: string;
  /** regional WAFv2 web ACLs by name → ARN (to resolve wafv2-acl-name), listed only when a stack names one */
  readonly wafv2WebAcls?: Readonly<Record<string, string>>;
}
