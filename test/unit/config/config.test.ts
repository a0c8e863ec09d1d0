import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FLAG_KEYS, GATE_KEYS, isHarmless, parseGoBool } from '../../../src/model/upstream-keys.ts';
import { CONFIG_DEFAULTS, flagUsage, parseConfig, serviceBuilderSettings, serviceControllerEnabled, type Config } from '../../../src/config/config.ts';
import { FEATURE_GATE_DEFAULTS } from '../../../src/config/feature-gates.ts';
import { AWS_DEFAULT_QUOTAS } from '../../../src/ingress/aws-limits.ts';
import { formatGoDuration, parseGoDuration } from '../../../src/config/duration.ts';

const base = ['--cluster-name=demo'];

function ok(argv: string[], env: Record<string, string> = {}): Config {
  const r = parseConfig([...base, ...argv], env);
  if ('errors' in r) assert.fail(`unexpected errors: ${r.errors.join(' | ')}`);
  return r.config;
}

function errors(argv: string[], env: Record<string, string> = {}): readonly string[] {
  const r = parseConfig([...base, ...argv], env);
  if ('config' in r) assert.fail('expected errors');
  return r.errors;
}

function oneError(argv: string[], pattern: RegExp): void {
  const e = errors(argv);
  assert.equal(e.length, 1, e.join(' | '));
  assert.match(e[0] ?? '', pattern);
}

describe('config: parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = ok([]);
    assert.equal(c.clusterName, 'demo');
    assert.equal(c.kubeconfig, undefined);
    assert.equal(c.awsRegion, undefined);
    assert.equal(c.awsVpcId, undefined);
    assert.deepEqual(c.awsApiEndpoints, {});
    assert.equal(c.awsMaxRetries, 10);
    assert.deepEqual(c.awsApiThrottle, []);
    assert.equal(c.ingressClass, 'alb');
    assert.equal(c.watchNamespace, undefined);
    assert.deepEqual(c.defaultTags, {});
    assert.deepEqual(c.externalManagedTags, []);
    assert.equal(c.defaultTargetType, 'instance');
    assert.equal(c.defaultLoadBalancerScheme, 'internal');
    assert.equal(c.defaultSslPolicy, 'ELBSecurityPolicy-2016-08');
    assert.equal(c.enableBackendSecurityGroup, true);
    assert.equal(c.backendSecurityGroup, undefined);
    assert.equal(c.enableManageBackendSecurityGroupRules, false);
    assert.equal(c.syncPeriodMs, 36_000_000);
    assert.equal(c.enableLeaderElection, true);
    assert.equal(c.leaderElectionId, 'aws-load-balancer-controller-leader');
    assert.equal(c.leaderElectionNamespace, undefined);
    assert.equal(c.metricsBindAddr, ':8080');
    assert.equal(c.healthProbeBindAddr, ':61779');
    assert.equal(c.webhookBindPort, 9443);
    assert.equal(c.webhookCertDir, '/tmp/k8s-webhook-server/serving-certs');
    assert.equal(c.enablePodReadinessGateInject, true);
    assert.equal(c.ingressMaxConcurrentReconciles, 3);
    assert.equal(c.targetGroupBindingMaxConcurrentReconciles, 3);
    assert.equal(c.serviceMaxConcurrentReconciles, 3);
    assert.equal(c.loadBalancerClass, 'service.k8s.aws/nlb');
    assert.equal(c.enableServiceController, true);
    assert.equal(c.enableServiceMutatorWebhook, true);
    assert.deepEqual(c.featureGates, FEATURE_GATE_DEFAULTS);
    assert.deepEqual(c.awsQuotas, { rulesPerLoadBalancer: 100, listenersPerLoadBalancer: 50, certificatesPerLoadBalancer: 25, inboundRulesPerSecurityGroup: 60 });
    assert.equal(c.logLevel, 'info');
    assert.equal(CONFIG_DEFAULTS.syncPeriodMs, 36_000_000);
  });

  it('runs the Service path only when both --enable-service-controller and the gate EnableServiceController allow it', () => {
    assert.equal(serviceControllerEnabled(ok([])), true);
    assert.equal(serviceControllerEnabled(ok(['--enable-service-controller=false'])), false);
    assert.equal(serviceControllerEnabled(ok(['--feature-gates=EnableServiceController=false'])), false);
    const s = serviceBuilderSettings(ok(['--load-balancer-class=example.com/nlb', '--feature-gates=NLBSecurityGroup=false,EnableTCPUDPListener=true']));
    assert.equal(s.loadBalancerClass, 'example.com/nlb');
    assert.deepEqual([s.gates.nlbSecurityGroup, s.gates.enableTCPUDPListener, s.gates.enableIPTargetType], [false, true, true]);
  });

  it('returns a deeply frozen config', () => {
    const c = ok(['--default-tags=a=b', '--aws-api-throttle=ec2:Describe.*=10:20']);
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.defaultTags));
    assert.ok(Object.isFrozen(c.featureGates));
    assert.ok(Object.isFrozen(c.awsApiThrottle[0]));
    assert.throws(() => { (c as { clusterName: string }).clusterName = 'x'; }, TypeError);
  });

  it('requires --cluster-name, and rejects an empty one', () => {
    const r = parseConfig([]);
    assert.ok('errors' in r);
    assert.deepEqual(r.errors, ['--cluster-name is required']);
    const r2 = parseConfig(['--cluster-name=']);
    assert.ok('errors' in r2);
    assert.deepEqual(r2.errors, ['--cluster-name must not be empty']);
  });

  it('accepts --flag=value and --flag value alike', () => {
    const a = ok(['--ingress-class=internal-alb', '--aws-max-retries', '4']);
    assert.equal(a.ingressClass, 'internal-alb');
    assert.equal(a.awsMaxRetries, 4);
    const b = parseConfig(['--cluster-name', 'x']);
    assert.ok('config' in b && b.config.clusterName === 'x');
  });

  it('reports every problem at once', () => {
    const e = errors(['--aws-max-retries=x', '--default-target-type=lambda', '--bogus=1']);
    assert.equal(e.length, 3);
  });

  it('rejects unknown flags with a suggestion, positional arguments and a missing value', () => {
    oneError(['--clustername=a'], /unknown flag --clustername \(did you mean --cluster-name\?\)/);
    oneError(['run'], /unexpected argument "run"/);
    oneError(['--aws-region'], /flag --aws-region needs a value/);
    oneError(['--aws-region', '--ingress-class=a'], /flag --aws-region needs a value/);
    oneError(['--constructor=x'], /unknown flag --constructor/);
    oneError(['--toString=x'], /unknown flag --toString/);
  });

  describe('boolean flags, Go style', () => {
    it('bare flag means true; =false, =0, =F turn it off', () => {
      assert.equal(ok(['--enable-leader-election']).enableLeaderElection, true);
      for (const v of ['false', '0', 'F', 'FALSE', 'False', 'f']) assert.equal(ok([`--enable-leader-election=${v}`]).enableLeaderElection, false, v);
      for (const v of ['true', '1', 't', 'T', 'TRUE', 'True']) assert.equal(ok([`--enable-leader-election=${v}`]).enableLeaderElection, true, v);
    });
    it('rejects a detached value and a non-boolean', () => {
      oneError(['--enable-leader-election', 'false'], /boolean flag: write --enable-leader-election=false/);
      oneError(['--enable-leader-election=yes'], /--enable-leader-election must be true or false, got "yes"/);
    });
  });

  // flag, valid value → expected field value, invalid value → message
  const table: { flag: string; field: keyof Config; valid: [string, unknown][]; invalid: [string, RegExp][] }[] = [
    { flag: 'kubeconfig', field: 'kubeconfig', valid: [['/tmp/kc', '/tmp/kc']], invalid: [['', /--kubeconfig must not be empty/]] },
    { flag: 'aws-region', field: 'awsRegion', valid: [['eu-west-1', 'eu-west-1'], ['us-gov-west-1', 'us-gov-west-1']], invalid: [['Europe', /--aws-region must look like us-east-1, got "Europe"/]] },
    { flag: 'aws-vpc-id', field: 'awsVpcId', valid: [['vpc-0abc123', 'vpc-0abc123']], invalid: [['subnet-1', /--aws-vpc-id must look like vpc-0123abcd/]] },
    {
      flag: 'aws-api-endpoints', field: 'awsApiEndpoints',
      valid: [['EC2=http://127.0.0.1:5000,elasticloadbalancing=https://elb.local', { ec2: 'http://127.0.0.1:5000', elasticloadbalancing: 'https://elb.local' }]],
      invalid: [['ec2', /"ec2" must be serviceID=URL/], ['ec2=ftp://x', /endpoint for ec2 must be an http\(s\) URL, got "ftp:\/\/x"/], ['ec2=nope', /must be an http\(s\) URL/]],
    },
    { flag: 'aws-max-retries', field: 'awsMaxRetries', valid: [['0', 0], ['3', 3]], invalid: [['-1', /between 0 and 100, got -1/], ['2.5', /must be an integer, got "2.5"/]] },
    {
      flag: 'aws-api-throttle', field: 'awsApiThrottle',
      valid: [['Elastic Load Balancing v2:RegisterTargets|DeregisterTargets=4:20,ec2:Describe.*=0.5:1', [
        { serviceId: 'Elastic Load Balancing v2', operationPattern: 'RegisterTargets|DeregisterTargets', rate: 4, burst: 20 },
        { serviceId: 'ec2', operationPattern: 'Describe.*', rate: 0.5, burst: 1 },
      ]]],
      invalid: [['ec2=4:20', /must be serviceID:operationRegex=rate:burst/], ['ec2:(=1:2', /not a valid regular expression/], ['ec2:X=fast:2', /rate a number/], ['ec2:X=0:2', /rate above 0/]],
    },
    { flag: 'ingress-class', field: 'ingressClass', valid: [['nginx', 'nginx'], ['', '']], invalid: [] },
    { flag: 'watch-namespace', field: 'watchNamespace', valid: [['team-a', 'team-a'], ['', undefined]], invalid: [['Team_A', /--watch-namespace must be a namespace name/]] },
    {
      flag: 'default-tags', field: 'defaultTags', valid: [['team=a,env=prod=1', { team: 'a', env: 'prod=1' }], ['empty=', { empty: '' }]],
      invalid: [['elbv2.k8s.aws/cluster=x', /elbv2\.k8s\.aws\/cluster is a reserved tag key/], ['ingress.k8s.aws/stack=a,ingress.k8s.aws/resource=b', /are reserved tag keys/], ['aws:foo=1', /reserved by AWS/], ['novalue', /"novalue" must be key=value/],
        ['team=a;b', /--default-tags: the value of tag "team" contains ";"; AWS allows letters, numbers, spaces and _ \. : \/ = \+ - @/],
        [`k=${'v'.repeat(257)}`, /the value of tag "k" is 257 characters long; at most 256 are allowed/]],
    },
    { flag: 'external-managed-tags', field: 'externalManagedTags', valid: [['Owner, CostCenter', ['Owner', 'CostCenter']]], invalid: [['elbv2.k8s.aws/cluster', /cannot be externally managed/]] },
    { flag: 'default-target-type', field: 'defaultTargetType', valid: [['ip', 'ip'], ['instance', 'instance']], invalid: [['lambda', /must be one of instance, ip, got "lambda"/]] },
    { flag: 'default-load-balancer-scheme', field: 'defaultLoadBalancerScheme', valid: [['internet-facing', 'internet-facing']], invalid: [['public', /must be one of internal, internet-facing/]] },
    {
      flag: 'default-ssl-policy', field: 'defaultSslPolicy', valid: [['ELBSecurityPolicy-TLS13-1-2-2021-06', 'ELBSecurityPolicy-TLS13-1-2-2021-06']],
      invalid: [['', /must not be empty/], ['my-policy', /--default-ssl-policy expected a predefined security policy such as ELBSecurityPolicy-TLS13-1-2-2021-06, got "my-policy"/]],
    },
    {
      flag: 'max-rules-per-load-balancer', field: 'awsQuotas', valid: [['200', { ...AWS_DEFAULT_QUOTAS, rulesPerLoadBalancer: 200 }]],
      invalid: [['0', /--max-rules-per-load-balancer must be between 1 and 10000, got 0/], ['lots', /must be an integer/]],
    },
    {
      flag: 'max-listeners-per-load-balancer', field: 'awsQuotas', valid: [['60', { ...AWS_DEFAULT_QUOTAS, listenersPerLoadBalancer: 60 }]],
      invalid: [['-1', /between 1 and 10000/]],
    },
    {
      flag: 'max-certificates-per-load-balancer', field: 'awsQuotas', valid: [['100', { ...AWS_DEFAULT_QUOTAS, certificatesPerLoadBalancer: 100 }]],
      invalid: [['1.5', /must be an integer/]],
    },
    {
      flag: 'max-inbound-rules-per-security-group', field: 'awsQuotas', valid: [['200', { ...AWS_DEFAULT_QUOTAS, inboundRulesPerSecurityGroup: 200 }]],
      invalid: [['1001', /between 1 and 1000, got 1001/]],
    },
    {
      flag: 'sync-period', field: 'syncPeriodMs', valid: [['30m', 1_800_000], ['90s', 90_000], ['1h30m', 5_400_000], ['1.5h', 5_400_000]],
      invalid: [['10', /missing unit in duration "10"/], ['ten', /invalid duration "ten"/], ['0', /must be positive/], ['-1h', /must be positive/]],
    },
    { flag: 'enable-wafv2', field: 'enableWafv2', valid: [['false', false], ['true', true]], invalid: [['no', /must be true or false, got "no"/]] },
    { flag: 'enable-shield', field: 'enableShield', valid: [['false', false], ['0', false], ['true', true]], invalid: [['no', /must be true or false, got "no"/]] },
    { flag: 'enable-backend-security-group', field: 'enableBackendSecurityGroup', valid: [['false', false], ['true', true]], invalid: [['no', /must be true or false, got "no"/]] },
    {
      flag: 'backend-security-group', field: 'backendSecurityGroup', valid: [['sg-0123456789abcdef0', 'sg-0123456789abcdef0'], ['sg-1a2b3c4d', 'sg-1a2b3c4d']],
      invalid: [['k8s-traffic-demo', /must be a security group ID such as sg-0123abcd, got "k8s-traffic-demo"/], ['sg-', /security group ID/], ['SG-0ABC', /security group ID/]],
    },
    {
      flag: 'enable-manage-backend-security-group-rules', field: 'enableManageBackendSecurityGroupRules', valid: [['true', true], ['0', false]],
      invalid: [['maybe', /must be true or false/]],
    },
    { flag: 'leader-election-id', field: 'leaderElectionId', valid: [['my.lease', 'my.lease']], invalid: [['My_Lease', /must be a lower-case DNS subdomain/]] },
    { flag: 'leader-election-namespace', field: 'leaderElectionNamespace', valid: [['kube-system', 'kube-system']], invalid: [['a.b', /must be a namespace name/]] },
    {
      flag: 'metrics-bind-addr', field: 'metricsBindAddr', valid: [[':9090', ':9090'], ['127.0.0.1:8080', '127.0.0.1:8080'], ['[::1]:8080', '[::1]:8080'], ['0', '0']],
      invalid: [['8080', /must be \[host\]:port .* or 0 to disable, got "8080"/], [':70000', /must be \[host\]:port/]],
    },
    { flag: 'health-probe-bind-addr', field: 'healthProbeBindAddr', valid: [[':8081', ':8081']], invalid: [['0', /--health-probe-bind-addr must be \[host\]:port/]] },
    { flag: 'webhook-bind-port', field: 'webhookBindPort', valid: [['10250', 10250]], invalid: [['0', /between 1 and 65535, got 0/], ['70000', /between 1 and 65535/]] },
    { flag: 'webhook-cert-dir', field: 'webhookCertDir', valid: [['/certs', '/certs']], invalid: [['', /must not be empty/]] },
    {
      flag: 'enable-pod-readiness-gate-inject', field: 'enablePodReadinessGateInject', valid: [['false', false], ['0', false], ['true', true], ['T', true]],
      invalid: [['off', /--enable-pod-readiness-gate-inject must be true or false, got "off"/]],
    },
    {
      flag: 'disable-ingress-class-annotation', field: 'disableIngressClassAnnotation', valid: [['true', true], ['false', false], ['1', true]],
      invalid: [['yes', /--disable-ingress-class-annotation must be true or false, got "yes"/]],
    },
    {
      flag: 'disable-ingress-group-name-annotation', field: 'disableIngressGroupNameAnnotation', valid: [['true', true], ['F', false]],
      invalid: [['on', /--disable-ingress-group-name-annotation must be true or false, got "on"/]],
    },
    { flag: 'ingress-max-concurrent-reconciles', field: 'ingressMaxConcurrentReconciles', valid: [['10', 10]], invalid: [['0', /between 1 and 1000, got 0/]] },
    { flag: 'targetgroupbinding-max-concurrent-reconciles', field: 'targetGroupBindingMaxConcurrentReconciles', valid: [['7', 7]], invalid: [['many', /must be an integer/]] },
    {
      flag: 'drift-check-budget', field: 'driftCheckBudget', valid: [['0', 0], ['300', 300], ['100000', 100_000]],
      invalid: [['-1', /--drift-check-budget must be between 0 and 100000, got -1/], ['lots', /must be an integer/]],
    },
    {
      flag: 'drift-check-interval', field: 'driftCheckIntervalMs', valid: [['10m', 600_000], ['1s', 1_000], ['1h', 3_600_000]],
      invalid: [['500ms', /--drift-check-interval must be at least 1s, got "500ms"/], ['0s', /must be positive/], ['often', /--drift-check-interval/]],
    },
    { flag: 'service-max-concurrent-reconciles', field: 'serviceMaxConcurrentReconciles', valid: [['5', 5]], invalid: [['0', /between 1 and 1000, got 0/]] },
    {
      flag: 'load-balancer-class', field: 'loadBalancerClass', valid: [['service.k8s.aws/nlb', 'service.k8s.aws/nlb'], ['example.com/internal-nlb', 'example.com/internal-nlb']],
      invalid: [['', /--load-balancer-class must be a label-style name/], ['a b', /label-style name/]],
    },
    { flag: 'enable-service-controller', field: 'enableServiceController', valid: [['false', false], ['true', true]], invalid: [['off', /must be true or false/]] },
    { flag: 'enable-service-mutator-webhook', field: 'enableServiceMutatorWebhook', valid: [['false', false]], invalid: [['no', /must be true or false/]] },
    {
      flag: 'aws-vpc-tags', field: 'awsVpcTags', valid: [['Name=prod', { Name: 'prod' }], ['Name=a,b', { Name: 'a,b' }], ['Name=prod,team=web', { Name: 'prod', team: 'web' }]],
      invalid: [['Name', /--aws-vpc-tags: "Name" must be formatted as key=value/], ['=prod', /empty key/]],
    },
    { flag: 'aws-vpc-tag-key', field: 'awsVpcTagKey', valid: [['Name', 'Name'], ['Env', 'Env']], invalid: [] },
    {
      flag: 'default-pca-arn', field: 'defaultPcaArn',
      valid: [['arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0a1b', 'arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0a1b'], ['', undefined]],
      invalid: [['arn:aws:acm-pca:eu-west-1:1234:certificate-authority/0a1b', /--default-pca-arn: expected a private certificate authority ARN/]],
    },
    { flag: 'log-level', field: 'logLevel', valid: [['debug', 'debug'], ['error', 'error']], invalid: [['trace', /must be one of debug, info, warn, error, got "trace"/]] },
  ];

  for (const row of table) {
    describe(`--${row.flag}`, () => {
      for (const [value, expected] of row.valid) {
        it(`accepts "${value}"`, () => {
          assert.deepEqual(ok([`--${row.flag}=${value}`])[row.field], expected);
        });
      }
      for (const [value, message] of row.invalid) {
        it(`rejects "${value}"`, () => oneError([`--${row.flag}=${value}`], message));
      }
    });
  }

  it('covers every flag in the usage table', () => {
    const tested = new Set([...table.map((r) => `--${r.flag}`), '--cluster-name', '--enable-leader-election', '--feature-gates']);
    for (const { flag } of flagUsage()) assert.ok(tested.has(flag), `${flag} has no test row`);
  });

  describe('--feature-gates', () => {
    it('overrides named gates and keeps the other defaults', () => {
      const g = ok(['--feature-gates=SubnetsClusterTagCheck=false, ALBSingleSubnet=true,EnableServiceController=false']).featureGates;
      assert.equal(g.SubnetsClusterTagCheck, false);
      assert.equal(g.ALBSingleSubnet, true);
      assert.equal(g.EnableServiceController, false);
      assert.equal(g.WeightedTargetGroups, true);
    });
    it('accepts every gate at upstream\'s default, Gateway and Global Accelerator gates included', () => {
      const all = Object.entries(FEATURE_GATE_DEFAULTS).map(([k, v]) => `${k}=${v}`).join(',');
      assert.deepEqual(ok([`--feature-gates=${all}`]).featureGates, FEATURE_GATE_DEFAULTS);
      assert.equal(FEATURE_GATE_DEFAULTS.ALBGatewayAPI, true);
    });
    it('rejects unknown gates, missing and non-boolean values, each reported', () => {
      const e = errors(['--feature-gates=Nope=true,EnableRGTAPI,ALBSingleSubnet=maybe']);
      assert.equal(e.length, 1);
      assert.match(e[0] ?? '', /unknown feature gate "Nope"; known gates: ListenerRulesTagging/);
      assert.match(e[0] ?? '', /"EnableRGTAPI" must be Name=true or Name=false/);
      assert.match(e[0] ?? '', /ALBSingleSubnet needs a boolean value, got "maybe"/);
    });
    const refused: readonly [string, RegExp][] = [
      ['ListenerRulesTagging=false', /ListenerRulesTagging=false is not supported \(upstream's default is true\): listeners and listener rules are always tagged; remove it/],
      ['EnableRGTAPI=true', /EnableRGTAPI=true is not supported .*DescribeTags/],
      ['GlobalAcceleratorController=true', /GlobalAcceleratorController=true is not supported .*Global Accelerator/],
      ['IngressPlanAnnotation=1', /IngressPlanAnnotation=true is not supported .*aws-lb-controller plan/],
      ['EnhancedDefaultBehavior=true', /EnhancedDefaultBehavior=true is not supported .*mTLS, ALPN/],
    ];
    for (const [gates, message] of refused) {
      it(`refuses ${gates}, a value whose behaviour this controller does not have`, () => oneError([`--feature-gates=${gates}`], message));
    }
    it('accepts either value of the gates it consults or whose both values it honours', () => {
      for (const g of ['SubnetsClusterTagCheck', 'ALBSingleSubnet', 'EnableDefaultTagsLowPriority', 'EnableServiceController', 'LBCapacityReservation',
        'SubnetDiscoveryByReachability', 'ALBGatewayAPI', 'NLBGatewayAPI', 'GatewayListenerSet', 'WeightedTargetGroups', 'EnableIPTargetType', 'EndpointsFailOpen',
        'ServiceTypeLoadBalancerOnly', 'NLBSecurityGroup', 'NLBHealthCheckAdvancedConfig', 'EnableTCPUDPListener', 'EnableCertificateManagement']) {
        for (const v of [true, false]) assert.equal((ok([`--feature-gates=${g}=${v}`]).featureGates as Record<string, boolean>)[g], v);
      }
    });
  });

  describe('upstream flags this controller does not implement', () => {
    const refused: readonly [string[], RegExp][] = [
      [['--allowed-certificate-authority-arns=arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/x'], /^--allowed-certificate-authority-arns=\S+ is an upstream flag this controller does not support: certificate discovery considers every ISSUED certificate; remove it/],
      [['--disable-restricted-sg-rules'], /^--disable-restricted-sg-rules=true is an upstream flag .*only the target ports.* \("false" is accepted, as it changes nothing\)$/],
      [['--enable-endpoint-slices=false'], /^--enable-endpoint-slices=false .*EndpointSlices are always used/],
      [['--tolerate-non-existent-backend-service', 'false'], /write --tolerate-non-existent-backend-service=false/],
      [['--max-targets-per-target-group=10'], /a cap is not implemented; remove it \("0" is accepted/],
      [['--webhook-cert-file=cert.pem'], /tls.crt in --webhook-cert-dir; remove it \(an empty value or "tls.crt" is accepted/],
      [['--lb-stabilization-monitor-interval=1m'], /capacity reservation \(NLB or ALB\) is set and not watched/],
      [['--gateway-class-max-concurrent-reconciles', '2'], /the Gateway API is not implemented/],
      [['--quic-environment-variable-name'], /^--quic-environment-variable-name is an upstream flag/],
    ];
    for (const [argv, message] of refused) it(`refuses ${argv.join(' ')} at start-up, naming it`, () => oneError(argv, message));

    it('accepts values that ask for nothing this controller lacks, and changes nothing for them', () => {
      const c = ok(['--enable-endpoint-slices', '--enable-waf=false', '--disable-restricted-sg-rules=false',
        '--tolerate-non-existent-backend-action=TRUE', '--webhook-key-file=tls.key', '--max-targets-per-target-group', '0', '--backend-security-group=',
        '--ingress-class=web']);
      assert.deepEqual({ ...c, ingressClass: 'alb' }, ok([]));
    });
  });

  describe('properties of the upstream keys in the flag parser', () => {
    const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];
    const value = fc.oneof(fc.constantFrom(...GO_BOOLS, '', 'tls.crt', 'service.k8s.aws/nlb', '0', 'x'), fc.string({ maxLength: 12 }));
    const refusedFlags = FLAG_KEYS.filter((k) => k.status === 'refused');

    it('a refused upstream flag is accepted exactly when its value is harmless, and then changes nothing', () => {
      fc.assert(fc.property(fc.constantFrom(...refusedFlags), value, (k, v) => {
        const r = parseConfig([...base, `--${k.key}=${v}`]);
        if (isHarmless(k, v)) assert.deepEqual('config' in r ? r.config : r.errors, ok([]));
        else {
          assert.ok('errors' in r && r.errors.length === 1, `--${k.key}=${v}`);
          assert.ok(r.errors[0]?.startsWith(`--${k.key}`) && r.errors[0].includes(k.why ?? '?'), r.errors[0]);
        }
      }), { numRuns: 2000 });
    });

    it('a gate is accepted at any Go boolean when both values are honoured, else only at upstream\'s default; anything else is an error naming it', () => {
      fc.assert(fc.property(fc.constantFrom(...GATE_KEYS), fc.oneof(fc.constantFrom(...GO_BOOLS), fc.string({ maxLength: 6 })), (g, v) => {
        const r = parseConfig([...base, `--feature-gates=${g.key}=${v}`]);
        const b = parseGoBool(v.trim());
        const accepted = b !== undefined && (g.status === 'implemented' || b === g.default) && !v.includes(',');
        if (accepted) assert.equal('config' in r && (r.config.featureGates as Record<string, boolean>)[g.key], b);
        else if (!v.includes(',')) assert.ok('errors' in r && r.errors.some((e) => e.includes(g.key)), `${g.key}=${v}`);
      }), { numRuns: 2000 });
    });
  });

  describe('properties of the drift-check flags', () => {
    it('--drift-check-budget takes exactly the integers 0..100000 (a sign allowed, as Go parses them)', () => {
      fc.assert(fc.property(fc.oneof(fc.integer({ min: -10, max: 200_000 }).map(String), fc.string({ maxLength: 8 })), (v) => {
        const r = parseConfig([...base, `--drift-check-budget=${v}`]);
        const n = Number(v.trim());
        if (/^\s*[+-]?\d+\s*$/.test(v) && n >= 0 && n <= 100_000) assert.equal('config' in r && r.config.driftCheckBudget, n, v);
        else if ('config' in r) assert.fail(`accepted --drift-check-budget=${JSON.stringify(v)}`);
        else assert.ok(r.errors.every((e) => e.startsWith('--drift-check-budget')), r.errors.join());
      }), { numRuns: 1000 });
    });

    it('--drift-check-interval takes any Go duration of at least one second', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom('ms', 's', 'm', 'h'), (n, unit) => {
        const v = `${n}${unit}`;
        const ms = n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit];
        const r = parseConfig([...base, `--drift-check-interval=${v}`]);
        if (ms >= 1_000) assert.equal('config' in r && r.config.driftCheckIntervalMs, ms, v);
        else assert.ok('errors' in r && r.errors.length === 1 && r.errors[0]?.startsWith('--drift-check-interval'), v);
      }), { numRuns: 500 });
    });
  });

  it('refuses backend security group settings that --enable-backend-security-group=false would make useless', () => {
    oneError(['--enable-backend-security-group=false', '--enable-manage-backend-security-group-rules'], /--enable-manage-backend-security-group-rules needs the backend security group/);
    oneError(['--enable-backend-security-group=false', '--backend-security-group=sg-0abc'], /--backend-security-group sg-0abc would not be used/);
    assert.equal(ok(['--enable-backend-security-group=false']).enableBackendSecurityGroup, false);
  });

  it('property: any --backend-security-group value is kept exactly when it is an sg- ID, empty means the default, else one error naming the flag', () => {
    const id = fc.stringMatching(/^sg-[0-9a-f]{1,17}$/);
    const value = fc.oneof(id, fc.string({ maxLength: 24 }), id.map((v) => ` ${v}`), id.map((v) => v.toUpperCase()), id.map((v) => `${v},sg-0ab`));
    fc.assert(fc.property(value, (v) => {
      const r = parseConfig([...base, `--backend-security-group=${v}`]);
      if (v === '' || /^sg-[0-9a-f]+$/.test(v)) {
        assert.ok('config' in r, `rejected "${v}"`);
        assert.equal(r.config.backendSecurityGroup, v === '' ? undefined : v);
      } else {
        assert.ok('errors' in r, `accepted "${v}"`);
        assert.equal(r.errors.length, 1);
        assert.match(r.errors[0] ?? '', /^--backend-security-group /);
      }
    }), { numRuns: 2000 });
  });

  it('rejects a key in both --default-tags and --external-managed-tags', () => {
    oneError(['--default-tags=Owner=me', '--external-managed-tags=Owner'], /both name Owner/);
  });

  describe('environment fallbacks', () => {
    it('reads KUBECONFIG, AWS_REGION / AWS_DEFAULT_REGION, POD_NAMESPACE and POD_NAME / HOSTNAME', () => {
      const c = ok([], { KUBECONFIG: '/k', AWS_DEFAULT_REGION: 'eu-west-2', POD_NAMESPACE: 'kube-system', HOSTNAME: 'pod-1' });
      assert.equal(c.kubeconfig, '/k');
      assert.equal(c.awsRegion, 'eu-west-2');
      assert.equal(c.leaderElectionNamespace, 'kube-system');
      assert.equal(c.podName, 'pod-1');
      assert.equal(ok([], { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-west-2', POD_NAME: 'p', HOSTNAME: 'h' }).awsRegion, 'us-west-2');
      assert.equal(ok([], { POD_NAME: 'p', HOSTNAME: 'h' }).podName, 'p');
    });
    it('lets flags win over the environment', () => {
      const c = ok(['--kubeconfig=/flag', '--aws-region=ap-south-1', '--leader-election-namespace=lb'], { KUBECONFIG: '/env', AWS_REGION: 'us-east-1', POD_NAMESPACE: 'x' });
      assert.equal(c.kubeconfig, '/flag');
      assert.equal(c.awsRegion, 'ap-south-1');
      assert.equal(c.leaderElectionNamespace, 'lb');
    });
  });

  describe('instance metadata endpoint', () => {
    it('is the IPv4 address by default, IPv6 by AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE, and enabled', () => {
      assert.equal(ok([]).imdsEndpoint, 'http://169.254.169.254');
      assert.equal(ok([], { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' }).imdsEndpoint, 'http://[fd00:ec2::254]');
      assert.equal(ok([]).imdsDisabled, false);
      assert.equal(ok([], { AWS_EC2_METADATA_DISABLED: 'TRUE' }).imdsDisabled, true);
      assert.equal(ok([], { AWS_EC2_METADATA_DISABLED: 'false' }).imdsDisabled, false);
    });
    it('takes upstream\'s ec2imds service ID out of --aws-api-endpoints (not an API client)', () => {
      const c = ok(['--aws-api-endpoints=ec2=http://127.0.0.1:5000,EC2IMDS=http://127.0.0.1:1338']);
      assert.equal(c.imdsEndpoint, 'http://127.0.0.1:1338');
      assert.deepEqual(c.awsApiEndpoints, { ec2: 'http://127.0.0.1:5000' });
    });
    it('property: --aws-api-endpoints ec2imds, else AWS_EC2_METADATA_SERVICE_ENDPOINT, else the mode decides', () => {
      const url = fc.constantFrom('http://127.0.0.1:1', 'http://10.0.0.1', 'https://imds.example.com:8443');
      fc.assert(fc.property(fc.option(url, { nil: undefined }), fc.option(url, { nil: undefined }), fc.constantFrom(undefined, 'IPv4', 'IPv6', 'ipv6'),
        (flag, envEndpoint, mode) => {
          const env: Record<string, string> = {};
          if (envEndpoint !== undefined) env.AWS_EC2_METADATA_SERVICE_ENDPOINT = envEndpoint;
          if (mode !== undefined) env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE = mode;
          const c = ok(flag === undefined ? [] : [`--aws-api-endpoints=ec2imds=${flag}`], env);
          const byMode = mode?.toLowerCase() === 'ipv6' ? 'http://[fd00:ec2::254]' : 'http://169.254.169.254';
          assert.equal(c.imdsEndpoint, flag ?? envEndpoint ?? byMode);
          assert.equal('ec2imds' in c.awsApiEndpoints, false);
        }));
    });
  });

  it('last occurrence of a flag wins, as in Go', () => {
    assert.equal(ok(['--ingress-class=a', '--ingress-class=b']).ingressClass, 'b');
  });
});

describe('config: Go durations', () => {
  it('parses Go syntax', () => {
    assert.deepEqual(parseGoDuration('10h'), { ms: 36_000_000 });
    assert.deepEqual(parseGoDuration('300ms'), { ms: 300 });
    assert.deepEqual(parseGoDuration('2h45m30.5s'), { ms: 9_930_500 });
    assert.deepEqual(parseGoDuration('1500us'), { ms: 1.5 });
    assert.deepEqual(parseGoDuration('0'), { ms: 0 });
    assert.deepEqual(parseGoDuration('-5s'), { ms: -5000 });
    assert.ok('error' in parseGoDuration(''));
    assert.ok('error' in parseGoDuration('5d'));
    assert.ok('error' in parseGoDuration('h'));
  });
  it('formats compactly', () => {
    assert.equal(formatGoDuration(36_000_000), '10h');
    assert.equal(formatGoDuration(5_400_000), '1h30m');
    assert.equal(formatGoDuration(90_000), '1m30s');
    assert.equal(formatGoDuration(250), '250ms');
    assert.equal(formatGoDuration(0), '0s');
  });
});
