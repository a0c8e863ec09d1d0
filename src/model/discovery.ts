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

/** a DNS record ACM checks before it issues a certificate (DescribeCertificate DomainValidationOptions[].ResourceRecord) */
export interface ValidationRecord {
  readonly domainName: string;
  readonly name: string;
  readonly type: string;
  readonly value: string;
}

/** an ACM certificate this controller requested for the stack (create-acm-cert), found by its tags */
export interface ManagedCertificate {
  readonly arn: string;
  /** the ingress.k8s.aws/resource tag: which Ingress it is for (acmResourceId) */
  readonly resourceId: string;
  readonly domainName: string;
  /** every name it covers, domainName included, sorted */
  readonly subjectAlternativeNames: readonly string[];
  /** ACM's status: PENDING_VALIDATION, ISSUED, FAILED, ... */
  readonly status: string;
  /** AMAZON_ISSUED or PRIVATE */
  readonly type?: string;
  readonly validationRecords: readonly ValidationRecord[];
  /** ARNs of the AWS resources using it (empty from moto, which does not track use) */
  readonly inUseBy: readonly string[];
  /** ISO 8601 */
  readonly createdAt?: string;
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
   * the certificates this controller requested for the group being built (feature gate EnableCertificateManagement);
   * absent when not read (plan offline): a certificate to create is then known after it is issued
   */
  readonly managedCertificates?: readonly ManagedCertificate[];
  /**
   * the cluster's shared backend security group (k8s-traffic-<cluster>-<hash>, or --backend-security-group):
   * absent while it does not exist yet (the controller creates it before the first apply that needs it)
   */
  readonly backendSecurityGroupId?: string;
  /** regional WAFv2 web ACLs by name → ARN (to resolve wafv2-acl-name), listed only when a stack names one */
  readonly wafv2WebAcls?: Readonly<Record<string, string>>;
  /**
   * ELBv2 trust stores named in mutual-authentication, name → ARN (DescribeTrustStores by name), null when none has
   * that name; a name not in the record was not looked up
   */
  readonly trustStores?: Readonly<Record<string, string | null>>;
}
