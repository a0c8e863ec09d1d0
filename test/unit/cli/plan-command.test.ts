// The plan command as a user runs it: a child process, exit codes 0 / 1 / 2, output on stdout, errors on stderr.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../src/cli/index.ts';
import { parsePlanFlags, planCommand } from '../../../src/cli/plan-command.ts';
import { oidcDigest } from '../../../src/k8s/oidc-secrets.ts';
import { CONFIG_DEFAULTS, parseConfig, parseConfigFlags } from '../../../src/config/config.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SEED = join(root, 'test/fixtures/seed');
const FACTS = join(root, 'test/fixtures/seed-facts/facts.json');
const OBSERVED = join(root, 'test/fixtures/seed-observed/observed.json');

/**
 * a test that starts the CLI as a child process: loading it costs about 3 s of CPU, which on a busy shared
 * machine takes longer than mocha's default 20 s of wall time
 */
const CHILD_PROCESS_TIMEOUT_MS = 180_000;

function cli(args: string[], input?: string, entry = 'src/main.ts'): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, entry), ...args], { cwd: root, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'plan-cli-'));
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

const BROKEN = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: alb }
spec: { controller: ingress.k8s.aws/alb }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: broken
  namespace: default
  annotations:
    alb.ingress.kubernetes.io/scheme: sideways
spec:
  ingressClassName: alb
  defaultBackend: { service: { name: api-service, port: { number: 80 } } }
`;

describe('aws-lb-controller plan (child process)', function () {
  this.timeout(CHILD_PROCESS_TIMEOUT_MS);
  it('exits 2 and prints the plan when there are changes', () => {
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /Stack "default\/host-based-ingress":/);
    assert.match(r.stdout, /Stack "default\/path-based-ingress":/);
    assert.match(r.stdout, /\(known after discovery: subnets\)/);
    assert.equal((r.stdout.match(/Plan: 9 to create, 0 to update, 0 to replace, 0 to delete\./g) ?? []).length, 2);
  });

  it('exits 0 with "No changes." when the observed state matches', () => {
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '--facts', FACTS, '--observed', OBSERVED]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/No changes\./g) ?? []).length, 2);
  });

  it('writes versioned JSON with -o json', () => {
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '-o', 'json', '--facts', FACTS]);
    assert.equal(r.code, 2, r.stderr);
    const doc = JSON.parse(r.stdout) as { formatVersion: string; plans: { stackId: string; complete: boolean }[] };
    assert.equal(doc.formatVersion, '1');
    assert.deepEqual(doc.plans.map((p) => [p.stackId, p.complete]), [['default/host-based-ingress', true], ['default/path-based-ingress', true]]);
  });

  it('reads manifests from stdin with -f -', () => {
    const r = cli(['plan', '-f', '-', '--cluster-name', 'demo'], BROKEN.replace('sideways', 'internal'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /Stack "default\/broken":/);
  });

  it('exits 1 and names the Ingress, field and reason for a broken Ingress', () => {
    const r = cli(['plan', '-f', write('broken.yaml', BROKEN), '--cluster-name', 'demo']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Errors \(1\)/);
    assert.match(r.stdout, /Ingress default\/broken: alb\.ingress\.kubernetes\.io\/scheme: /);
  });

  it('prints the builder\'s notes, e.g. which certificate was chosen for each TLS host', async () => {
    const tls = BROKEN.replace('alb.ingress.kubernetes.io/scheme: sideways', `alb.ingress.kubernetes.io/listen-ports: '[{"HTTPS":443}]'`)
      .replace('  ingressClassName: alb\n', '  ingressClassName: alb\n  tls: [{ hosts: [shop.example.com] }]\n');
    let stdout = '';
    const code = await runCli(['plan', '-f', write('tls.yaml', tls), '--cluster-name', 'demo', '--facts', FACTS],
      { stdout: (t) => { stdout += t; }, stderr: () => {}, readStdin: async () => '' });
    assert.equal(code, 2);
    assert.match(stdout, /Notes:\n {2}Ingress default\/broken: certificate for shop\.example\.com: arn:aws:acm:\S+22222222 \(exact match/);
  });

  it('shows authenticate-oidc with the client ID and digest of a manifest Secret (never the secret), transforms and regexValues', async () => {
    const manifest = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: alb }
spec: { controller: ingress.k8s.aws/alb }
---
apiVersion: v1
kind: Secret
metadata: { name: oidc, namespace: default, uid: 5f0c-uid }
stringData: { clientID: client-1, clientSecret: do-not-print-me }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec: { type: NodePort, ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: default
  annotations:
    alb.ingress.kubernetes.io/listen-ports: '[{"HTTPS": 443}]'
    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-east-1:123456789012:certificate/abc
    alb.ingress.kubernetes.io/auth-type: oidc
    alb.ingress.kubernetes.io/auth-idp-oidc: '{"issuer": "https://idp.example.com", "authorizationEndpoint": "https://idp.example.com/a", "tokenEndpoint": "https://idp.example.com/t", "userInfoEndpoint": "https://idp.example.com/u", "secretName": "oidc"}'
    alb.ingress.kubernetes.io/transforms.api: '[{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [{"regex": "^/api/(.+)$", "replace": "/$1"}]}}]'
    alb.ingress.kubernetes.io/conditions.api: '[{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Ver", "regexValues": ["^2[.]"]}}]'
spec:
  ingressClassName: alb
  rules: [{ host: shop.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: api, port: { number: 80 } } } }] } }]
`;
    let stdout = '';
    const code = await runCli(['plan', '-f', write('auth.yaml', manifest), '--cluster-name', 'demo', '--facts', FACTS, '-o', 'json'],
      { stdout: (t) => { stdout += t; }, stderr: () => {}, readStdin: async () => '' });
    assert.equal(code, 2, stdout);
    assert.ok(!stdout.includes('do-not-print-me'), 'the client secret is not in the plan');
    const plan = JSON.parse(stdout) as { plans: { changes: { kind: string; after?: { actions?: unknown[]; transforms?: unknown[]; conditions?: unknown[] } }[] }[] };
    const rule = plan.plans.flatMap((x) => x.changes).find((c) => c.kind === 'ListenerRule')?.after;
    assert.deepEqual(rule?.actions?.[0], {
      type: 'authenticate-oidc',
      authenticateOidcConfig: {
        issuer: 'https://idp.example.com', authorizationEndpoint: 'https://idp.example.com/a', tokenEndpoint: 'https://idp.example.com/t', userInfoEndpoint: 'https://idp.example.com/u',
        clientId: 'client-1', clientSecret: { secret: 'default/oidc', digest: oidcDigest('5f0c-uid', 'client-1', 'do-not-print-me') },
        scope: 'openid', sessionCookieName: 'AWSELBAuthSessionCookie', sessionTimeout: 604800, onUnauthenticatedRequest: 'authenticate',
      },
    });
    assert.deepEqual(rule?.transforms, [{ type: 'url-rewrite', urlRewriteConfig: { rewrites: [{ regex: '^/api/(.+)$', replace: '/$1' }] } }]);
    assert.deepEqual(rule?.conditions?.find((c) => (c as { field: string }).field === 'http-header'), { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Ver', values: [], regexValues: ['^2[.]'] } });
  });

  it('ignores kinds it does not read and still plans the others', () => {
    const r = cli(['plan', '-f', join(SEED, 'services.yaml'), '--cluster-name', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No Ingresses or Services for this controller in the input\./);
  });

  const usage: [string, string[], RegExp][] = [
    ['a missing --cluster-name', ['plan', '-f', SEED], /--cluster-name is required/],
    ['a missing -f', ['plan', '--cluster-name', 'demo'], /-f\/--filename is required/],
    ['an unknown flag', ['plan', '-f', SEED, '--cluster-name', 'demo', '--colour'], /Unknown option '--colour'/],
    ['a bad output format', ['plan', '-f', SEED, '--cluster-name', 'demo', '-o', 'yaml'], /--output must be one of text, json/],
    ['a bad default scheme', ['plan', '-f', SEED, '--cluster-name', 'demo', '--default-scheme', 'public'], /--default-scheme must be one of internal, internet-facing/],
    ['a reserved default tag', ['plan', '-f', SEED, '--cluster-name', 'demo', '--default-tags', 'elbv2.k8s.aws/cluster=x'], /reserved/],
    ['a missing manifest path', ['plan', '-f', join(tmp, 'nope.yaml'), '--cluster-name', 'demo'], /cannot read .*nope\.yaml/],
    ['invalid YAML', ['plan', '-f', write('bad.yaml', 'kind: [unclosed\n'), '--cluster-name', 'demo'], /bad\.yaml: document 1 \(line 2, column 1\): Flow sequence/],
    ['a facts file that is not JSON', ['plan', '-f', SEED, '--cluster-name', 'demo', '--facts', write('facts.json', '{nope')], /facts file .* is not valid JSON/],
    ['an observed file of the wrong shape', ['plan', '-f', SEED, '--cluster-name', 'demo', '--observed', write('observed.json', '{"loadBalancers": []}')], /expected \{"stacks"/],
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
  ];
  it('exits 1 with a message on stderr for a bad flag, in a real process', () => {
    const r = cli(['plan', '-f', SEED]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: --cluster-name is required\n$/);
  });

  // the same path in-process, for every kind of bad input (a process per case would be slow)
  for (const [what, args, message] of usage) {
    it(`exits 1 with a clear message for ${what}`, async () => {
      let stderr = '';
      const code = await runCli(args, { stdout: () => {}, stderr: (t) => { stderr += t; }, readStdin: async () => '' });
      assert.equal(code, 1);
      assert.match(stderr, message);
    });
  }

  it('prints usage for plan --help and exits 0', () => {
    const r = cli(['plan', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: aws-lb-controller plan -f <file\|dir\|->/);
  });

  it('runs through bin/aws-lb-controller.js as npx does', () => {
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '--facts', FACTS, '--observed', OBSERVED], undefined, 'bin/aws-lb-controller.js');
    assert.equal(r.code, 0, r.stderr);
  });

  it('warns about observed stacks that no Ingress in the input belongs to, and leaves them alone', () => {
    const observed = write('orphan.json', JSON.stringify({ stacks: { 'other/ns': { loadBalancers: [{ arn: 'arn:lb', tags: {}, spec: {} }] } } }));
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '--facts', FACTS, '--observed', observed]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /stack "other\/ns" is in the observed state but no Ingress in the input belongs to it; not planned/);
  });
});

type Run = { code: number; stdout: string; stderr: string };

/** `aws-lb-controller plan …` in process, through runCli (which prints usage errors) */
async function inProcess(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['plan', ...args], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, readStdin: async () => '' });
  return { code, stdout, stderr };
}

/** planCommand with test dependencies (an injected builder, the environment) */
async function withDeps(args: string[], deps: NonNullable<Parameters<typeof planCommand>[2]>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await planCommand(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, readStdin: async () => '' }, deps);
  return { code, stdout, stderr };
}

describe('plan parses the flags it shares with run as run does (src/config)', function () {
  this.timeout(CHILD_PROCESS_TIMEOUT_MS);
  /** what `run` prints for these flags (with --cluster-name=demo): the same text must come out of `plan` */
  const runMessage = (flags: string[]): string => {
    const r = parseConfig(['--cluster-name=demo', ...flags]);
    assert.ok('errors' in r, `run accepts ${flags.join(' ')}`);
    return `error: ${r.errors.join('\n       ')}\n`;
  };
  const refused: [string, string[]][] = [
    ['an aws: default tag and a reserved externally managed tag', ['--default-tags=aws:x=1', '--external-managed-tags=elbv2.k8s.aws/cluster']],
    ['a default tag reserved by the controller', ['--default-tags=elbv2.k8s.aws/cluster=x']],
    ['a default tag without a value', ['--default-tags=team']],
    ['a tag key both default and externally managed', ['--default-tags=team=a', '--external-managed-tags=team']],
    ['a reserved externally managed tag', ['--external-managed-tags=ingress.k8s.aws/resource']],
    ['a bad default target type', ['--default-target-type=pod']],
    ['a bad default scheme', ['--default-load-balancer-scheme=public']],
    ['an empty default SSL policy', ['--default-ssl-policy=']],
    ['a quota of zero', ['--max-listeners-per-load-balancer=0']],
    ['a backend security group that is not an ID', ['--backend-security-group=k8s-traffic-demo']],
  ];
  for (const [what, flags] of refused) {
    it(`exits 1 with run's message for ${what}`, async () => {
      const r = await inProcess(['-f', SEED, '--cluster-name', 'demo', ...flags]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, runMessage(flags));
    });
  }

  it('refuses --default-tags aws:x=1 --external-managed-tags elbv2.k8s.aws/cluster in a real process, printing no plan', function () {
    this.timeout(CHILD_PROCESS_TIMEOUT_MS);
    const r = cli(['plan', '-f', SEED, '--cluster-name', 'demo', '--default-tags', 'aws:x=1', '--external-managed-tags', 'elbv2.k8s.aws/cluster']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, runMessage(['--default-tags=aws:x=1', '--external-managed-tags=elbv2.k8s.aws/cluster']));
    assert.match(r.stderr, /reserved by AWS/);
    assert.match(r.stderr, /cannot be externally managed/);
  });

  it('an empty --cluster-name is refused as run refuses it', async () => {
    const r = await inProcess(['-f', SEED, '--cluster-name', '']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: --cluster-name must not be empty\n');
  });

  it('config\'s parseConfigFlags (what plan calls) gives what parseConfig gives for the same flags', () => {
    const cases: Record<string, string>[] = [
      { 'cluster-name': 'demo' },
      { 'cluster-name': 'demo', 'default-tags': 'a=b', 'external-managed-tags': 'c', 'default-load-balancer-scheme': 'internet-facing', 'aws-region': 'eu-west-1' },
      { 'cluster-name': 'demo', 'default-tags': 'aws:x=1', 'external-managed-tags': 'elbv2.k8s.aws/cluster', 'aws-max-retries': '101' },
      { 'default-target-type': 'pod' },
    ];
    const env = { AWS_REGION: 'us-west-2' };
    for (const flags of cases) {
      assert.deepEqual(parseConfigFlags(flags, env), parseConfig(Object.entries(flags).map(([k, v]) => `--${k}=${v}`), env));
    }
    assert.deepEqual(parseConfigFlags({ 'cluster-name': 'demo', colour: 'red' }), { errors: ['unknown flag --colour'] });
  });

  it('takes its defaults from CONFIG_DEFAULTS', () => {
    const flags = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo'], {});
    assert.deepEqual(flags.config, {
      clusterName: 'demo',
      ingressClass: CONFIG_DEFAULTS.ingressClass,
      defaultScheme: CONFIG_DEFAULTS.defaultLoadBalancerScheme,
      defaultTargetType: CONFIG_DEFAULTS.defaultTargetType,
      defaultSslPolicy: CONFIG_DEFAULTS.defaultSslPolicy,
      defaultTags: CONFIG_DEFAULTS.defaultTags,
      enableBackendSecurityGroup: CONFIG_DEFAULTS.enableBackendSecurityGroup,
      manageBackendSecurityGroupRules: CONFIG_DEFAULTS.enableManageBackendSecurityGroupRules,
      addons: { wafv2: CONFIG_DEFAULTS.enableWafv2, shield: CONFIG_DEFAULTS.enableShield },
      featureGates: CONFIG_DEFAULTS.featureGates,
      disableIngressClassAnnotation: CONFIG_DEFAULTS.disableIngressClassAnnotation,
      disableIngressGroupNameAnnotation: CONFIG_DEFAULTS.disableIngressGroupNameAnnotation,
      quotas: CONFIG_DEFAULTS.awsQuotas,
      // a create-acm-cert certificate not issued yet is known after issuance in a plan (ADR 0018)
      previewCertificates: true,
    });
    assert.deepEqual(flags.externalManagedTags, CONFIG_DEFAULTS.externalManagedTags);
    assert.equal(flags.backendSecurityGroup, undefined);
  });

  it('takes --enable-wafv2 and --enable-shield as run does (a bare flag means true)', () => {
    const off = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--enable-wafv2=false', '--enable-shield=false'], {});
    assert.deepEqual(off.config.addons, { wafv2: false, shield: false });
    const bare = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--enable-wafv2', '--enable-shield'], {});
    assert.deepEqual(bare.config.addons, { wafv2: true, shield: true });
  });

  it('takes the backend security group flags: --backend-security-group becomes the fact the build uses', async () => {
    const flags = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--enable-manage-backend-security-group-rules=true', '--backend-security-group', 'sg-0abc'], {});
    assert.equal(flags.config.manageBackendSecurityGroupRules, true);
    assert.equal(flags.backendSecurityGroup, 'sg-0abc');
    const bare = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--enable-manage-backend-security-group-rules', '--enable-backend-security-group'], {});
    assert.deepEqual([bare.config.manageBackendSecurityGroupRules, bare.config.enableBackendSecurityGroup], [true, true], 'a bare boolean flag means true, as for run');
    const given = await inProcess(['-f', SEED, '--cluster-name', 'demo', '--backend-security-group', 'sg-0abc']);
    assert.match(given.stdout, /securityGroups += \[\(known after apply: SecurityGroup "ManagedLBSecurityGroup" groupId\), "sg-0abc"\]/);
    const offline = await inProcess(['-f', SEED, '--cluster-name', 'demo']);
    assert.match(offline.stdout, /\(known after discovery: backend-security-group:k8s-traffic-demo-2a97516c35\)/);
    const off = await inProcess(['-f', SEED, '--cluster-name', 'demo', '--enable-backend-security-group=false']);
    assert.doesNotMatch(off.stdout, /backend-security-group|k8s-traffic/);
    assert.equal((await inProcess(['-f', SEED, '--cluster-name', 'demo', '--enable-backend-security-group=false', '--backend-security-group=sg-0abc'])).code, 1);
  });

  it('takes --feature-gates as run does: consulted gates reach the builder, refused values are errors', () => {
    const flags = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--feature-gates', 'SubnetsClusterTagCheck=false'], {});
    assert.equal(flags.config.featureGates?.SubnetsClusterTagCheck, false);
    assert.throws(() => parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--feature-gates', 'ListenerRulesTagging=false'], {}),
      /ListenerRulesTagging=false is not supported/);
  });

  it('takes --disable-ingress-class-annotation and --disable-ingress-group-name-annotation as run does (bare = true, =false)', () => {
    const on = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--disable-ingress-class-annotation', '--disable-ingress-group-name-annotation=true'], {});
    assert.equal(on.config.disableIngressClassAnnotation, true);
    assert.equal(on.config.disableIngressGroupNameAnnotation, true);
    const off = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--disable-ingress-group-name-annotation=false'], {});
    assert.equal(off.config.disableIngressGroupNameAnnotation, false);
    assert.throws(() => parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--disable-ingress-class-annotation=maybe'], {}),
      /--disable-ingress-class-annotation must be true or false, got "maybe"/);
  });

  it('passes the AWS quota flags to the builder as run does', () => {
    const flags = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--max-rules-per-load-balancer', '200', '--max-inbound-rules-per-security-group=120'], {});
    assert.deepEqual(flags.config.quotas, { ...CONFIG_DEFAULTS.awsQuotas, rulesPerLoadBalancer: 200, inboundRulesPerSecurityGroup: 120 });
  });

  it('reads the shared flags with run\'s normalisation (trimmed keys and values)', () => {
    const flags = parsePlanFlags(['-f', SEED, '--cluster-name', 'demo', '--default-tags', ' team = web , env=prod', '--external-managed-tags', ' owner ,,cost ',
      '--ingress-class', ' internal-alb ', '--default-target-type', 'ip', '--default-ssl-policy', 'ELBSecurityPolicy-TLS13-1-2-2021-06'], {});
    assert.deepEqual(flags.config.defaultTags, { team: 'web', env: 'prod' });
    assert.deepEqual(flags.externalManagedTags, ['owner', 'cost']);
    assert.equal(flags.config.ingressClass, 'internal-alb');
    assert.equal(flags.config.defaultTargetType, 'ip');
    assert.equal(flags.config.defaultSslPolicy, 'ELBSecurityPolicy-TLS13-1-2-2021-06');
  });

  it('accepts --default-scheme as an alias of run\'s --default-load-balancer-scheme, and not both', async () => {
    const alias = await inProcess(['-f', SEED, '--cluster-name', 'demo', '--default-scheme', 'internet-facing']);
    const named = await inProcess(['-f', SEED, '--cluster-name', 'demo', '--default-load-balancer-scheme', 'internet-facing']);
    assert.equal(alias.code, 2, alias.stderr);
    assert.equal(alias.stdout, named.stdout);
    assert.match(named.stdout, /\+ scheme += "internet-facing"/);
    const bad = await inProcess(['-f', SEED, '--cluster-name', 'demo', '--default-scheme', 'public']);
    assert.equal(bad.stderr, 'error: --default-scheme must be one of internal, internet-facing, got "public"\n');
    const both = await inProcess(['-f', SEED, '--cluster-name', 'demo', '--default-scheme', 'internal', '--default-load-balancer-scheme', 'internal']);
    assert.equal(both.code, 1);
    assert.equal(both.stderr, 'error: give either --default-load-balancer-scheme or --default-scheme, not both\n');
  });
});

describe('plan: unexpected failures', function () {
  this.timeout(CHILD_PROCESS_TIMEOUT_MS);
  const boom = (): never => { throw new TypeError('Cannot read properties of undefined (reading \'namespaceSelector\')'); };

  it('prints one "error: …" line and exits 1 instead of a stack trace', async () => {
    const r = await withDeps(['-f', SEED, '--cluster-name', 'demo'], { env: {}, buildStacks: boom });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `error: plan failed unexpectedly on ${SEED}: TypeError: Cannot read properties of undefined (reading 'namespaceSelector')`
      + ' (AWS_LB_CONTROLLER_DEBUG=1 prints the stack trace)\n');
  });

  it('adds the stack trace with AWS_LB_CONTROLLER_DEBUG=1', async () => {
    const r = await withDeps(['-f', SEED, '--cluster-name', 'demo'], { env: { AWS_LB_CONTROLLER_DEBUG: '1' }, buildStacks: boom });
    assert.equal(r.code, 1);
    const [first, ...stack] = r.stderr.split('\n');
    assert.equal(first, `error: plan failed unexpectedly on ${SEED}: TypeError: Cannot read properties of undefined (reading 'namespaceSelector')`);
    assert.match(stack.join('\n'), /^TypeError: .*\n\s+at boom /);
  });

  it('still reports bad flags as usage errors (runCli prints them)', async () => {
    await assert.rejects(planCommand(['-f', SEED], { stdout: () => {}, stderr: () => {}, readStdin: async () => '' }, { env: {}, buildStacks: boom }),
      { name: 'UsageError', message: '--cluster-name is required' });
  });

  // The input that used to crash the builder: an IngressClassParams without `spec`. The builder is being
  // made to accept it; until then this asserts the one-line error, after that the plan. Never a stack trace.
  it('an IngressClassParams without spec gives a plan or one error line, never a stack trace (real process)', function () {
    this.timeout(CHILD_PROCESS_TIMEOUT_MS);
    const manifests = write('params-no-spec.yaml', `
apiVersion: elbv2.k8s.aws/v1beta1
kind: IngressClassParams
metadata: { name: params }
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: alb }
spec:
  controller: ingress.k8s.aws/alb
  parameters: { apiGroup: elbv2.k8s.aws, kind: IngressClassParams, name: params }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: default }
spec:
  ingressClassName: alb
  defaultBackend: { service: { name: web, port: { number: 80 } } }
`);
    const r = cli(['plan', '-f', manifests, '--cluster-name', 'demo']);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    if (r.stdout === '') {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error: plan failed unexpectedly on [^\n]+\n$/);
    } else {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout, /Stack "default\/web":/);
    }
  });
});

describe('command dispatch', () => {
  const dispatch = async (argv: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, readStdin: async () => '' });
    return { code, stdout, stderr };
  };

  it('lists the commands for help, --help and -h', async () => {
    for (const h of ['help', '--help', '-h']) {
      const r = await dispatch([h]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Commands:\n {2}plan +print the AWS changes.*\n {2}run +run the controller.*\n {2}demo +/);
    }
  });

  it('runs `run` when given no command (its flag check fails first here)', async () => {
    const r = await dispatch(['--cluster-name=']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: --cluster-name must not be empty/);
  });

  it('does not take inherited object keys for commands', async () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      const r = await dispatch([name]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^error: unknown command "${name}"`));
    }
  });
});

describe('plan: who was in a group first (ADR 6)', () => {
  const DNS = 'k8s-shared-0123456789.us-east-1.elb.amazonaws.com';
  // what `kubectl get ingress -A -o yaml` gives: team-a is deployed in group shared; team-b is older but new to the group
  const manifests = write('tenancy.yaml', `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: alb }
spec: { controller: ingress.k8s.aws/alb }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: pay
  namespace: team-a
  creationTimestamp: "2024-06-01T00:00:00Z"
  finalizers: [group.ingress.k8s.aws/shared]
  annotations: { alb.ingress.kubernetes.io/group.name: shared, alb.ingress.kubernetes.io/scheme: internal }
spec:
  ingressClassName: alb
  rules: [{ host: pay.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: pay, port: { number: 80 } } } }] } }]
status:
  loadBalancer: { ingress: [{ hostname: ${DNS} }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: pay
  namespace: team-b
  creationTimestamp: "2023-01-01T00:00:00Z"
  annotations: { alb.ingress.kubernetes.io/group.name: shared, alb.ingress.kubernetes.io/group.order: "-1000", alb.ingress.kubernetes.io/scheme: internet-facing }
spec:
  ingressClassName: alb
  rules: [{ host: shop.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: shop, port: { number: 80 } } } }] } }]
`);
  const observed = write('tenancy-observed.json', JSON.stringify({ stacks: { shared: { loadBalancers: [{ arn: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/y', dnsName: DNS, tags: {}, spec: {} }] } } }));

  it('with the observed load balancer, the deployed member keeps the scheme and the newcomer is the error', async () => {
    const r = await inProcess(['-f', manifests, '--cluster-name', 'demo', '--observed', observed]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Ingress team-b\/pay: alb\.ingress\.kubernetes\.io\/scheme: scheme "internet-facing" conflicts with "internal" set by Ingress team-a\/pay, in group shared first \(deployed already\)/);
    assert.match(r.stdout, /Ingress team-a\/pay: group shared: keeps scheme "internet-facing" against Ingress team-b\/pay, which is left out/);
  });

  it('offline without it, nobody counts as deployed: the older creationTimestamp decides', async () => {
    const r = await inProcess(['-f', manifests, '--cluster-name', 'demo']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Ingress team-a\/pay: alb\.ingress\.kubernetes\.io\/scheme: scheme "internal" conflicts with "internet-facing" set by Ingress team-b\/pay, in group shared first \(created 2023-01-01T00:00:00\.000Z\)/);
  });
});
