// `aws-lb-controller iam-policy`: flags, exit codes, the printed JSON, and cluster names it must refuse. What the
// policy allows and denies: test/unit/deploy-artifacts/iam-authorization.test.ts; that it covers exactly the AWS
// calls in src/: iam.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { runCli } from '../../../src/cli/index.ts';
import { clusterNameProblem } from '../../../src/cli/iam-policy.ts';
import { MANAGED_POLICY_MAX_CHARS } from '../../../src/cli/iam-policy-command.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TAG = 'elbv2.k8s.aws/cluster';

interface Out { code: number; stdout: string; stderr: string }
async function run(...args: string[]): Promise<Out> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['iam-policy', ...args], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, readStdin: async () => '' });
  return { code, stdout, stderr };
}

interface Statement { Sid: string; Action: string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> }
const statements = (o: Out): Statement[] => (JSON.parse(o.stdout) as { Statement: Statement[] }).Statement;

/** every value the policy compares with a tag key that holds or names the cluster */
function clusterConditions(st: readonly Statement[]): { op: string; key: string; value: string | string[] }[] {
  return st.flatMap((s) => Object.entries(s.Condition ?? {}).flatMap(([op, keys]) => Object.entries(keys)
    .filter(([k]) => k.endsWith(`Tag/${TAG}`) || k.includes('Tag/kubernetes.io/cluster/'))
    .map(([key, value]) => ({ op, key, value }))));
}

describe('cli: aws-lb-controller iam-policy', () => {
  it('prints valid JSON (exit 0) whose ownership conditions all name the cluster with StringEquals', async () => {
    const o = await run('--cluster-name', 'prod-eu');
    assert.equal(o.code, 0, o.stderr);
    assert.equal(o.stderr, '');
    assert.ok(o.stdout.endsWith('}\n'));
    const st = statements(o);
    const conds = clusterConditions(st);
    const onTag = conds.filter((c) => c.key.endsWith(TAG));
    assert.ok(onTag.length >= 6, `${onTag.length} conditions on ${TAG}`);
    for (const c of onTag) assert.deepEqual([c.op, c.value], ['StringEquals', 'prod-eu'], `${c.key}: must name the cluster, not only test presence`);
    // node security groups: the cluster's own tag key, which holds the name
    assert.deepEqual(conds.filter((c) => !c.key.endsWith(TAG)), [{ op: 'Null', key: 'aws:ResourceTag/kubernetes.io/cluster/prod-eu', value: 'false' }]);
    assert.ok(st.every((s) => !JSON.stringify(s.Resource).includes('sg-')), 'no security group named without the flag');
  });

  it('conditions listener and rule writes and target registration on the cluster tag (iam/policy.json does not)', async () => {
    const st = statements(await run('--cluster-name', 'prod-eu'));
    const owning = (action: string): Statement[] => st.filter((s) => s.Action.includes(action));
    for (const a of ['CreateListener', 'CreateRule', 'DeleteListener', 'DeleteRule', 'ModifyListener', 'ModifyRule', 'SetRulePriorities',
      'AddListenerCertificates', 'RemoveListenerCertificates', 'RegisterTargets', 'DeregisterTargets']) {
      const granted = owning(`elasticloadbalancing:${a}`);
      assert.ok(granted.length > 0, a);
      for (const s of granted) assert.equal(s.Condition?.['StringEquals']?.[`aws:ResourceTag/${TAG}`], 'prod-eu', `${s.Sid}: ${a}`);
    }
    for (const s of owning('ec2:AuthorizeSecurityGroupIngress')) assert.ok(s.Condition, `${s.Sid}: security-group ingress is conditioned`);
  });

  it('takes --partition, --aws-vpc-id, --node-security-group-ids and --external-target-group-arns', async () => {
    const o = await run('--cluster-name', 'gov', '--partition', 'aws-us-gov', '--aws-vpc-id', 'vpc-0a1b2c3d4e5f60718',
      '--node-security-group-ids', 'sg-0123456789abcdef0, sg-0fedcba9876543210',
      '--external-target-group-arns', 'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/tf-web/*');
    assert.equal(o.code, 0, o.stderr);
    const st = statements(o);
    const resources = st.flatMap((s) => [s.Resource].flat()).filter((r) => r !== '*');
    assert.ok(resources.every((r) => r.startsWith('arn:aws-us-gov:')), resources.join(' '));
    const bySid = (sid: string): Statement | undefined => st.find((s) => s.Sid === sid);
    assert.equal(bySid('CreateSecurityGroupInVpc')?.Resource, 'arn:aws-us-gov:ec2:*:*:vpc/vpc-0a1b2c3d4e5f60718');
    assert.deepEqual(bySid('RulesOnNamedSecurityGroups')?.Resource,
      ['arn:aws-us-gov:ec2:*:*:security-group/sg-0123456789abcdef0', 'arn:aws-us-gov:ec2:*:*:security-group/sg-0fedcba9876543210']);
    assert.deepEqual(bySid('TargetsInExternalTargetGroups')?.Resource, ['arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/tf-web/*']);
  });

  it('refuses bad flags with exit 1 and a message naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [[], /--cluster-name is required/],
      [['--cluster-name'], /argument missing|--cluster-name/],
      [['--cluster-name', 'x', '--bogus'], /Unknown option '--bogus'/],
      [['--cluster-name', 'x', 'extra'], /positional/],
      [['--cluster-name', 'x', '--partition', 'aws-iso'], /--partition must be one of aws, aws-cn, aws-us-gov/],
      [['--cluster-name', 'x', '--aws-vpc-id', 'subnet-1'], /--aws-vpc-id must be a VPC ID/],
      [['--cluster-name', 'x', '--node-security-group-ids', 'sg-1,web'], /"sg-1" is not a security group ID/],
      [['--cluster-name', 'x', '--external-target-group-arns', 'arn:aws:elasticloadbalancing:*:*:loadbalancer/app/x/1'], /is not a target group ARN/],
      [['--cluster-name', 'x', '--external-target-group-arns', 'arn:aws-cn:elasticloadbalancing:*:*:targetgroup/x/*'], /not in partition aws/],
    ];
    for (const [args, re] of cases) {
      const o = await run(...args);
      assert.equal(o.code, 1, args.join(' '));
      assert.equal(o.stdout, '', 'nothing printed on stdout');
      assert.match(o.stderr, re, args.join(' '));
    }
  });

  it('refuses cluster names that would break the policy, and says why', async () => {
    const bad: [string, RegExp][] = [
      ['${aws:username}', /IAM policy variable/],
      ['prod*', /characters AWS does not allow in tags/],
      ['a"b', /characters AWS does not allow in tags/],
      ['tab\there', /characters AWS does not allow in tags/],
      [' prod', /starts or ends with a space/],
      ['x'.repeat(107), /128-character limit/],
    ];
    for (const [n, re] of bad) {
      const o = await run('--cluster-name', n);
      assert.equal(o.code, 1, n);
      assert.match(o.stderr, re, n);
    }
    assert.equal((await run('--cluster-name=-dash')).code, 0, 'a leading dash, given with =');
    assert.match((await run('--cluster-name', '-dash')).stderr, /--cluster-name=-XYZ/, 'without =, node says how to pass it');
    for (const ok of ['prod', 'team-a_eu.1', 'x'.repeat(106), 'prod/eu:1=2+3@4', 'prüfung clúster']) {
      assert.equal(clusterNameProblem(ok), undefined, ok);
      assert.equal((await run('--cluster-name', ok)).code, 0, ok);
    }
  });

  it('prints, for any name it accepts, JSON in which every cluster condition names exactly that name (property)', async () => {
    // `--cluster-name=VALUE`: a value that starts with "-" (or is "--") cannot follow the flag as a separate argument
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 110 }), async (n) => {
      const o = await run(`--cluster-name=${n}`);
      if (clusterNameProblem(n) !== undefined) return o.code === 1 && o.stdout === '';
      if (o.code !== 0) return false;
      const conds = clusterConditions(statements(o));
      return conds.length > 0 && conds.every((c) => (c.key.endsWith(TAG) ? c.value === n : c.key === `aws:ResourceTag/kubernetes.io/cluster/${n}`));
    }), { numRuns: 500 });
  });

  it('notes on stderr when the policy outgrows a managed policy (many named groups), and still prints it', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `sg-${i.toString(16).padStart(17, '0')}`);
    const o = await run('--cluster-name', 'demo', '--node-security-group-ids', ids.join(','));
    assert.equal(o.code, 0);
    assert.match(o.stderr, new RegExp(`more than a managed policy may \\(${MANAGED_POLICY_MAX_CHARS}\\)`));
    assert.equal(statements(o).find((s) => s.Sid === 'RulesOnNamedSecurityGroups')?.Resource.length, 120);
  });

  it('runs as a command of the binary (help lists it; --help prints its flags)', function () {
    this.timeout(180_000); // three child processes, each loading every command's modules
    const cli = (...args: string[]): { code: number | null; stdout: string } => {
      const r = spawnSync(process.execPath, [join(root, 'src/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
      return { code: r.status, stdout: r.stdout };
    };
    assert.match(cli('help').stdout, /iam-policy +print the IAM policy/);
    const help = cli('iam-policy', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--external-target-group-arns/);
    const printed = cli('iam-policy', '--cluster-name', 'demo');
    assert.equal(printed.code, 0);
    assert.equal((JSON.parse(printed.stdout) as { Version: string }).Version, '2012-10-17');
  });
});
