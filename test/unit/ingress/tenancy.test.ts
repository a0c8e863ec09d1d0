// Group tenancy (ADR 6): the member in the group first keeps a contested value or host; group.order only orders rules.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { V1Ingress, V1IngressRule } from '@kubernetes/client-node';
import { buildStacks, type BuildConfig, type BuildResult, type IngressClassParamsObject } from '../../../src/ingress/index.ts';
import { globCovers } from '../../../src/ingress/tenancy.ts';
import { A, CONFIG, FACTS, albClass, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

export const GROUP = 'shared';
export const DNS = 'k8s-shared-0123456789.us-east-1.elb.amazonaws.com';
const FINALIZER = `group.ingress.k8s.aws/${GROUP}`;

export interface MemberOpts {
  readonly ns?: string;
  readonly order?: number;
  /** ISO creationTimestamp; absent = unknown (a manifest) */
  readonly created?: string;
  /** holds the group finalizer and its status shows DNS */
  readonly deployed?: boolean;
  readonly annotations?: Record<string, string>;
  readonly rules?: V1IngressRule[];
  readonly className?: string;
  readonly defaultBackend?: boolean;
}

/** a member of group `shared` serving pay.example.com/ from Service svc unless told otherwise */
export function member(name: string, o: MemberOpts = {}): V1Ingress {
  const base = ingress(name, {
    ns: o.ns ?? 'team-a',
    annotations: { [A('group.name')]: GROUP, ...(o.order !== undefined ? { [A('group.order')]: String(o.order) } : {}), ...o.annotations },
    rules: o.rules ?? [rule('pay.example.com', path('/', 'svc'))],
    ...(o.className ? { className: o.className } : {}),
    ...(o.deployed ? { finalizers: [FINALIZER] } : {}),
    ...(o.defaultBackend ? { defaultBackend: { service: 'svc', port: 80 } } : {}),
  });
  return {
    ...base,
    metadata: { ...base.metadata, ...(o.created ? { creationTimestamp: o.created as unknown as Date } : {}) },
    ...(o.deployed ? { status: { loadBalancer: { ingress: [{ hostname: DNS, ports: [{ port: 80, protocol: 'TCP' }] }] } } } : {}),
  };
}

export const NAMESPACES = ['team-a', 'team-b', 'team-c'];
const services = NAMESPACES.map((ns) => service('svc', { ns }));

export function build(ingresses: V1Ingress[], extra: { config?: Partial<BuildConfig>; params?: IngressClassParamsObject[]; classes?: ReturnType<typeof albClass>[]; dns?: string } = {}): BuildResult {
  return buildStacks(
    snapshot({ ingresses, services, ...(extra.params ? { ingressClassParams: extra.params } : {}), ...(extra.classes ? { ingressClasses: extra.classes } : {}) }),
    FACTS, { ...CONFIG, ...extra.config }, new Map([[GROUP, extra.dns ?? DNS]]),
  );
}

const membersOf = (r: BuildResult): readonly string[] => r.groups.find((g) => g.id === GROUP)?.members ?? [];
const codesOf = (r: BuildResult): string[][] => r.issues.map((i) => [`${i.object.namespace}/${i.object.name}`, i.field, i.code]);

const A_FIRST = { ns: 'team-a', created: '2024-01-01T00:00:00Z' };
const PL1 = 'pl-0123456789abcdef0';
const PL2 = 'pl-63a5400a';
const B_LATER = { ns: 'team-b', created: '2024-06-01T00:00:00Z', order: -1000 };

describe('group tenancy: who was in the group first', () => {
  it('a deployed member keeps the scheme against an older newcomer with group.order -1000 (the takeover of issue 9)', () => {
    const a = member('pay', { ns: 'team-a', created: '2024-06-01T00:00:00Z', deployed: true, annotations: { [A('scheme')]: 'internal' } });
    const b = member('pay', { ns: 'team-b', created: '2023-01-01T00:00:00Z', order: -1000, annotations: { [A('scheme')]: 'internet-facing' } });
    const r = build([b, a]);
    assert.deepEqual(membersOf(r), ['team-a/pay']);
    const lb = byKind(one(r.stacks), 'LoadBalancer')[0];
    assert.equal(lb?.spec.scheme, 'internal');
    const issues = r.issues.filter((i) => i.object.namespace === 'team-b');
    assert.deepEqual(issues.map((i) => [i.field, i.code]), [[A('scheme'), 'ConflictingValue'], ['spec.rules[0].http.paths[0]', 'ConflictingHostPath']]);
    assert.match(issues[0]?.reason ?? '', /scheme "internet-facing" conflicts with "internal" set by Ingress team-a\/pay, in group shared first \(deployed already\)/);
    assert.match(issues[1]?.reason ?? '', /host pay\.example\.com path \/\* on port 80 is served by Ingress team-a\/pay, in group shared first \(deployed already\); a rule from another namespace cannot take it over/);
    assert.deepEqual(r.groups[0]?.contests, [
      { newcomer: 'team-b/pay', holder: 'team-a/pay', what: 'scheme "internet-facing"' },
      { newcomer: 'team-b/pay', holder: 'team-a/pay', what: 'host pay.example.com path /* on port 80' },
    ]);
    // plan shows the holder's side too
    assert.ok(r.notes.some((n) => n.object.namespace === 'team-a' && /keeps scheme "internet-facing" against Ingress team-b\/pay/.test(n.message)));
  });

  it('deployed means the group finalizer AND a status showing the group\'s load balancer', () => {
    const older = { ns: 'team-b', created: '2023-01-01T00:00:00Z', annotations: { [A('scheme')]: 'internet-facing' }, rules: [rule('b.example.com', path('/', 'svc'))] };
    const a = (o: MemberOpts) => member('pay', { ns: 'team-a', created: '2024-06-01T00:00:00Z', annotations: { [A('scheme')]: 'internal' }, ...o });
    // finalizer alone (anyone can add one to their own Ingress): not deployed, so the older one wins
    const finalizerOnly = a({});
    const withFinalizer = { ...finalizerOnly, metadata: { ...finalizerOnly.metadata, finalizers: [FINALIZER] } };
    assert.deepEqual(membersOf(build([withFinalizer, member('b', older)])), ['team-b/b']);
    // a status of another load balancer: not deployed in this group
    assert.deepEqual(membersOf(build([a({ deployed: true }), member('b', older)], { dns: 'other.elb.amazonaws.com' })), ['team-b/b']);
    // no load balancer known (offline plan without --observed): nobody is deployed
    const none = buildStacks(snapshot({ ingresses: [a({ deployed: true }), member('b', older)], services }), FACTS, CONFIG);
    assert.deepEqual(none.groups[0]?.members, ['team-b/b']);
    // both: deployed, so it keeps the scheme against the older member
    assert.deepEqual(membersOf(build([a({ deployed: true }), member('b', older)])), ['team-a/pay']);
  });

  it('then the older creationTimestamp, then namespace/name; a member with no timestamp counts as the newest', () => {
    const s = (v: string) => ({ [A('scheme')]: v });
    const host = (h: string) => [rule(h, path('/', 'svc'))];
    const cases: [string, V1Ingress[], string][] = [
      ['older wins', [member('z', { ns: 'team-b', created: '2024-01-01T00:00:00Z', annotations: s('internal'), rules: host('z.example.com') }),
        member('a', { ns: 'team-a', created: '2024-02-01T00:00:00Z', order: -1000, annotations: s('internet-facing') })], 'team-b/z'],
      ['no timestamp is newest', [member('a', { ns: 'team-a', order: -1000, annotations: s('internet-facing') }),
        member('z', { ns: 'team-b', created: '2024-01-01T00:00:00Z', annotations: s('internal'), rules: host('z.example.com') })], 'team-b/z'],
      ['namespace/name breaks a tie', [member('z', { ns: 'team-b', created: '2024-01-01T00:00:00Z', order: -1000, annotations: s('internet-facing'), rules: host('z.example.com') }),
        member('a', { ns: 'team-a', created: '2024-01-01T00:00:00Z', annotations: s('internal') })], 'team-a/a'],
    ];
    for (const [what, ings, winner] of cases) {
      const r = build(ings);
      assert.deepEqual(membersOf(r), [winner], what);
      assert.equal(r.groups[0]?.contests[0]?.holder, winner, what);
    }
    const tie = build(cases[2]?.[1] ?? []);
    assert.match(tie.issues[0]?.reason ?? '', /no deployment or creation time tells them apart; namespace\/name decides/);
    const dated = build(cases[0]?.[1] ?? []);
    assert.match(dated.issues[0]?.reason ?? '', /in group shared first \(created 2024-01-01T00:00:00\.000Z\)/);
  });

  it('every Exclusive or Merge value of the group: the first member keeps it, the newcomer is left out with an Issue on the field', () => {
    const cert = 'arn:aws:acm:us-east-1:1:certificate/x';
    const https = { [A('listen-ports')]: '[{"HTTPS":443}]', [A('certificate-arn')]: cert };
    const cases: [string, Record<string, string>, Record<string, string>, string, string?][] = [
      ['scheme', { [A('scheme')]: 'internal' }, { [A('scheme')]: 'internet-facing' }, A('scheme')],
      ['ip-address-type', { [A('ip-address-type')]: 'ipv4' }, { [A('ip-address-type')]: 'dualstack' }, A('ip-address-type')],
      ['load-balancer-name', { [A('load-balancer-name')]: 'pay-lb' }, { [A('load-balancer-name')]: 'evil-lb' }, A('load-balancer-name')],
      ['subnets', { [A('subnets')]: 'subnet-priv-a,subnet-priv-b' }, { [A('subnets')]: 'subnet-pub-a,subnet-pub-b' }, A('subnets')],
      ['security-groups', { [A('security-groups')]: 'sg-0aaa' }, { [A('security-groups')]: 'sg-0bbb' }, A('security-groups')],
      ['ssl-redirect', { ...https, [A('listen-ports')]: '[{"HTTP":80},{"HTTPS":443}]', [A('ssl-redirect')]: '443' },
        { [A('listen-ports')]: '[{"HTTP":80},{"HTTPS":443},{"HTTPS":8443}]', [A('certificate-arn')]: cert, [A('ssl-redirect')]: '8443' }, A('ssl-redirect')],
      ['listen-ports protocol', { [A('listen-ports')]: '[{"HTTP":8080}]' }, { ...https, [A('listen-ports')]: '[{"HTTPS":8080}]' }, A('listen-ports')],
      ['ssl-policy', { ...https, [A('ssl-policy')]: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }, { ...https, [A('ssl-policy')]: 'ELBSecurityPolicy-2016-08' }, A('ssl-policy')],
      ['inbound-cidrs', { [A('inbound-cidrs')]: '10.0.0.0/8' }, { [A('inbound-cidrs')]: '0.0.0.0/0' }, A('inbound-cidrs')],
      ['security-group-prefix-lists', { [A('security-group-prefix-lists')]: PL1 }, { [A('security-group-prefix-lists')]: PL2 }, A('security-group-prefix-lists')],
      ['tags', { [A('tags')]: 'team=a' }, { [A('tags')]: 'team=b' }, A('tags')],
      ['load-balancer-attributes', { [A('load-balancer-attributes')]: 'idle_timeout.timeout_seconds=60' },
        { [A('load-balancer-attributes')]: 'idle_timeout.timeout_seconds=120' }, A('load-balancer-attributes')],
    ];
    for (const [what, first, later, field] of cases) {
      const a = member('pay', { ...A_FIRST, annotations: first });
      const b = member('evil', { ...B_LATER, annotations: later, rules: [rule('evil.example.com', path('/', 'svc'))] });
      for (const input of [[a, b], [b, a]]) {
        const r = build(input);
        assert.deepEqual(membersOf(r), ['team-a/pay'], what);
        assert.deepEqual(codesOf(r), [['team-b/evil', field, 'ConflictingValue']], what);
        assert.deepEqual(r.groups[0]?.contests.map((c) => [c.newcomer, c.holder]), [['team-b/evil', 'team-a/pay']], what);
      }
    }
  });

  it('values pinned by IngressClassParams are held the same way', () => {
    const params: IngressClassParamsObject[] = [{ metadata: { name: 'public' }, spec: { scheme: 'internet-facing' } }];
    const classes = [albClass(), albClass('public', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'public' } })];
    const a = member('pay', { ...A_FIRST, annotations: { [A('scheme')]: 'internal' } });
    const b = member('evil', { ...B_LATER, className: 'public', rules: [rule('evil.example.com', path('/', 'svc'))] });
    const r = build([b, a], { params, classes });
    assert.deepEqual(membersOf(r), ['team-a/pay']);
    assert.deepEqual(codesOf(r), [['team-b/evil', 'IngressClassParams(public).spec.scheme', 'ConflictingValue']]);
  });

  it('prefix lists from IngressClassParams (the legacy spelling PrefixListsIDs too) are held per port by the first member', () => {
    const params: IngressClassParamsObject[] = [{ metadata: { name: 'listed' }, spec: { PrefixListsIDs: [PL2] } }];
    const classes = [albClass(), albClass('listed', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'listed' } })];
    const a = member('pay', { ...A_FIRST, annotations: { [A('security-group-prefix-lists')]: PL1 } });
    const b = member('evil', { ...B_LATER, className: 'listed', rules: [rule('evil.example.com', path('/', 'svc'))] });
    const r = build([b, a], { params, classes });
    assert.deepEqual(membersOf(r), ['team-a/pay']);
    assert.deepEqual(codesOf(r), [['team-b/evil', 'IngressClassParams(listed).spec.PrefixListsIDs', 'ConflictingValue']]);
    assert.match(r.issues[0]?.reason ?? '', /prefix lists \["pl-63a5400a"\] for port 80 conflict with \["pl-0123456789abcdef0"\] set by Ingress team-a\/pay, in group shared first \(created 2024-01-01T00:00:00\.000Z\)/);
    assert.deepEqual(r.groups[0]?.contests, [{ newcomer: 'team-b/evil', holder: 'team-a/pay', what: 'prefix lists ["pl-63a5400a"] for port 80' }]);
    // on another listen port the newcomer's prefix lists are its own: no conflict
    const other = member('evil', { ...B_LATER, className: 'listed', annotations: { [A('listen-ports')]: '[{"HTTP":8080}]' }, rules: [rule('evil.example.com', path('/', 'svc'))] });
    assert.deepEqual([...membersOf(build([other, a], { params, classes }))].sort(), ['team-a/pay', 'team-b/evil']);
  });

  it('a second default backend for a port: the first member keeps the listener default action', () => {
    const r = build([member('evil', { ...B_LATER, defaultBackend: true, rules: [] }), member('pay', { ...A_FIRST, defaultBackend: true, rules: [] })]);
    assert.deepEqual(membersOf(r), ['team-a/pay']);
    assert.deepEqual(codesOf(r), [['team-b/evil', 'spec.defaultBackend', 'ConflictingDefaultBackend']]);
    assert.match(r.issues[0]?.reason ?? '', /a listener has one default backend/);
  });

  it('group.order still orders the rules of accepted members', () => {
    const r = build([
      member('pay', { ...A_FIRST, order: 10 }),
      member('shop', { ...B_LATER, rules: [rule('shop.example.com', path('/', 'svc'))] }),
    ]);
    assert.deepEqual(membersOf(r), ['team-b/shop', 'team-a/pay']);
    const rules = byKind(one(r.stacks), 'ListenerRule');
    assert.deepEqual(rules.map((x) => [x.spec.priority, x.spec.conditions[0]?.field === 'host-header' ? x.spec.conditions[0].hostHeaderConfig.values[0] : '']),
      [[1, 'shop.example.com'], [2, 'pay.example.com']]);
  });
});

describe('group tenancy: host + path claims across namespaces', () => {
  const claim = (host: string | undefined, p: string, pathType = 'Prefix', annotations: Record<string, string> = {}): MemberOpts =>
    ({ rules: [rule(host, path(p, 'svc', 80, pathType))], annotations });
  const cases: [string, MemberOpts, MemberOpts, boolean][] = [
    ['same host and path', claim('pay.example.com', '/'), claim('pay.example.com', '/'), false],
    ['host compared without case', claim('pay.example.com', '/'), claim('PAY.Example.com', '/'), false],
    ['a wildcard host covering it', claim('pay.example.com', '/'), claim('*.example.com', '/'), false],
    ['no host at all (matches every host)', claim('pay.example.com', '/api'), claim(undefined, '/', 'Prefix'), false],
    ['a broader path on the same host', claim('pay.example.com', '/api'), claim('pay.example.com', '/'), false],
    ['the same host + path with a header condition added', claim('pay.example.com', '/'),
      claim('pay.example.com', '/', 'Prefix', { [A('conditions.svc')]: '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["1"]}}]' }), false],
    ['the host given in a host-header condition', claim('pay.example.com', '/'),
      claim(undefined, '/', 'Prefix', { [A('conditions.svc')]: '[{"field":"host-header","hostHeaderConfig":{"values":["pay.example.com"]}}]' }), false],
    ['a narrower path on the same host (shares the host, takes only its own path)', claim('pay.example.com', '/'), claim('pay.example.com', '/web'), true],
    ['another host', claim('pay.example.com', '/'), claim('shop.example.com', '/'), true],
    ['a wildcard that does not cover it', claim('pay.example.com', '/'), claim('*.example.org', '/'), true],
    ['another port', claim('pay.example.com', '/'), { ...claim('pay.example.com', '/'), annotations: { [A('listen-ports')]: '[{"HTTP":8080}]' } }, true],
  ];
  for (const [what, first, later, accepted] of cases) {
    it(`${accepted ? 'accepts' : 'refuses'} a newcomer from another namespace: ${what}`, () => {
      const a = member('pay', { ...A_FIRST, ...first });
      const b = member('evil', { ...B_LATER, ...later });
      const r = build([b, a]);
      assert.deepEqual([...membersOf(r)].sort(), accepted ? ['team-a/pay', 'team-b/evil'] : ['team-a/pay']);
      if (!accepted) assert.deepEqual(codesOf(r).map((c) => c[2]), ['ConflictingHostPath']);
    });
  }

  it('the same namespace keeps upstream\'s behaviour: both rules are kept and group order decides which matches first', () => {
    const r = build([member('pay', { ...A_FIRST }), member('pay-v2', { ...A_FIRST, created: '2024-06-01T00:00:00Z', order: -1000 })]);
    assert.deepEqual(membersOf(r), ['team-a/pay-v2', 'team-a/pay']);
    assert.deepEqual(r.issues, []);
    assert.equal(byKind(one(r.stacks), 'ListenerRule').length, 2);
  });

  it('a broad rule that came first does not stop narrower rules of other namespaces', () => {
    const r = build([member('catchall', { ...A_FIRST, rules: [rule(undefined, path('/', 'svc'))], order: 1000 }), member('pay', { ...B_LATER })]);
    assert.deepEqual(membersOf(r), ['team-b/pay', 'team-a/catchall']);
  });
});

describe('group tenancy: upstream flags and pinned groups', () => {
  const legacy = (o: MemberOpts = {}): V1Ingress => {
    const m = member('legacy', { ...A_FIRST, ...o, rules: [rule('legacy.example.com', path('/', 'svc'))] });
    return { ...m, metadata: { ...m.metadata, annotations: { ...m.metadata?.annotations, 'kubernetes.io/ingress.class': 'alb' } }, spec: { ...m.spec, ingressClassName: undefined } };
  };

  it('--disable-ingress-group-name-annotation refuses group.name on an Ingress not deployed in that group, and keeps deployed ones', () => {
    const config = { disableIngressGroupNameAnnotation: true };
    const r = build([member('old', { ...A_FIRST, deployed: true }), member('new', { ...B_LATER, rules: [rule('new.example.com', path('/', 'svc'))] })], { config });
    assert.deepEqual(membersOf(r), ['team-a/old']);
    assert.deepEqual(codesOf(r), [['team-b/new', A('group.name'), 'DisabledAnnotation']]);
    assert.match(r.issues[0]?.reason ?? '', /--disable-ingress-group-name-annotation/);
    // off: both
    assert.equal(membersOf(build([member('old', { ...A_FIRST, deployed: true }), member('new', { ...B_LATER, rules: [rule('new.example.com', path('/', 'svc'))] })])).length, 2);
    // a group given by IngressClassParams is not an annotation use
    const params: IngressClassParamsObject[] = [{ metadata: { name: 'shared' }, spec: { group: { name: GROUP } } }];
    const classes = [albClass(), albClass('shared', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'shared' } })];
    const viaParams = member('p', { ...B_LATER, className: 'shared', annotations: { [A('group.name')]: 'ignored' }, rules: [rule('p.example.com', path('/', 'svc'))] });
    assert.deepEqual(membersOf(build([viaParams], { config, params, classes })), ['team-b/p']);
  });

  it('--disable-ingress-class-annotation refuses the legacy annotation on an Ingress not deployed yet, and keeps deployed ones', () => {
    const config = { disableIngressClassAnnotation: true };
    const fresh = build([legacy()], { config });
    assert.deepEqual(codesOf(fresh), [['team-a/legacy', 'kubernetes.io/ingress.class', 'DisabledAnnotation']]);
    assert.deepEqual(build([legacy({ deployed: true })], { config }).issues, []);
    assert.deepEqual(build([legacy()]).issues, []);
  });

  it('a group pinned by IngressClassParams cannot be joined by annotation (unless deployed there already)', () => {
    const params: IngressClassParamsObject[] = [{ metadata: { name: 'pay-only' }, spec: { group: { name: GROUP }, namespaceSelector: { matchLabels: { team: 'a' } } } }];
    const classes = [albClass(), albClass('pay', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'pay-only' } })];
    const namespaces = [{ metadata: { name: 'team-a', labels: { team: 'a' } } }, { metadata: { name: 'team-b' } }];
    const run = (ings: V1Ingress[]) => buildStacks(snapshot({ ingresses: ings, services, ingressClassParams: params, ingressClasses: classes, namespaces }), FACTS, CONFIG, new Map([[GROUP, DNS]]));
    const a = member('pay', { ...A_FIRST, className: 'pay', annotations: { [A('group.name')]: 'whatever' } });
    const sneaky = member('evil', { ...B_LATER, rules: [rule('evil.example.com', path('/', 'svc'))] });
    const r = run([a, sneaky]);
    assert.deepEqual(r.groups.find((g) => g.id === GROUP)?.members, ['team-a/pay']);
    assert.deepEqual(codesOf(r), [['team-b/evil', A('group.name'), 'GroupPinned']]);
    assert.match(r.issues[0]?.reason ?? '', /group shared is pinned by IngressClassParams pay-only: join it through an IngressClass that uses it/);
    // and through the class, the namespaceSelector holds
    const viaClass = member('evil', { ...B_LATER, className: 'pay', rules: [rule('evil.example.com', path('/', 'svc'))] });
    assert.deepEqual(codesOf(run([a, viaClass])), [['team-b/evil', 'spec.ingressClassName', 'NamespaceNotAllowed']]);
    // one that was deployed there before the params pinned the group keeps working
    assert.deepEqual(run([a, member('evil', { ...B_LATER, deployed: true, rules: [rule('evil.example.com', path('/', 'svc'))] })]).issues, []);
  });
});

describe('group tenancy: globCovers (ALB patterns)', function () {
  this.timeout(120_000);
  const table: [string, string, boolean][] = [
    ['pay.example.com', 'pay.example.com', true],
    ['*.example.com', 'pay.example.com', true],
    ['*', 'anything', true],
    ['*', '*.example.com', true],
    ['*.example.com', '*.pay.example.com', true],
    ['*.example.com', '*.example.org', false],
    ['pay.example.com', '*.example.com', false],
    ['?.example.com', 'a.example.com', true],
    ['?.example.com', 'ab.example.com', false],
    ['?.example.com', '*.example.com', false],
    ['?.example.com', '?.example.com', true],
    ['/*', '/api/*', true],
    ['/api/*', '/*', false],
    ['/api*', '/api/v1', true],
    ['/a?c', '/abc', true],
    ['/abc', '/a?c', false],
    ['/**', '/*', true],
    ['', '', true],
    ['', '*', false],
    ['*a', 'ba', true],
    ['*a', '*b', false],
  ];
  for (const [p, s, want] of table) it(`${JSON.stringify(p)} ${want ? 'covers' : 'does not cover'} ${JSON.stringify(s)}`, () => assert.equal(globCovers(p, s), want));

  const matches = (pattern: string, x: string): boolean =>
    new RegExp(`^${pattern.split('').map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`, 's').test(x);
  const pattern = fc.stringMatching(/^[ab/*?]{0,7}$/);
  const literal = fc.stringMatching(/^[ab/]{0,7}$/);

  it('is sound: when p covers s, every string s matches, p matches too', () => {
    fc.assert(fc.property(pattern, pattern, fc.array(literal, { minLength: 8, maxLength: 8 }), (p, s, fills) => {
      if (!globCovers(p, s)) return;
      // strings s matches: each * filled with a sample, each ? with one character of it
      let k = 0;
      const x = s.split('').map((ch) => (ch === '*' ? fills[k++ % 8] : ch === '?' ? (fills[k++ % 8] ?? '')[0] ?? 'a' : ch)).join('');
      assert.ok(matches(p, x), `${p} covers ${s} but does not match ${x}`);
    }), { numRuns: 5_000 });
  });

  it('is exact for a literal s: it covers it exactly when it matches it', () => {
    fc.assert(fc.property(pattern, literal, (p, x) => assert.equal(globCovers(p, x), matches(p, x), `${p} vs ${x}`)), { numRuns: 5_000 });
  });
});

describe('group tenancy: the legacy class annotation never bypasses IngressClassParams', () => {
  const legacyIng = (ns: string, annotations: Record<string, string> = {}): V1Ingress => {
    const m = ingress('legacy', { ns, className: null, annotations: { 'kubernetes.io/ingress.class': 'alb', ...annotations }, rules: [rule('l.example.com', path('/', 'svc'))] });
    return m;
  };
  const params: IngressClassParamsObject[] = [{
    metadata: { name: 'alb-params' },
    spec: { scheme: 'internal', namespaceSelector: { matchLabels: { tier: 'trusted' } }, group: { name: 'trusted' }, inboundCIDRs: ['10.0.0.0/8'] },
  }];
  const classes = [albClass('alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'alb-params' } })];
  const namespaces = [{ metadata: { name: 'team-a', labels: { tier: 'trusted' } } }, { metadata: { name: 'team-b' } }];

  it('an Ingress with kubernetes.io/ingress.class: alb gets the params of IngressClass alb: namespaceSelector, scheme, group, CIDRs', () => {
    const r = buildStacks(snapshot({ ingresses: [legacyIng('team-a', { [A('scheme')]: 'internet-facing' }), legacyIng('team-b')], services, ingressClasses: classes, ingressClassParams: params, namespaces }), FACTS, CONFIG);
    const stack = one(r.stacks);
    assert.equal(stack.id, 'trusted');
    assert.deepEqual(stack.members, ['team-a/legacy']);
    const lb = byKind(stack, 'LoadBalancer')[0];
    assert.equal(lb?.spec.scheme, 'internal', 'the pinned scheme wins over the annotation');
    const sg = byKind(stack, 'SecurityGroup')[0];
    assert.deepEqual(sg?.spec.ingress.map((x) => x.cidrIpv4), ['10.0.0.0/8']);
    assert.deepEqual(codesOf(r), [['team-b/legacy', 'kubernetes.io/ingress.class', 'NamespaceNotAllowed']]);
  });

  it('without an IngressClass of that name (or with another controller\'s), it matches without params, as upstream', () => {
    for (const ingressClasses of [[], [albClass('other')], [{ metadata: { name: 'alb' }, spec: { controller: 'k8s.io/ingress-nginx' } }]]) {
      const r = buildStacks(snapshot({ ingresses: [legacyIng('team-b')], services, ingressClasses, ingressClassParams: params, namespaces }), FACTS, CONFIG);
      assert.deepEqual(r.issues, []);
      assert.deepEqual(one(r.stacks).id, 'team-b/legacy');
    }
  });

  it('--ingress-class names the IngressClass the annotation maps to', () => {
    const custom = [albClass('internal-alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'alb-params' } })];
    const ing = legacyIng('team-b', { 'kubernetes.io/ingress.class': 'internal-alb' });
    const r = buildStacks(snapshot({ ingresses: [ing], services, ingressClasses: custom, ingressClassParams: params, namespaces }), FACTS, { ...CONFIG, ingressClass: 'internal-alb' });
    assert.deepEqual(codesOf(r), [['team-b/legacy', 'kubernetes.io/ingress.class', 'NamespaceNotAllowed']]);
  });
});

describe('group tenancy: properties over random member sets', function () {
  // 1,000 random groups per property, each built two or three times: seconds alone, longer on a shared machine
  this.timeout(300_000);
  interface Spec {
    readonly name: string; readonly ns: string; readonly order: number; readonly created?: string; readonly deployed: boolean;
    readonly scheme?: string; readonly host?: string; readonly path: string; readonly tag?: string; readonly prefixList?: string;
  }
  const spec: fc.Arbitrary<Spec> = fc.record({
    name: fc.constantFrom('pay', 'shop', 'api', 'web'),
    ns: fc.constantFrom(...NAMESPACES),
    order: fc.integer({ min: -1000, max: 1000 }),
    created: fc.option(fc.constantFrom('2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z'), { nil: undefined }),
    deployed: fc.boolean(),
    scheme: fc.option(fc.constantFrom('internal', 'internet-facing'), { nil: undefined }),
    host: fc.option(fc.constantFrom('pay.example.com', 'shop.example.com', '*.example.com'), { nil: undefined }),
    path: fc.constantFrom('/', '/api'),
    tag: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
    prefixList: fc.option(fc.constantFrom(PL1, PL2), { nil: undefined }),
  }, { requiredKeys: ['name', 'ns', 'order', 'deployed', 'path'] });
  const specs = fc.uniqueArray(spec, { minLength: 1, maxLength: 6, selector: (s) => `${s.ns}/${s.name}` });
  const toIngress = (s: Spec): V1Ingress => member(s.name, {
    ns: s.ns, order: s.order, deployed: s.deployed, ...(s.created ? { created: s.created } : {}),
    annotations: {
      ...(s.scheme ? { [A('scheme')]: s.scheme } : {}), ...(s.tag ? { [A('tags')]: `team=${s.tag}` } : {}),
      ...(s.prefixList ? { [A('security-group-prefix-lists')]: s.prefixList } : {}),
    },
    rules: [rule(s.host, path(s.path, 'svc'))],
  });
  /** what the outcome is, apart from rule priorities */
  const outcome = (r: BuildResult) => ({
    members: [...membersOf(r)].sort(),
    excluded: [...(r.groups[0]?.excluded ?? [])].sort(),
    issues: r.issues.map((i) => JSON.stringify(i)).sort(),
    contests: (r.groups[0]?.contests ?? []).map((c) => JSON.stringify(c)).sort(),
  });
  const senior = (s: Spec): [number, number, string] => [s.deployed ? 0 : 1, s.created ? Date.parse(s.created) : Number.MAX_SAFE_INTEGER, `${s.ns}/${s.name}`];
  const before = (a: Spec, b: Spec): boolean => {
    const x = senior(a);
    const y = senior(b);
    return x[0] !== y[0] ? x[0] < y[0] : x[1] !== y[1] ? x[1] < y[1] : x[2] < y[2];
  };

  it('is deterministic and independent of input order', () => {
    fc.assert(fc.property(specs, fc.infiniteStream(fc.nat()), (ss, seeds) => {
      const ings = ss.map(toIngress);
      const shuffled = ings.map((ing) => ({ ing, k: seeds.next().value })).sort((a, b) => a.k - b.k).map((x) => x.ing);
      assert.deepEqual(build(shuffled), build(ings));
    }), { numRuns: 1_000 });
  });

  it('never depends on any member\'s group.order, and a contest is always won by the member in the group first', () => {
    let contested = 0;
    fc.assert(fc.property(specs, fc.nat(), fc.integer({ min: -1000, max: 1000 }), (ss, pick, order) => {
      const base = build(ss.map(toIngress));
      const i = pick % ss.length;
      const moved = ss.map((s, j) => (j === i ? { ...s, order } : s));
      assert.deepEqual(outcome(build(moved.map(toIngress))), outcome(base));
      const byKey = new Map(ss.map((s) => [`${s.ns}/${s.name}`, s]));
      if ((base.groups[0]?.contests.length ?? 0) > 0) contested++;
      for (const c of base.groups[0]?.contests ?? []) {
        const holder = byKey.get(c.holder);
        const newcomer = byKey.get(c.newcomer);
        assert.ok(holder && newcomer && before(holder, newcomer), `${c.holder} holds against ${c.newcomer}`);
      }
      // every accepted pair agrees on scheme and prefix lists (port 80) and never shares a host+path across namespaces
      const accepted = ss.filter((s) => base.groups[0]?.members.includes(`${s.ns}/${s.name}`));
      for (const a of accepted) {
        for (const b of accepted) {
          if (a.scheme && b.scheme) assert.equal(a.scheme, b.scheme);
          if (a.prefixList && b.prefixList) assert.equal(a.prefixList, b.prefixList);
          if (a.ns !== b.ns && a !== b) assert.ok(!(a.host === b.host && a.path === b.path), `${a.ns}/${a.name} and ${b.ns}/${b.name} share ${a.host ?? '*'}${a.path}`);
        }
      }
    }), { numRuns: 1_000 });
    assert.ok(contested > 200, `only ${contested} of 1000 runs had a contest: the generator no longer exercises the rule`);
  });
});
