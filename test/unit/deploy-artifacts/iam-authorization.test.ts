// The two IAM policies (iam/policy.json and `iam-policy --cluster-name`) against the requests the controller
// sends, as AWS authorizes them (Service Authorization Reference: which resource each action is checked on, and
// which tags the condition keys then see). Every AWS action the code uses has a scenario here (checked against
// the source scan), and:
//   - both policies allow every scenario for the controller's own cluster;
//   - the cluster-scoped policy denies every scenario whose resource or request tags name another cluster,
//     where iam/policy.json (tag present, any value) lets it through.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { clusterNameProblem, clusterScopedPolicy } from '../../../src/cli/iam-policy.ts';
import { allows, allowingStatements, type AuthRequest, type Policy } from './iam-eval.ts';
import { controllerActions } from './sdk-usage.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TAG = 'elbv2.k8s.aws/cluster';
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const elb = (suffix: string): string => `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:${suffix}`;
const ec2 = (suffix: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:${suffix}`;
const ARN = {
  lb: elb('loadbalancer/app/k8s-shop-web-1a2b3c4d5e/50dc6c495c0c9188'),
  tg: elb('targetgroup/k8s-shop-web-8f2a91c0de/73e2d6bc24d8a067'),
  listener: elb('listener/app/k8s-shop-web-1a2b3c4d5e/50dc6c495c0c9188/f2f7dc8efc522ab2'),
  rule: elb('listener-rule/app/k8s-shop-web-1a2b3c4d5e/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee'),
  sg: ec2('security-group/sg-0123456789abcdef0'),
  nodeSg: ec2('security-group/sg-0fedcba9876543210'),
  vpc: ec2('vpc/vpc-0a1b2c3d4e5f60718'),
  slr: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
  cert: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012`,
  pca: `arn:aws:acm-pca:${REGION}:${ACCOUNT}:certificate-authority/12345678-1234-1234-1234-123456789012`,
};
type Kind = keyof typeof ARN;

/** a group of authorizations one controller call needs; `owned`: whose outcome depends on the cluster's tags */
interface Scenario { readonly what: string; readonly owned: boolean; readonly requests: readonly AuthRequest[] }

/** the tag keys of a create: ours (the stack and resource tags beside the cluster tag) */
const OWN_TAG_KEYS = [TAG, 'ingress.k8s.aws/stack', 'ingress.k8s.aws/resource'];
const req = (action: string, kind: Kind, context: AuthRequest['context'] = {}): AuthRequest => ({ action, resource: ARN[kind], context });
const resourceTag = (cluster: string): Record<string, string> => ({ [`aws:ResourceTag/${TAG}`]: cluster });
const requestTags = (cluster: string): AuthRequest['context'] => ({ [`aws:RequestTag/${TAG}`]: cluster, 'aws:TagKeys': OWN_TAG_KEYS });

const ELB_CHANGES: Readonly<Record<string, Kind>> = {
  DeleteLoadBalancer: 'lb', ModifyLoadBalancerAttributes: 'lb', ModifyCapacityReservation: 'lb', ModifyIpPools: 'lb', SetIpAddressType: 'lb', SetSecurityGroups: 'lb', SetSubnets: 'lb',
  DeleteTargetGroup: 'tg', ModifyTargetGroup: 'tg', ModifyTargetGroupAttributes: 'tg', RegisterTargets: 'tg', DeregisterTargets: 'tg',
  DeleteListener: 'listener', ModifyListener: 'listener', ModifyListenerAttributes: 'listener', AddListenerCertificates: 'listener', RemoveListenerCertificates: 'listener',
  DeleteRule: 'rule', ModifyRule: 'rule', SetRulePriorities: 'rule',
};

/** what the controller's calls need authorized, with `cluster` in every ownership tag (resource and request) */
function scenarios(cluster: string, readActions: readonly string[]): Scenario[] {
  const creates = (action: string, kind: Kind, parent?: Kind): Scenario => ({
    what: `${action} (${parent ? `on a ${parent} of the cluster, ` : ''}tagged in the call)`,
    owned: true,
    requests: [
      parent ? req(`elasticloadbalancing:${action}`, parent, { ...resourceTag(cluster), ...requestTags(cluster) }) : req(`elasticloadbalancing:${action}`, kind, requestTags(cluster)),
      req('elasticloadbalancing:AddTags', kind, { 'elasticloadbalancing:CreateAction': action, ...requestTags(cluster) }),
      ...(action === 'CreateLoadBalancer' ? [req('iam:CreateServiceLinkedRole', 'slr', { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' })] : []),
    ],
  });
  const retag = (action: string, kind: Kind): Scenario => ({
    what: `${action} on a ${kind} of the cluster (user tags only)`,
    owned: true,
    requests: [req(action, kind, { ...resourceTag(cluster), 'aws:RequestTag/team': 'a', 'aws:TagKeys': ['team'] })],
  });
  return [
    ...readActions.map((a) => ({ what: a, owned: false, requests: [{ action: a, resource: '*', context: {} }] })),
    creates('CreateLoadBalancer', 'lb'),
    creates('CreateTargetGroup', 'tg'),
    creates('CreateListener', 'listener', 'lb'),
    creates('CreateRule', 'rule', 'listener'),
    {
      what: 'ec2:CreateSecurityGroup (tagged in the call)', owned: true, requests: [
        req('ec2:CreateSecurityGroup', 'vpc', requestTags(cluster)),
        req('ec2:CreateSecurityGroup', 'sg', requestTags(cluster)),
        req('ec2:CreateTags', 'sg', { 'ec2:CreateAction': 'CreateSecurityGroup', ...requestTags(cluster) }),
      ],
    },
    ...Object.entries(ELB_CHANGES).map(([a, kind]) => ({ what: `${a} on a ${kind} of the cluster`, owned: true, requests: [req(`elasticloadbalancing:${a}`, kind, resourceTag(cluster))] })),
    ...['ec2:DeleteSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'].map((a) => ({
      what: `${a} on a managed security group of the cluster`, owned: true, requests: [req(a, 'sg', resourceTag(cluster))],
    })),
    ...['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'].map((a) => ({
      what: `${a} on a node security group tagged kubernetes.io/cluster/<cluster>`, owned: true,
      requests: [req(a, 'nodeSg', { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: 'owned' })],
    })),
    ...(['lb', 'tg', 'listener', 'rule'] as const).flatMap((k) => [retag('elasticloadbalancing:AddTags', k), retag('elasticloadbalancing:RemoveTags', k)]),
    retag('ec2:CreateTags', 'sg'),
    retag('ec2:DeleteTags', 'sg'),
    // web ACLs and Shield (ADR 16): WAF and Shield take no tag condition; the association is checked on the load balancer too
    ...['wafv2:AssociateWebACL'].map((a) => ({
      what: `${a} with a load balancer of the cluster`, owned: true,
      requests: [{ action: a, resource: '*', context: {} }, req('elasticloadbalancing:SetWebAcl', 'lb', resourceTag(cluster))],
    })),
    ...['wafv2:DisassociateWebACL', 'shield:CreateProtection', 'shield:DeleteProtection'].map((a) => ({
      what: `${a} (no resource condition, as upstream)`, owned: false, requests: [{ action: a, resource: '*', context: {} }],
    })),
    // create-acm-cert: requested with the cluster's tags in the call, deleted only when tagged for the cluster
    { what: 'acm:RequestCertificate (tagged in the call)', owned: true, requests: [
      req('acm:RequestCertificate', 'cert', requestTags(cluster)), req('acm:AddTagsToCertificate', 'cert', requestTags(cluster))] },
    { what: 'acm:DeleteCertificate of a certificate of the cluster', owned: true, requests: [req('acm:DeleteCertificate', 'cert', resourceTag(cluster))] },
    { what: 'acm-pca:IssueCertificate (a private certificate for create-acm-cert)', owned: false, requests: [req('acm-pca:IssueCertificate', 'pca')] },
  ];
}

const denied = (policy: Policy, s: Scenario): boolean => s.requests.some((r) => !allows(policy, r));
const firstDenied = (policy: Policy, s: Scenario): string => {
  const r = s.requests.find((x) => !allows(policy, x));
  return r ? `${s.what}: ${r.action} on ${r.resource} denied` : '';
};

describe('deploy artifacts: IAM policies against the requests the controller sends', function () {
  this.timeout(120_000);
  const NAME = 'prod-eu';
  const defaultPolicy = JSON.parse(readFileSync(path.join(ROOT, 'iam/policy.json'), 'utf8')) as Policy;
  const scoped = clusterScopedPolicy({ clusterName: NAME }) as Policy;
  let used: Set<string>;
  let reads: string[];

  before(async () => {
    ({ used } = await controllerActions(path.join(ROOT, 'src')));
    reads = [...used].filter((a) => /:(Describe|List|Get)/.test(a)).sort();
  });

  it('has a scenario for every AWS action the code uses', () => {
    const covered = new Set(scenarios(NAME, reads).flatMap((s) => s.requests.map((r) => r.action)));
    assert.deepEqual([...used].filter((a) => !covered.has(a)).sort(), [], 'actions used by src/ without a scenario here');
    assert.deepEqual([...covered].filter((a) => !used.has(a)).sort(), [], 'scenarios for actions src/ does not use');
  });

  it("both policies allow every request of the controller on its own cluster's resources", () => {
    for (const [label, policy] of [['iam/policy.json', defaultPolicy], ['iam-policy', scoped]] as const) {
      assert.deepEqual(scenarios(NAME, reads).map((s) => firstDenied(policy, s)).filter(Boolean), [], label);
    }
  });

  it("the cluster-scoped policy denies every change to another cluster's resources, which iam/policy.json allows", () => {
    const foreign = scenarios('staging', reads).filter((s) => s.owned);
    assert.ok(foreign.length >= 30, `${foreign.length} ownership scenarios`);
    assert.deepEqual(foreign.filter((s) => !denied(scoped, s)).map((s) => s.what), []);
    // the default policy only asks for the tag to be present: the gap the scoped policy closes
    const openByDefault = foreign.filter((s) => !denied(defaultPolicy, s)).length;
    console.log(`      iam: ${foreign.length} ownership scenarios; for another cluster iam/policy.json allows ${openByDefault}, iam-policy none`);
    assert.ok(openByDefault >= foreign.length / 2);
  });

  it('the cluster-scoped policy denies untagged resources, and never lets a change add or remove the cluster tag', () => {
    const untagged: AuthRequest[] = [
      req('elasticloadbalancing:CreateListener', 'lb', requestTags(NAME)),
      req('elasticloadbalancing:CreateRule', 'listener', requestTags(NAME)),
      req('elasticloadbalancing:DeleteRule', 'rule'),
      req('elasticloadbalancing:RegisterTargets', 'tg'),
      req('ec2:AuthorizeSecurityGroupIngress', 'nodeSg'),
      req('elasticloadbalancing:CreateLoadBalancer', 'lb', { 'aws:TagKeys': ['team'] }),
    ];
    for (const r of untagged) assert.deepEqual(allowingStatements(scoped, r).map((s) => s.Sid), [], `${r.action} on ${r.resource} without our tag`);
    for (const [action, kind] of [['elasticloadbalancing:AddTags', 'lb'], ['elasticloadbalancing:RemoveTags', 'rule'], ['ec2:CreateTags', 'sg'], ['ec2:DeleteTags', 'sg']] as const) {
      const r = req(action, kind, { ...resourceTag(NAME), [`aws:RequestTag/${TAG}`]: 'staging', 'aws:TagKeys': [TAG, 'team'] });
      assert.equal(allows(scoped, r), false, `${action} touching ${TAG}`);
    }
  });

  it('named node security groups and external target groups are allowed only with their flags, and only those', () => {
    const extTg = elb('targetgroup/terraform-web/0123456789abcdef');
    const withOptions = clusterScopedPolicy({
      clusterName: NAME, nodeSecurityGroupIds: ['sg-0fedcba9876543210'], externalTargetGroupArns: [elb('targetgroup/terraform-*/*')],
    }) as Policy;
    const nodeRule = req('ec2:AuthorizeSecurityGroupIngress', 'nodeSg');
    const register: AuthRequest = { action: 'elasticloadbalancing:RegisterTargets', resource: extTg, context: {} };
    assert.equal(allows(scoped, nodeRule), false);
    assert.equal(allows(scoped, register), false);
    assert.equal(allows(withOptions, nodeRule), true);
    assert.equal(allows(withOptions, register), true);
    assert.equal(allows(withOptions, { ...nodeRule, resource: ec2('security-group/sg-0aaaaaaaaaaaaaaaa') }), false, 'another untagged group');
    assert.equal(allows(withOptions, { ...register, resource: elb('targetgroup/other-web/0123456789abcdef') }), false, 'another untagged target group');
    assert.equal(allows(withOptions, { ...register, action: 'elasticloadbalancing:DeleteTargetGroup' }), false, 'only targets, not the group');
  });

  it('for any two cluster names: allows all of its own cluster and nothing of the other (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _.:/=+@-]{0,99}$/).filter((n) => clusterNameProblem(n) === undefined);
    fc.assert(fc.property(name, name, (a, b) => {
      fc.pre(a !== b);
      const policy = JSON.parse(JSON.stringify(clusterScopedPolicy({ clusterName: a }))) as Policy;
      return scenarios(a, reads).every((s) => !denied(policy, s)) && scenarios(b, reads).filter((s) => s.owned).every((s) => denied(policy, s));
    }), { numRuns: 300 });
  });
});
