// The IAM policy for the controller of ONE cluster (`aws-lb-controller iam-policy`). iam/policy.json, like
// upstream's, only asks that the ownership tag elbv2.k8s.aws/cluster be present; this one asks that it name this
// cluster (StringEquals), so one cluster's controller cannot change another cluster's load balancers, and it
// conditions what upstream leaves open, as far as IAM can (Service Authorization Reference, ELBv2 and EC2: which
// resource each action is authorized on decides whose tags a condition sees):
//
//   CreateListener            authorized on the load balancer: its cluster tag must name this cluster
//   CreateRule                authorized on the listener: the listener's cluster tag (every listener we make has it)
//   listener and rule changes authorized on the listener or rule itself, never on its load balancer: their own
//                             cluster tag (set on every listener and rule we create, as upstream's ListenerRulesTagging)
//   Register/DeregisterTargets  this cluster's target groups; others only by ARN (--external-target-group-arns)
//   security-group ingress    the managed groups (our cluster tag); node and pod groups, which are not ours and carry
//                             no elbv2.k8s.aws tag, only when tagged kubernetes.io/cluster/<name> (EKS tags its cluster
//                             security group so) or named by ID (--node-security-group-ids): nothing else in the
//                             request tells a node group of this cluster from any other group
//
// Left open, and why: the read-only Describe/List calls (no resource-level permissions), and CreateSecurityGroup
// on the VPC side of the call (a VPC carries no cluster tag; --aws-vpc-id narrows it to the cluster's VPC).
import { TAG_CLUSTER } from '../model/tags.ts';
import { clusterTagKey } from '../targets/networking.ts';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';
export const PARTITIONS: readonly Partition[] = ['aws', 'aws-cn', 'aws-us-gov'];

export interface ClusterPolicyOptions {
  readonly clusterName: string;
  readonly partition?: Partition;
  /** CreateSecurityGroup only in this VPC */
  readonly vpcId?: string | undefined;
  /** node or pod security groups without the kubernetes.io/cluster/<name> tag that bindings may open */
  readonly nodeSecurityGroupIds?: readonly string[];
  /** target groups made outside the cluster that TargetGroupBindings register targets in (ARN patterns) */
  readonly externalTargetGroupArns?: readonly string[];
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** the longest key of a tag whose key holds the cluster name (kubernetes.io/cluster/<name>) may be 128 characters */
const MAX_TAG_KEY = 128;
/** characters AWS allows in tag keys and values (no $ { } * ? quotes: a name needs no escaping in a policy) */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;

/** why this cluster name cannot be written into the policy, or undefined when it can */
export function clusterNameProblem(name: string): string | undefined {
  if (name === '') return '--cluster-name is required';
  if (name.trim() !== name) return `--cluster-name "${name}" starts or ends with a space`;
  if (!TAG_CHARACTERS.test(name)) {
    return `--cluster-name "${name}" has characters AWS does not allow in tags (allowed: letters, digits, spaces and _ . : / = + - @), `
      + 'so no resource can carry it and the policy could not name it (e.g. "${…}" is an IAM policy variable, "*" a wildcard)';
  }
  const key = clusterTagKey(name);
  if (key.length > MAX_TAG_KEY) {
    return `--cluster-name is ${name.length} characters long; the node security-group tag key ${key.slice(0, 30)}… would exceed AWS's ${MAX_TAG_KEY}-character limit`;
  }
  return undefined;
}

const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
/** a target group ARN, wildcards allowed in region, account and name/id (IAM ARN patterns) */
const TARGET_GROUP_ARN = /^arn:(aws|aws-cn|aws-us-gov):elasticloadbalancing:[a-z0-9*-]*:(\d{12}|\*):targetgroup\/[A-Za-z0-9*?-]+\/[0-9a-f*?]+$/;

/** problems with the options other than the cluster name, one message each */
export function optionProblems(o: ClusterPolicyOptions): string[] {
  const out: string[] = [];
  const name = clusterNameProblem(o.clusterName);
  if (name) out.push(name);
  if (o.vpcId !== undefined && !VPC_ID.test(o.vpcId)) out.push(`--aws-vpc-id must be a VPC ID (vpc-…), got "${o.vpcId}"`);
  for (const id of o.nodeSecurityGroupIds ?? []) {
    if (!SECURITY_GROUP_ID.test(id)) out.push(`--node-security-group-ids: "${id}" is not a security group ID (sg-…)`);
  }
  for (const arn of o.externalTargetGroupArns ?? []) {
    if (!TARGET_GROUP_ARN.test(arn)) out.push(`--external-target-group-arns: "${arn}" is not a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>, * allowed)`);
    else if (arn.split(':')[1] !== (o.partition ?? 'aws')) out.push(`--external-target-group-arns: "${arn}" is not in partition ${o.partition ?? 'aws'} (--partition)`);
  }
  return out;
}

/** the read-only calls (no resource-level permissions, nothing to condition) */
const READ_ACTIONS = [
  'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs',
  'elasticloadbalancing:DescribeCapacityReservation', 'elasticloadbalancing:DescribeListenerAttributes', 'elasticloadbalancing:DescribeListenerCertificates', 'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeRules',
  'elasticloadbalancing:DescribeTags', 'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeTrustStores', 'acm:DescribeCertificate', 'acm:ListCertificates', 'acm:ListTagsForCertificate', 'tag:GetResources',
  // ELB checks an authenticate-cognito action's user pool client with the caller's rights
  'cognito-idp:DescribeUserPoolClient',
];

/**
 * Web ACLs and Shield protections (ADR 16): WAF and Shield take no resource-level condition on the load balancer's
 * tags; associating a web ACL also needs elasticloadbalancing:SetWebAcl on the load balancer, which is conditioned.
 */
const ADDON_ACTIONS = [
  'shield:CreateProtection', 'shield:DeleteProtection', 'shield:DescribeProtection', 'shield:DescribeSubscription', 'shield:GetSubscriptionState',
  'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL', 'wafv2:GetWebACLForResource', 'wafv2:ListWebACLs',
];

/**
 * The policy for one cluster. Throws on options that would make a broken or wider policy (see optionProblems);
 * the command reports those as usage errors first.
 */
export function clusterScopedPolicy(o: ClusterPolicyOptions): PolicyDocument {
  const problems = optionProblems(o);
  if (problems.length) throw new Error(problems.join('; '));
  const p = o.partition ?? 'aws';
  const securityGroups = `arn:${p}:ec2:*:*:security-group/*`;
  const name = o.clusterName;
  const owned = { [`aws:ResourceTag/${TAG_CLUSTER}`]: name };
  const requested = { [`aws:RequestTag/${TAG_CLUSTER}`]: name };
  /** the tags a change adds or removes never include the cluster tag (it is set at creation only) */
  const keepsClusterTag = { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': [TAG_CLUSTER] } };
  const allow = (Sid: string, Action: readonly string[], Resource: string | readonly string[], Condition?: PolicyStatement['Condition']): PolicyStatement =>
    ({ Sid, Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });
  const ingressRules = ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'];

  // Statements share conditions where IAM allows (the managed-policy size limit is 6,144 characters); every
  // write is either a create carrying this cluster's tag or a change of a resource carrying it.
  const statements: PolicyStatement[] = [
    allow('ElbServiceLinkedRole', ['iam:CreateServiceLinkedRole'], '*', { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } }),
    allow('Read', READ_ACTIONS, '*'),
    allow('WebAclsAndShieldProtections', ADDON_ACTIONS, '*'),
    allow('CreateSecurityGroupInVpc', ['ec2:CreateSecurityGroup'], `arn:${p}:ec2:*:*:vpc/${o.vpcId ?? '*'}`),
    // creates: the new resource carries this cluster's tag, set in the create call itself
    allow('CreateTagged', ['ec2:CreateSecurityGroup', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'], '*',
      { StringEquals: requested }),
    // listeners and rules: created on a load balancer (CreateListener) or listener (CreateRule) of this cluster
    allow('CreateTaggedOnOwned', ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateRule'], '*', { StringEquals: { ...owned, ...requested } }),
    allow('TagSecurityGroupOnCreate', ['ec2:CreateTags'], securityGroups, { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup', ...requested } }),
    allow('TagOnCreate', ['elasticloadbalancing:AddTags'], '*', {
      StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateListener', 'CreateLoadBalancer', 'CreateRule', 'CreateTargetGroup'], ...requested },
    }),
    // changes and deletes: only what carries this cluster's tag (listeners and rules are authorized on their own
    // tags, which the controller always sets; IAM never looks at their load balancer for these actions)
    allow('ChangeOwned', [
      'ec2:AuthorizeSecurityGroupIngress', 'ec2:DeleteSecurityGroup', 'ec2:RevokeSecurityGroupIngress',
      'elasticloadbalancing:AddListenerCertificates', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:DeleteLoadBalancer',
      'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:DeleteTargetGroup', 'elasticloadbalancing:DeregisterTargets',
      'elasticloadbalancing:ModifyCapacityReservation', 'elasticloadbalancing:ModifyIpPools', 'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyListenerAttributes',
      'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:ModifyRule',
      'elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:RegisterTargets',
      'elasticloadbalancing:RemoveListenerCertificates', 'elasticloadbalancing:SetIpAddressType', 'elasticloadbalancing:SetRulePriorities',
      'elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:SetSubnets', 'elasticloadbalancing:SetWebAcl',
    ], '*', { StringEquals: owned }),
    allow('RetagOwnedSecurityGroups', ['ec2:CreateTags', 'ec2:DeleteTags'], securityGroups, { StringEquals: owned, ...keepsClusterTag }),
    allow('RetagOwned', ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'], '*', { StringEquals: owned, ...keepsClusterTag }),
    // node and pod security groups (TargetGroupBinding networking) are not ours: the cluster's own tag on them
    allow('RulesOnClusterSecurityGroups', ingressRules, securityGroups, { Null: { [`aws:ResourceTag/${clusterTagKey(name)}`]: 'false' } }),
    ...(o.nodeSecurityGroupIds?.length
      ? [allow('RulesOnNamedSecurityGroups', ingressRules, o.nodeSecurityGroupIds.map((id) => `arn:${p}:ec2:*:*:security-group/${id}`))]
      : []),
    // create-acm-cert (ADR 0018): certificates requested with this cluster's tag, deleted only when they carry it;
    // a private CA issues with the caller's rights (as upstream's iam_policy_acm_certs.json)
    allow('RequestTaggedCertificates', ['acm:AddTagsToCertificate', 'acm:RequestCertificate'], '*', { StringEquals: requested }),
    allow('DeleteOwnedCertificates', ['acm:DeleteCertificate'], '*', { StringEquals: owned }),
    allow('PrivateCaReads', ['acm-pca:GetCertificate', 'acm-pca:ListPermissions'], '*'),
    allow('PrivateCaIssue', ['acm-pca:IssueCertificate'], `arn:${p}:acm-pca:*:*:certificate-authority/*`),
    ...(o.externalTargetGroupArns?.length ? [allow('TargetsInExternalTargetGroups', ['elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:RegisterTargets'], o.externalTargetGroupArns)] : []),
  ];
  return { Version: '2012-10-17', Statement: statements };
}
