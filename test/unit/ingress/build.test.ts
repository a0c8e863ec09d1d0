import assert from 'node:assert/strict';
import { buildStacks } from '../../../src/ingress/index.ts';
import { type DiscoveredCertificate, findResource } from '../../../src/model/index.ts';
import { A, BACKEND_SG, CONFIG, FACTS, albClass, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const grouped = (name: string, order: number, annotations: Record<string, string> = {}, host = `${name}.example.com`) =>
  ingress(name, { annotations: { [A('group.name')]: 'shop', [A('group.order')]: String(order), ...annotations }, rules: [rule(host, path('/', 'svc'))] });
const svc = service('svc');

describe('ingress builder: a broken member never blocks its group', () => {
  it('a group of three with one bad annotation: the two good ones are planned, the bad one reported', () => {
    const ings = [grouped('a', 1), grouped('b', 2, { [A('scheme')]: 'public' }), grouped('c', 3)];
    const r = buildStacks(snapshot({ ingresses: ings, services: [svc] }), FACTS, CONFIG);
    const stack = one(r.stacks);
    assert.deepEqual(stack.members, ['default/a', 'default/c']);
    assert.equal(byKind(stack, 'ListenerRule').length, 2);
    const bad = one(r.issues);
    assert.deepEqual(bad.object, { kind: 'Ingress', namespace: 'default', name: 'b' });
    assert.equal(bad.field, A('scheme'));
    assert.match(bad.reason, /public/);
    assert.deepEqual(r.groups[0]?.excluded, ['default/b']);
  });

  it('a conflicting exclusive value is blamed on the member that came later (no deployment or creation time here: namespace/name decides)', () => {
    const ings = [
      grouped('a', 1, { [A('scheme')]: 'internet-facing' }),
      grouped('b', 2, { [A('scheme')]: 'internal' }),
      grouped('c', 3, { [A('scheme')]: 'internet-facing', [A('load-balancer-name')]: 'shop-lb' }),
      grouped('d', 4, { [A('load-balancer-name')]: 'other-lb' }),
    ];
    const r = buildStacks(snapshot({ ingresses: ings, services: [svc] }), FACTS, CONFIG);
    const stack = one(r.stacks);
    assert.deepEqual(stack.members, ['default/a', 'default/c']);
    const lb = findResource(stack, 'LoadBalancer', 'LoadBalancer');
    assert.equal(lb?.spec.scheme, 'internet-facing');
    assert.equal(lb?.spec.name, 'shop-lb');
    assert.deepEqual(lb?.spec.subnets, ['subnet-pub-a', 'subnet-pub-b']);
    assert.deepEqual(r.issues.map((i) => [i.object.name, i.field, i.code]), [
      ['b', A('scheme'), 'ConflictingValue'],
      ['d', A('load-balancer-name'), 'ConflictingValue'],
    ]);
    assert.match(r.issues[0]?.reason ?? '', /"internal" conflicts with "internet-facing" set by Ingress default\/a/);
  });

  it('subnets compare as sets; listen-port protocols must agree per port', () => {
    const ings = [
      grouped('a', 1, { [A('subnets')]: 'subnet-pub-a, subnet-pub-b', [A('listen-ports')]: '[{"HTTP": 8080}]' }),
      grouped('b', 2, { [A('subnets')]: 'subnet-pub-b,subnet-pub-a' }),
      grouped('c', 3, { [A('listen-ports')]: '[{"HTTPS": 8080}]', [A('certificate-arn')]: 'arn:aws:acm:us-east-1:1:certificate/x' }),
    ];
    const r = buildStacks(snapshot({ ingresses: ings, services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(one(r.stacks).members, ['default/a', 'default/b']);
    assert.deepEqual(r.issues.map((i) => [i.object.name, i.field]), [['c', A('listen-ports')]]);
    assert.deepEqual(byKind(one(r.stacks), 'Listener').map((l) => l.id), ['80', '8080']);
  });

  it('two default backends on one port: the later member is left out', () => {
    const a = ingress('a', { annotations: { [A('group.name')]: 'shop' }, defaultBackend: { service: 'svc', port: 80 } });
    const b = ingress('b', { annotations: { [A('group.name')]: 'shop' }, defaultBackend: { service: 'svc', port: 80 } });
    const r = buildStacks(snapshot({ ingresses: [a, b], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(one(r.stacks).members, ['default/a']);
    assert.deepEqual(r.issues.map((i) => [i.object.name, i.field, i.code]), [['b', 'spec.defaultBackend', 'ConflictingDefaultBackend']]);
    const listener = one(byKind(one(r.stacks), 'Listener'));
    assert.equal(listener.spec.defaultActions[0]?.type, 'forward');
  });

  it('a group whose only member is broken is blocked: no stack, so nothing in AWS is touched', () => {
    const r = buildStacks(snapshot({ ingresses: [ingress('solo', { annotations: { [A('scheme')]: 'nope' } })] }), FACTS, CONFIG);
    assert.deepEqual(r.stacks, []);
    assert.equal(r.groups[0]?.blocked, true);
    assert.equal(r.issues[0]?.field, A('scheme'));
  });

  it('too few subnets blocks the group with an issue on each member', () => {
    const facts = { ...FACTS, subnets: FACTS.subnets?.filter((s) => s.id !== 'subnet-priv-b') };
    const r = buildStacks(snapshot({ ingresses: [grouped('a', 1), grouped('b', 2)], services: [svc] }), facts, CONFIG);
    assert.deepEqual(r.stacks, []);
    assert.deepEqual(r.issues.map((i) => [i.object.name, i.code]), [['a', 'SubnetsNotFound'], ['b', 'SubnetsNotFound']]);
    assert.match(r.issues[0]?.reason ?? '', /1 availability zone/);
  });
});

describe('ingress builder: backends', () => {
  it('a missing Service becomes a 503 fixed response and a note, not an issue', () => {
    const ing = ingress('web', { rules: [rule('x.example.com', path('/', 'ghost'))] });
    const r = buildStacks(snapshot({ ingresses: [ing] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    const ruleRes = one(byKind(one(r.stacks), 'ListenerRule'));
    assert.deepEqual(ruleRes.spec.actions, [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '503', contentType: 'text/plain', messageBody: 'Backend service does not exist' } }]);
    assert.equal(byKind(one(r.stacks), 'TargetGroup').length, 0);
    assert.match(one(r.notes).message, /ghost does not exist/);
  });

  it('instance targets need a NodePort Service; ip targets use the target port', () => {
    const clusterIp = service('svc', { type: 'ClusterIP', targetPort: 'http' });
    const inst = buildStacks(snapshot({ ingresses: [ingress('web', { rules: [rule(undefined, path('/', 'svc'))] })], services: [clusterIp] }), FACTS, CONFIG);
    assert.deepEqual(inst.issues.map((i) => [i.code, i.field]), [['InvalidServiceType', 'spec.rules[0].http.paths[0].backend']]);
    const ip = buildStacks(snapshot({
      ingresses: [ingress('web', { annotations: { [A('target-type')]: 'ip' }, rules: [rule(undefined, path('/', 'svc'))] })],
      services: [service('svc', { type: 'ClusterIP', targetPort: 8443 }), service('named', { type: 'ClusterIP', targetPort: 'http' })],
    }), FACTS, CONFIG);
    assert.deepEqual(ip.issues, []);
    const tg = one(byKind(one(ip.stacks), 'TargetGroup'));
    assert.equal(tg.spec.targetType, 'ip');
    assert.equal(tg.spec.port, 8443);
  });

  it('Service annotations win over the Ingress ones for the target group', () => {
    const s = service('svc', { annotations: { [A('healthcheck-path')]: '/healthz', [A('backend-protocol')]: 'HTTPS' } });
    const ing = ingress('web', { annotations: { [A('healthcheck-path')]: '/ing', [A('success-codes')]: '200-299' }, rules: [rule(undefined, path('/', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [s] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    const tg = one(byKind(one(r.stacks), 'TargetGroup'));
    assert.equal(tg.spec.healthCheck.path, '/healthz');
    assert.equal(tg.spec.protocol, 'HTTPS');
    assert.equal(tg.spec.healthCheck.protocol, 'HTTPS');
    assert.deepEqual(tg.spec.healthCheck.matcher, { httpCode: '200-299' });
  });

  it('use-annotation backends take actions.<name>; a missing action is a 503', () => {
    const ing = ingress('web', {
      annotations: {
        [A('actions.redirect')]: '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}',
        [A('actions.split')]: '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"svc","servicePort":80,"weight":80},{"serviceName":"svc2","servicePort":80,"weight":20}]}}',
        [A('conditions.split')]: '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["b","a"]}}]',
      },
      rules: [rule('x.example.com', path('/old', 'redirect', 'use-annotation'), path('/new', 'split', 'use-annotation'), path('/x', 'nothing', 'use-annotation'))],
    });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc, service('svc2', { nodePort: 30090 })] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    const rules = byKind(one(r.stacks), 'ListenerRule');
    assert.deepEqual(rules.map((x) => x.spec.actions[0]?.type), ['redirect', 'forward', 'fixed-response']);
    const fwd = rules[1]?.spec.actions[0];
    assert.ok(fwd?.type === 'forward');
    assert.deepEqual(fwd.forwardConfig.targetGroups.map((t) => t.weight), [80, 20]);
    assert.deepEqual(rules[1]?.spec.conditions.map((c) => c.field), ['host-header', 'path-pattern', 'http-header']);
    assert.deepEqual(rules[1]?.spec.conditions[2], { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Canary', values: ['a', 'b'] } });
    assert.deepEqual(rules[2]?.spec.actions[0], { type: 'fixed-response', fixedResponseConfig: { statusCode: '503', contentType: 'text/plain', messageBody: 'Backend action does not exist' } });
    assert.deepEqual(byKind(one(r.stacks), 'TargetGroup').map((t) => t.id), ['default/web-svc2:80', 'default/web-svc:80']);
  });

  it('an IPv6 Service needs a dualstack load balancer', () => {
    const ing = ingress('web', { rules: [rule(undefined, path('/', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [service('svc', { ipv6: true })] }), FACTS, CONFIG);
    assert.equal(one(r.issues).code, 'UnsupportedIPv6');
    const ok = buildStacks(snapshot({ ingresses: [ingress('web', { annotations: { [A('ip-address-type')]: 'dualstack' }, rules: [rule(undefined, path('/', 'svc'))] })], services: [service('svc', { ipv6: true })] }), FACTS, CONFIG);
    assert.deepEqual(ok.issues, []);
    assert.deepEqual(findResource(one(ok.stacks), 'SecurityGroup', 'ManagedLBSecurityGroup')?.spec.ingress.map((x) => x.cidrIpv4 ?? x.cidrIpv6), ['0.0.0.0/0', '::/0']);
  });
});

describe('ingress builder: listeners and certificates', () => {
  const cert = (arn: string, names: string[], notAfter: string, status = 'ISSUED'): DiscoveredCertificate =>
    ({ arn, domainName: names[0] as string, subjectAlternativeNames: names, status, notAfter });
  const certs = [
    cert('arn:aws:acm:us-east-1:1:certificate/wild', ['*.example.com'], '2030-01-01T00:00:00Z'),
    cert('arn:aws:acm:us-east-1:1:certificate/exact-old', ['shop.example.com'], '2026-01-01T00:00:00Z'),
    cert('arn:aws:acm:us-east-1:1:certificate/exact-new', ['shop.example.com', 'www.shop.example.com'], '2027-01-01T00:00:00Z'),
    cert('arn:aws:acm:us-east-1:1:certificate/pending', ['api.example.com'], '2031-01-01T00:00:00Z', 'PENDING_VALIDATION'),
  ];
  const https = { [A('listen-ports')]: '[{"HTTP":80},{"HTTPS":443}]' };

  it('discovers certificates by host: exact beats wildcard, newest wins, one note per host', () => {
    const ing = ingress('web', { annotations: https, rules: [rule('shop.example.com', path('/', 'svc')), rule('api.example.com', path('/', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), { ...FACTS, certificates: certs }, CONFIG);
    assert.deepEqual(r.issues, []);
    const l443 = findResource(one(r.stacks), 'Listener', '443');
    assert.deepEqual(l443?.spec.certificates, ['arn:aws:acm:us-east-1:1:certificate/exact-new', 'arn:aws:acm:us-east-1:1:certificate/wild']);
    assert.equal(l443?.spec.sslPolicy, 'ELBSecurityPolicy-2016-08');
    assert.deepEqual(r.notes.map((n) => n.subject), ['certificate for shop.example.com', 'certificate for api.example.com']);
    assert.match(r.notes[0]?.message ?? '', /exact match on shop\.example\.com.*newest of 2.*preferred over 1 wildcard/);
    assert.match(r.notes[1]?.message ?? '', /wildcard match on \*\.example\.com/);
  });

  it('a host without a certificate is an issue on that Ingress, naming the host field', () => {
    const ing = ingress('web', { annotations: https, rules: [rule('shop.example.com', path('/', 'svc'))], tls: [{ hosts: ['other.org'] }] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), { ...FACTS, certificates: certs }, CONFIG);
    assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [['spec.tls[0].hosts[0]', 'CertificateNotFound']]);
    assert.deepEqual(r.stacks, []);
  });

  it('without certificate facts, certificates are Unknowns per host', () => {
    const ing = ingress('web', { annotations: https, rules: [rule('shop.example.com', path('/', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), { ...FACTS, certificates: undefined }, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(findResource(one(r.stacks), 'Listener', '443')?.spec.certificates, [{ $unknown: 'discovery:certificate:shop.example.com' }]);
  });

  it('explicit certificates: HTTPS:443 by default, first is the default certificate, merged across members', () => {
    const a = grouped('a', 1, { [A('certificate-arn')]: 'arn:aws:acm:us-east-1:1:certificate/a,arn:aws:acm:us-east-1:1:certificate/b' });
    const b = grouped('b', 2, { [A('certificate-arn')]: 'arn:aws:acm:us-east-1:1:certificate/b,arn:aws:acm:us-east-1:1:certificate/c', [A('ssl-policy')]: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    const r = buildStacks(snapshot({ ingresses: [a, b], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    const l = one(byKind(one(r.stacks), 'Listener'));
    assert.equal(l.id, '443');
    assert.deepEqual(l.spec.certificates, ['a', 'b', 'c'].map((x) => `arn:aws:acm:us-east-1:1:certificate/${x}`));
    assert.equal(l.spec.sslPolicy, 'ELBSecurityPolicy-TLS13-1-2-2021-06');
  });

  it('ssl-redirect: HTTP listeners redirect to HTTPS and carry no rules', () => {
    const ing = ingress('web', {
      annotations: { ...https, [A('ssl-redirect')]: '443', [A('certificate-arn')]: 'arn:aws:acm:us-east-1:1:certificate/a' },
      rules: [rule('shop.example.com', path('/', 'svc'))],
    });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    const stack = one(r.stacks);
    assert.deepEqual(findResource(stack, 'Listener', '80')?.spec.defaultActions, [{ type: 'redirect', redirectConfig: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } }]);
    assert.deepEqual(byKind(stack, 'ListenerRule').map((x) => x.id), ['443:1']);
  });

  it('ssl-redirect to a port that is not HTTPS is an issue', () => {
    const ing = ingress('web', { annotations: { [A('ssl-redirect')]: '443' }, rules: [rule('shop.example.com', path('/', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('ssl-redirect'), 'InvalidSslRedirect']]);
  });

  it('inbound-cidrs and tags reach the managed security group; default tags win', () => {
    const ing = ingress('web', {
      annotations: { [A('inbound-cidrs')]: '10.0.0.0/8,192.168.0.0/16', [A('tags')]: 'team=shop,env=dev' },
      rules: [rule(undefined, path('/', 'svc'))],
    });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, { ...CONFIG, defaultTags: { env: 'prod' } });
    assert.deepEqual(r.issues, []);
    const sg = findResource(one(r.stacks), 'SecurityGroup', 'ManagedLBSecurityGroup');
    assert.deepEqual(sg?.spec.ingress.map((x) => x.cidrIpv4), ['10.0.0.0/8', '192.168.0.0/16']);
    const lb = findResource(one(r.stacks), 'LoadBalancer', 'LoadBalancer');
    assert.equal(lb?.spec.tags['team'], 'shop');
    assert.equal(lb?.spec.tags['env'], 'prod');
  });

  it('a listener rule carries the default tags and its own Ingress\'s tags only; the load balancer the whole group\'s', () => {
    const ings = [
      grouped('a', 1, { [A('tags')]: 'team=a,env=dev' }),
      grouped('b', 2, { [A('tags')]: 'owner=b' }),
      grouped('c', 3),
    ];
    const r = buildStacks(snapshot({ ingresses: ings, services: [svc] }), FACTS, { ...CONFIG, defaultTags: { env: 'prod' } });
    assert.deepEqual(r.issues, []);
    const stack = one(r.stacks);
    const stackTags = (id: string) => ({ 'elbv2.k8s.aws/cluster': 'demo', 'ingress.k8s.aws/stack': 'shop', 'ingress.k8s.aws/resource': id });
    assert.deepEqual(byKind(stack, 'ListenerRule').map((x) => x.spec.tags), [
      { team: 'a', env: 'prod', ...stackTags('80:1') },
      { owner: 'b', env: 'prod', ...stackTags('80:2') },
      { env: 'prod', ...stackTags('80:3') },
    ]);
    assert.deepEqual(findResource(stack, 'LoadBalancer', 'LoadBalancer')?.spec.tags, { team: 'a', owner: 'b', env: 'prod', ...stackTags('LoadBalancer') });
  });

  it('IngressClassParams tags win over the tags annotation on that Ingress\'s rules', () => {
    const cls = albClass('alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } });
    const ing = ingress('web', { annotations: { [A('tags')]: 'team=ann,x=1' }, rules: [rule(undefined, path('/', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc], ingressClasses: [cls], ingressClassParams: [{ metadata: { name: 'p' }, spec: { tags: [{ key: 'team', value: 'params' }] } }] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    const tags = one(byKind(one(r.stacks), 'ListenerRule')).spec.tags;
    assert.equal(tags['team'], 'params');
    assert.equal(tags['x'], '1');
  });

  it('user security groups by ID or Name tag replace the managed group; bindings then carry no networking', () => {
    const ing = ingress('web', { annotations: { [A('security-groups')]: 'web-sg,sg-0zzz' }, rules: [rule(undefined, path('/', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    const stack = one(r.stacks);
    assert.deepEqual(findResource(stack, 'LoadBalancer', 'LoadBalancer')?.spec.securityGroups, ['sg-0web', 'sg-0zzz']);
    assert.equal(byKind(stack, 'SecurityGroup').length, 0);
    assert.equal(one(byKind(stack, 'TargetGroupBinding')).spec.networking, undefined);
    const unknownSg = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), { ...FACTS, securityGroups: undefined }, CONFIG);
    assert.deepEqual(findResource(one(unknownSg.stacks), 'LoadBalancer', 'LoadBalancer')?.spec.securityGroups, ['sg-0zzz', { $unknown: 'discovery:security-group:web-sg' }]);
  });

  describe('the shared backend security group (upstream\'s decision table)', () => {
    const managed = { $ref: { kind: 'SecurityGroup', id: 'ManagedLBSecurityGroup' }, field: 'groupId' };
    const build = (annotations: Record<string, string>, config: Partial<typeof CONFIG> = {}, facts = FACTS) => {
      const r = buildStacks(snapshot({ ingresses: [ingress('web', { annotations, rules: [rule(undefined, path('/', 'svc'))] })], services: [svc] }), facts, { ...CONFIG, ...config });
      const stack = r.stacks[0];
      return {
        issues: r.issues,
        uses: r.groups[0]?.usesBackendSecurityGroup,
        groups: stack && findResource(stack, 'LoadBalancer', 'LoadBalancer')?.spec.securityGroups,
        sources: stack && one(byKind(stack, 'TargetGroupBinding')).spec.networking?.ingress.flatMap((i) => i.from.map((f) => ('securityGroup' in f ? f.securityGroup.groupID : f))),
      };
    };
    const USER = { [A('security-groups')]: 'sg-0zzz' };
    const MANAGE = A('manage-backend-security-group-rules');

    const cases: [string, Record<string, string>, Partial<typeof CONFIG>, unknown[], unknown[] | undefined, boolean][] = [
      ['managed group, backend group on (the default)', {}, {}, [managed, BACKEND_SG], [BACKEND_SG], true],
      ['managed group, --enable-backend-security-group=false: rules from the managed group', {}, { enableBackendSecurityGroup: false }, [managed], [managed], false],
      ['managed group: the annotation changes nothing', { [MANAGE]: 'false' }, {}, [managed, BACKEND_SG], [BACKEND_SG], true],
      ['user groups: no backend group, no rules', USER, {}, ['sg-0zzz'], undefined, false],
      ['user groups, annotation true: backend group added, rules from it', { ...USER, [MANAGE]: 'true' }, {}, ['sg-0zzz', BACKEND_SG], [BACKEND_SG], true],
      ['user groups, flag true', USER, { manageBackendSecurityGroupRules: true }, ['sg-0zzz', BACKEND_SG], [BACKEND_SG], true],
      ['user groups, flag true, annotation false: the annotation wins', { ...USER, [MANAGE]: 'False' }, { manageBackendSecurityGroupRules: true }, ['sg-0zzz'], undefined, false],
      ['user groups listing the backend group themselves: listed once', { [A('security-groups')]: `sg-0zzz,${BACKEND_SG}`, [MANAGE]: '1' }, {}, [BACKEND_SG, 'sg-0zzz'], [BACKEND_SG], true],
    ];
    for (const [name, annotations, config, groups, sources, uses] of cases) {
      it(name, () => {
        const b = build(annotations, config);
        assert.deepEqual(b.issues, []);
        assert.deepEqual([b.groups, b.sources, b.uses], [groups, sources, uses]);
      });
    }

    it('without its ID the backend group is an Unknown that names it (k8s-traffic-<cluster>-<hash>)', () => {
      const { backendSecurityGroupId: _b, ...facts } = FACTS;
      const unknownBackend = { $unknown: 'discovery:backend-security-group:k8s-traffic-demo-2a97516c35' };
      const b = build({}, {}, facts);
      assert.deepEqual([b.groups, b.sources, b.uses], [[managed, unknownBackend], [unknownBackend], true]);
    });

    it('manage-backend-security-group-rules with the backend group turned off is an error on that Ingress', () => {
      const b = build({ ...USER, [MANAGE]: 'true' }, { enableBackendSecurityGroup: false });
      assert.deepEqual(b.issues.map((i) => [i.object.name, i.field, i.code]), [['web', MANAGE, 'BackendSecurityGroupDisabled']]);
      assert.match(b.issues[0]?.reason ?? '', /--enable-backend-security-group=false/);
    });

    it('an invalid value is an InvalidAnnotation; members of a group must agree (Exclusive)', () => {
      assert.deepEqual(build({ ...USER, [MANAGE]: 'yes' }).issues.map((i) => [i.field, i.code, i.reason]), [[MANAGE, 'InvalidAnnotation', 'expected true or false, got "yes"']]);
      const member = (name: string, order: string, manage: string) => ingress(name, {
        annotations: { [A('group.name')]: 'g', [A('group.order')]: order, ...USER, [MANAGE]: manage }, rules: [rule(`${name}.example.com`, path('/', 'svc'))],
      });
      const r = buildStacks(snapshot({ ingresses: [member('a', '1', 'true'), member('b', '2', 'false')], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.object.name, i.field, i.code]), [['b', MANAGE, 'ConflictingValue']]);
      assert.deepEqual(r.groups[0]?.members, ['default/a']);
      assert.equal(r.groups[0]?.usesBackendSecurityGroup, true);
    });
  });
});
