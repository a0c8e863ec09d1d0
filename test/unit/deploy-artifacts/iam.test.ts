// The IAM policies against the code: iam/policy.json and the cluster-scoped policy `aws-lb-controller iam-policy`
// prints must each allow every AWS operation the controller can send, and nothing else; iam/policy.json keeps
// upstream's ownership rules (create only with the cluster tag in the request, change and delete only what carries
// it). The operations are collected from src/ on every run (see sdk-usage.ts). What each policy lets through for
// the controller's own cluster and for another cluster: iam-authorization.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clusterScopedPolicy } from '../../../src/cli/iam-policy.ts';
import { controllerActions, scanSource, type ExportIndex, type ScanResult } from './sdk-usage.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLUSTER_TAG = 'elbv2.k8s.aws/cluster';

type Condition = Record<string, Record<string, string | string[]>>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Condition;
  NotAction?: unknown;
  NotResource?: unknown;
}
interface Policy { Version: string; Statement: Statement[] }

const rawPolicy = readFileSync(path.join(ROOT, 'iam/policy.json'), 'utf8');
const policy = JSON.parse(rawPolicy) as Policy;
const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const granting = (action: string): Statement[] => policy.Statement.filter((s) => asList(s.Action).includes(action));
const allowed = new Set(policy.Statement.flatMap((s) => asList(s.Action)));
const name = (s: Statement): string => s.Sid ?? JSON.stringify(s.Action);

const nullCond = (s: Statement, key: string): string | undefined => {
  const v = s.Condition?.Null?.[key];
  return Array.isArray(v) ? undefined : v;
};
const requestTagPresent = (s: Statement): boolean => nullCond(s, `aws:RequestTag/${CLUSTER_TAG}`) === 'false';
const requestTagAbsent = (s: Statement): boolean => nullCond(s, `aws:RequestTag/${CLUSTER_TAG}`) === 'true';
const resourceTagPresent = (s: Statement): boolean => nullCond(s, `aws:ResourceTag/${CLUSTER_TAG}`) === 'false';
const stringEquals = (s: Statement, key: string): string[] => asList(s.Condition?.StringEquals?.[key] ?? []);
/** the statement applies only to resources whose ARN resource part starts with one of these */
const onlyOn = (s: Statement, ...prefixes: string[]): boolean =>
  asList(s.Resource).every((arn) => prefixes.some((p) => (arn.split(':').slice(5).join(':')).startsWith(p)));

let scan: ScanResult;
let exportsIndex: ExportIndex;
let used: Set<string>;

describe('deploy artifacts: IAM policies vs the AWS calls in the code', function () {
  this.timeout(120_000);

  before(async () => {
    ({ scan, used, exportsIndex } = await controllerActions(path.join(ROOT, 'src')));
  });

  describe('the source scan', () => {
    it('finds commands, aliases, paginators and namespace imports, and ignores type-only imports', () => {
      const text = [
        "import { CreateLoadBalancerCommand, DescribeTagsCommand as ElbDescribeTags, paginateDescribeListeners, type Tag } from '@aws-sdk/client-elastic-load-balancing-v2';",
        "import type { DescribeSubnetsCommandOutput, DeleteVpcCommand } from '@aws-sdk/client-ec2';",
        "import * as acm from '@aws-sdk/client-acm';",
        "import { GetResourcesCommand } from './reexport.ts';",
        'await c.send(new CreateLoadBalancerCommand({})); await c.send(new ElbDescribeTags({}));',
        'await a.send(new acm.DescribeCertificateCommand({})); await t.send(new GetResourcesCommand({}));',
      ].join('\n');
      const r = scanSource(text, 'sample.ts', exportsIndex);
      assert.deepEqual(r.problems, []);
      assert.deepEqual([...new Set(r.uses.map((u) => u.action))].sort(), [
        'acm:DescribeCertificate',
        'elasticloadbalancing:CreateLoadBalancer',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeTags',
        'tag:GetResources',
      ]);
    });

    it('flags aggregated clients and client packages it has no IAM prefix for', () => {
      const r = scanSource("import { EC2 } from '@aws-sdk/client-ec2';\nimport { SQSClient } from '@aws-sdk/client-sqs';", 'bad.ts', exportsIndex);
      assert.equal(r.problems.length, 2, r.problems.join('\n'));
    });

    it('reads the sources without problems, and every command it found exists in its SDK package', () => {
      assert.deepEqual(scan.problems, []);
      for (const u of scan.uses) {
        const names = exportsIndex[u.pkg];
        assert.ok(names?.has(`${u.operation}Command`), `${u.file}: ${u.operation}Command is not exported by ${u.pkg}`);
      }
    });
  });

  // both policies: iam/policy.json, and what `aws-lb-controller iam-policy` prints (with and without its options)
  const bothPolicies: readonly [string, () => Policy][] = [
    ['iam/policy.json', () => policy],
    ['iam-policy --cluster-name demo', () => clusterScopedPolicy({ clusterName: 'demo' }) as unknown as Policy],
    ['iam-policy with every option', () => clusterScopedPolicy({
      clusterName: 'demo', partition: 'aws-us-gov', vpcId: 'vpc-0a1b2c3d4e5f60718', nodeSecurityGroupIds: ['sg-0123456789abcdef0'],
      externalTargetGroupArns: ['arn:aws-us-gov:elasticloadbalancing:*:*:targetgroup/tf-*/*'],
    }) as unknown as Policy],
  ];
  for (const [label, get] of bothPolicies) {
    describe(label, () => {
      const actionsOf = (): Set<string> => new Set(get().Statement.flatMap((s) => asList(s.Action)));

      it('allows every AWS action the controller can send', () => {
        const allowedHere = actionsOf();
        const missing = [...used].filter((a) => !allowedHere.has(a)).sort();
        const where = (a: string): string => [...new Set(scan.uses.filter((u) => u.action === a).map((u) => u.file))].join(', ') || 'implied';
        assert.deepEqual(missing.map((a) => `${a} (${where(a)})`), [], `actions used by src/ but missing from ${label}`);
      });

      it('allows nothing the controller does not send', () => {
        const unused = [...actionsOf()].filter((a) => !used.has(a)).sort();
        assert.deepEqual(unused, [], `allowed by ${label} but used nowhere in src/`);
      });

      it('is a plain allow-list of explicit actions, with unique alphanumeric Sids, within the managed-policy size limit', () => {
        const p = get();
        assert.equal(p.Version, '2012-10-17');
        for (const s of p.Statement) {
          assert.equal(s.Effect, 'Allow', name(s));
          assert.equal(s.NotAction, undefined, name(s));
          assert.equal(s.NotResource, undefined, name(s));
          for (const a of asList(s.Action)) assert.match(a, /^[a-z0-9-]+:[A-Za-z0-9]+$/, `${name(s)}: ${a} must be an explicit action, no wildcards`);
          assert.match(s.Sid ?? '', /^[A-Za-z0-9]+$/, 'every statement has an alphanumeric Sid');
        }
        const sids = p.Statement.map((s) => s.Sid);
        assert.equal(new Set(sids).size, sids.length, 'Sids are unique');
        // 6,144 characters without whitespace (IAM's limit for a customer managed policy)
        assert.ok(JSON.stringify(p).length <= 6144, `${JSON.stringify(p).length} characters`);
      });
    });
  }

  it('lists how many actions the code uses', () => {
    console.log(`      iam: ${used.size} actions used (${scan.uses.length} call sites and imports), each allowed by both policies and nothing more`);
  });

  describe('iam/policy.json keeps upstream\'s ownership rules', () => {
    it('only touches Elastic Load Balancing, EC2, ACM (and ACM Private CA for create-acm-cert), the tagging API, WAF and Shield (+ the ELB service-linked role, and reading Cognito user pool clients)', () => {
      for (const a of allowed) assert.ok(/^(elasticloadbalancing|ec2|acm|acm-pca|tag|wafv2|shield):/.test(a) || ['iam:CreateServiceLinkedRole', 'cognito-idp:DescribeUserPoolClient'].includes(a), a);
      for (const s of granting('iam:CreateServiceLinkedRole')) {
        assert.deepEqual(stringEquals(s, 'iam:AWSServiceName'), ['elasticloadbalancing.amazonaws.com'], name(s));
      }
    });

    it('creates load balancers and target groups only with the cluster tag in the request', () => {
      for (const action of ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup']) {
        assert.ok(granting(action).length > 0, action);
        for (const s of granting(action)) assert.ok(requestTagPresent(s), `${name(s)}: ${action} without Null aws:RequestTag/${CLUSTER_TAG}=false`);
      }
    });

    it('creates security groups only with the cluster tag (the VPC side of the call is not a security group)', () => {
      const stmts = granting('ec2:CreateSecurityGroup');
      assert.ok(stmts.some((s) => requestTagPresent(s) && onlyOn(s, 'security-group/')), 'a tagged security-group statement');
      for (const s of stmts) assert.ok(requestTagPresent(s) || onlyOn(s, 'vpc/'), `${name(s)}: ec2:CreateSecurityGroup on security groups without the request tag`);
    });

    it('tags security groups only while creating them with the cluster tag, or when they already carry it', () => {
      for (const s of granting('ec2:CreateTags')) {
        assert.ok(onlyOn(s, 'security-group/'), `${name(s)}: ec2:CreateTags beyond security groups`);
        const onCreate = stringEquals(s, 'ec2:CreateAction').join() === 'CreateSecurityGroup' && requestTagPresent(s);
        const owned = resourceTagPresent(s) && requestTagAbsent(s);
        assert.ok(onCreate || owned, `${name(s)}: ec2:CreateTags must be create-time with the tag, or on owned groups without changing the tag`);
      }
    });

    it('tags load balancers and target groups only during their creation, or when they already carry the cluster tag', () => {
      for (const action of ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags']) {
        for (const s of granting(action)) {
          if (onlyOn(s, 'listener/', 'listener-rule/')) continue; // listeners and rules: as upstream, not tag-conditioned
          const creates = stringEquals(s, 'elasticloadbalancing:CreateAction');
          const onCreate = action.endsWith('AddTags') && requestTagPresent(s) && creates.length > 0
            && creates.every((c) => ['CreateLoadBalancer', 'CreateTargetGroup'].includes(c));
          const owned = resourceTagPresent(s) && requestTagAbsent(s);
          assert.ok(onCreate || owned, `${name(s)}: ${action} on load balancers / target groups is not limited to creation or owned resources`);
        }
      }
    });

    it('changes and deletes load balancers, target groups and security groups only when they carry the cluster tag', () => {
      // listeners, rules and ingress rules on other groups (node / pod security groups) are not tag-conditioned, as upstream
      const exempt = new Set([
        'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyRule', 'elasticloadbalancing:SetRulePriorities', 'elasticloadbalancing:RemoveListenerCertificates',
        'elasticloadbalancing:RemoveTags', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteTags',
      ]);
      const destructive = [...new Set([...allowed, ...used])].filter((a) => /^(elasticloadbalancing|ec2):(Delete|Modify|Set)/.test(a) && !exempt.has(a));
      for (const must of ['elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup', 'ec2:DeleteSecurityGroup']) {
        assert.ok(destructive.includes(must), must);
      }
      for (const action of destructive) {
        for (const s of granting(action)) assert.ok(resourceTagPresent(s), `${name(s)}: ${action} without Null aws:ResourceTag/${CLUSTER_TAG}=false`);
      }
      for (const s of granting('ec2:DeleteTags')) assert.ok(resourceTagPresent(s) && requestTagAbsent(s), name(s));
    });

    it('registers targets only in target groups, and edits ingress rules only on security groups', () => {
      for (const a of ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets']) {
        for (const s of granting(a)) assert.ok(onlyOn(s, 'targetgroup/'), `${name(s)}: ${a}`);
      }
      for (const a of ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress']) {
        for (const s of granting(a)) assert.ok(onlyOn(s, 'security-group/'), `${name(s)}: ${a}`);
      }
    });

    it('gives every write a statement of its own kind: no write action shares the read-only statement', () => {
      for (const s of policy.Statement.filter((x) => asList(x.Resource).includes('*') && !x.Condition)) {
        for (const a of asList(s.Action)) {
          const op = a.split(':')[1] ?? '';
          const read = /^(Describe|List|Get)/.test(op);
          const upstreamUnconditioned = /^(Create|Delete)(Listener|Rule)$|^(ModifyListener|ModifyRule|SetRulePriorities|AddListenerCertificates|RemoveListenerCertificates)$/.test(op)
            // WAF and Shield have no tag conditions on the load balancer (upstream's policy allows them on "*" too); SetWebAcl is conditioned
            || /^wafv2:(Associate|Disassociate)WebACL$|^shield:(Create|Delete)Protection$/.test(a);
          assert.ok(read || upstreamUnconditioned, `${name(s)}: ${a} is allowed on every resource without a condition`);
        }
      }
    });
  });
});
