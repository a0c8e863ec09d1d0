// `aws-lb-controller iam-policy --cluster-name NAME`: prints the IAM policy for the controller of one cluster
// (see iam-policy.ts for what it conditions and why). Exit 0 with the JSON on stdout, 1 on bad flags.
import { parseArgs } from 'node:util';
import { clusterScopedPolicy, optionProblems, PARTITIONS, type ClusterPolicyOptions, type Partition } from './iam-policy.ts';
import { EXIT_OK, UsageError, type Io } from './io.ts';

/** IAM's limit for a customer managed policy, counted without whitespace */
export const MANAGED_POLICY_MAX_CHARS = 6144;

export const IAM_POLICY_USAGE = `Usage: aws-lb-controller iam-policy --cluster-name NAME [flags]

Prints the IAM policy (JSON) for the controller of one cluster. Like iam/policy.json, but every ownership
condition requires the tag elbv2.k8s.aws/cluster to be NAME (not just present), and listener, rule, target and
security-group writes are limited to this cluster's resources too. See docs/install-eks.md.

Flags:
      --cluster-name NAME               the controller's --cluster-name (required)
      --partition P                     ARN partition: ${PARTITIONS.join(', ')} (default aws)
      --aws-vpc-id VPC                  create security groups only in this VPC (default: any VPC)
      --node-security-group-ids ID,…    node or pod security groups NOT tagged kubernetes.io/cluster/NAME that
                                        TargetGroupBinding networking may add rules to (tagged ones need nothing)
      --external-target-group-arns ARN,…
                                        target groups created outside the cluster that TargetGroupBindings may
                                        register targets in (IAM wildcards allowed); by default only this cluster's

Exit codes: 0 the policy is printed, 1 bad flags (a cluster name AWS tags cannot hold, a malformed ID or ARN).
`;

const OPTIONS = {
  'cluster-name': { type: 'string' },
  partition: { type: 'string' },
  'aws-vpc-id': { type: 'string' },
  'node-security-group-ids': { type: 'string' },
  'external-target-group-arns': { type: 'string' },
} as const;

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function parseIamPolicyFlags(args: readonly string[]): ClusterPolicyOptions {
  let values: { [K in keyof typeof OPTIONS]?: string };
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const partition = values.partition ?? 'aws';
  if (!(PARTITIONS as readonly string[]).includes(partition)) throw new UsageError(`--partition must be one of ${PARTITIONS.join(', ')}, got "${partition}"`);
  const opts: ClusterPolicyOptions = {
    clusterName: values['cluster-name'] ?? '',
    partition: partition as Partition,
    ...(values['aws-vpc-id'] !== undefined ? { vpcId: values['aws-vpc-id'] } : {}),
    nodeSecurityGroupIds: list(values['node-security-group-ids']),
    externalTargetGroupArns: list(values['external-target-group-arns']),
  };
  const problems = optionProblems(opts);
  if (problems.length) throw new UsageError(problems.join('\n       '));
  return opts;
}

export function iamPolicyCommand(args: readonly string[], io: Io): Promise<number> {
  const text = JSON.stringify(clusterScopedPolicy(parseIamPolicyFlags(args)), null, 2) + '\n';
  const size = text.replace(/\s/g, '').length;
  if (size > MANAGED_POLICY_MAX_CHARS) {
    io.stderr(`note: the policy has ${size} characters without whitespace, more than a managed policy may (${MANAGED_POLICY_MAX_CHARS}); `
      + 'attach it as an inline role policy (up to 10,240) or name fewer security groups and target groups\n');
  }
  io.stdout(text);
  return Promise.resolve(EXIT_OK);
}
