import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildStacks } from '../../../src/ingress/index.ts';
import { covers, optimizeRules, redirectsToItself } from '../../../src/ingress/rule-optimizer.ts';
import { type Action, type RuleCondition, findResource } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const hosts = (...values: string[]): RuleCondition => ({ field: 'host-header', hostHeaderConfig: { values } });
const paths = (...values: string[]): RuleCondition => ({ field: 'path-pattern', pathPatternConfig: { values } });
const method: RuleCondition = { field: 'http-request-method', httpRequestMethodConfig: { values: ['GET'] } };
const redirect = (c: Omit<Extract<Action, { type: 'redirect' }>['redirectConfig'], 'statusCode'>): Action =>
  ({ type: 'redirect', redirectConfig: { ...c, statusCode: 'HTTP_301' } });
const forward: Action = { type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: 'arn:tg' }] } };
const toHttps = redirect({ protocol: 'HTTPS', port: '443' });

describe('ingress rule optimizer', () => {
  describe('redirectsToItself', () => {
    const rows: [string, number, 'HTTP' | 'HTTPS', Action, RuleCondition[], boolean][] = [
      ['to HTTPS:443, on HTTPS:443', 443, 'HTTPS', toHttps, [paths('/*')], true],
      ['to HTTPS:443, on HTTP:80', 80, 'HTTP', toHttps, [paths('/*')], false],
      ['to HTTPS:443, on HTTPS:8443', 8443, 'HTTPS', toHttps, [paths('/*')], false],
      ['placeholders only', 80, 'HTTP', redirect({ protocol: '#{protocol}', port: '#{port}', host: '#{host}', path: '/#{path}', query: '#{query}' }), [], true],
      ['nothing set', 80, 'HTTP', redirect({}), [], true],
      ['to another host', 443, 'HTTPS', redirect({ host: 'other.example.com' }), [hosts('shop.example.com')], false],
      ['to a host the rule matches', 443, 'HTTPS', redirect({ host: 'shop.example.com' }), [hosts('shop.example.com')], true],
      ['to another path', 443, 'HTTPS', redirect({ path: '/new' }), [paths('/old')], false],
      ['to a path the rule matches', 443, 'HTTPS', redirect({ path: '/old' }), [paths('/old')], true],
      ['with a new query', 443, 'HTTPS', redirect({ query: 'x=1' }), [], false],
      ['not a redirect', 443, 'HTTPS', forward, [], false],
    ];
    for (const [name, port, protocol, action, conditions, want] of rows) {
      it(name, () => assert.equal(redirectsToItself(port, protocol, { conditions, actions: [action] }), want));
    }
  });

  describe('covers (earlier redirect rule vs later rule)', () => {
    const rows: [string, RuleCondition[], RuleCondition[], boolean][] = [
      ['/* covers any path', [paths('/*')], [hosts('a.com'), paths('/x')], true],
      ['no conditions cover everything', [], [hosts('a.com')], true],
      ['same host, later rule has one of its hosts', [hosts('a.com', 'b.com')], [hosts('a.com'), paths('/x')], true],
      ['host set, later rule has none', [hosts('a.com')], [paths('/x')], false],
      ['other host', [hosts('a.com')], [hosts('c.com')], false],
      ['paths subset', [paths('/a', '/b')], [paths('/a')], true],
      ['paths not subset', [paths('/a')], [paths('/a', '/b')], false],
      ['later rule without paths under a path rule', [paths('/a')], [hosts('a.com')], false],
      ['earlier rule with another condition covers nothing', [paths('/*'), method], [paths('/x')], false],
      ['a later rule with extra conditions is still covered', [paths('/*')], [paths('/x'), method], true],
    ];
    for (const [name, earlier, later, want] of rows) it(name, () => assert.equal(covers(earlier, later), want));
  });

  it('drops loops first, then rules shadowed by a kept redirect; order is kept', () => {
    const r1 = { id: 1, conditions: [paths('/*')], actions: [toHttps] };
    const r2 = { id: 2, conditions: [paths('/*')], actions: [forward] };
    const r3 = { id: 3, conditions: [hosts('a.com'), paths('/x')], actions: [forward] };
    const onHttp = optimizeRules(80, 'HTTP', [r1, r2, r3]);
    assert.deepEqual(onHttp.kept.map((r) => r.id), [1]);
    assert.deepEqual(onHttp.dropped.map((d) => [d.rule.id, d.why, d.by?.id]), [[2, 'shadowed', 1], [3, 'shadowed', 1]]);
    const onHttps = optimizeRules(443, 'HTTPS', [r1, r2, r3]);
    assert.deepEqual(onHttps.kept.map((r) => r.id), [2, 3]);
    assert.deepEqual(onHttps.dropped.map((d) => [d.rule.id, d.why]), [[1, 'redirect-loop']]);
    // a redirect rule with another condition shadows nothing
    const scoped = { id: 4, conditions: [paths('/*'), method], actions: [toHttps] };
    assert.deepEqual(optimizeRules(80, 'HTTP', [scoped, r2]).kept.map((r) => r.id), [4, 2]);
    // a forward rule shadows nothing
    assert.deepEqual(optimizeRules(80, 'HTTP', [r2, r3]).kept.map((r) => r.id), [2, 3]);
  });

  describe('legacy actions.ssl-redirect through the builder', () => {
    const SSL_REDIRECT = '{"Type":"redirect","RedirectConfig":{"Protocol":"HTTPS","Port":"443","StatusCode":"HTTP_301"}}';
    const annotations = {
      [A('listen-ports')]: '[{"HTTP": 80}, {"HTTPS": 443}]',
      [A('certificate-arn')]: 'arn:aws:acm:us-east-1:1:certificate/a',
      [A('actions.ssl-redirect')]: SSL_REDIRECT,
    };
    const svc = service('svc');

    for (const [name, p] of [['no path', undefined], ['path /*', '/*']] as const) {
      it(`the classic manifest (${name}): HTTP:80 only redirects, HTTPS:443 only forwards`, () => {
        const ing = ingress('web', {
          annotations,
          rules: [rule(undefined, path(p, 'ssl-redirect', 'use-annotation', 'ImplementationSpecific'), path(p, 'svc', 80, 'ImplementationSpecific'))],
        });
        const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, CONFIG);
        assert.deepEqual(r.issues, []);
        const stack = one(r.stacks);
        const rules = byKind(stack, 'ListenerRule');
        assert.deepEqual(rules.map((x) => x.id), ['80:1', '443:1']);
        const http = findResource(stack, 'ListenerRule', '80:1');
        assert.deepEqual(http?.spec.actions, [{ type: 'redirect', redirectConfig: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }]);
        const https = findResource(stack, 'ListenerRule', '443:1');
        assert.equal(https?.spec.priority, 1);
        assert.deepEqual(https?.spec.actions, [{ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: { $ref: { kind: 'TargetGroup', id: 'default/web-svc:80' }, field: 'arn' } }] } }]);
        assert.ok(!rules.some((x) => x.spec.actions.some((a) => a.type === 'redirect') && x.id.startsWith('443:')), 'no redirect rule on HTTPS');
        // both left-out rules are explained
        assert.deepEqual(r.notes.filter((n) => n.message.startsWith('left out')).map((n) => n.subject), [
          'spec.rules[0].http.paths[1] on listener 80',
          'spec.rules[0].http.paths[0] on listener 443',
        ]);
      });
    }

    it('a group member after the redirecting member loses only the rules the redirect covers', () => {
      const first = ingress('a', {
        annotations: { ...annotations, [A('group.name')]: 'g', [A('group.order')]: '1' },
        rules: [rule(undefined, path('/*', 'ssl-redirect', 'use-annotation', 'ImplementationSpecific'))],
      });
      const second = ingress('b', {
        annotations: {
          [A('listen-ports')]: '[{"HTTP": 80, "HTTPS": 443}]', [A('certificate-arn')]: 'arn:aws:acm:us-east-1:1:certificate/a',
          [A('group.name')]: 'g', [A('group.order')]: '2',
        },
        rules: [rule('shop.example.com', path('/', 'svc'))],
      });
      const r = buildStacks(snapshot({ ingresses: [first, second], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues, []);
      const stack = one(r.stacks);
      assert.deepEqual(byKind(stack, 'ListenerRule').map((x) => [x.id, x.spec.actions[0]?.type]), [['80:1', 'redirect'], ['443:1', 'forward']]);
    });
  });

  describe('optimizeRules through its index of redirects', () => {
    /** the first kept redirect that covers the rule, by a scan of every kept rule */
    const reference = (rules: readonly { conditions: RuleCondition[]; actions: Action[] }[]) => {
      const kept: typeof rules[number][] = [];
      const dropped: { rule: typeof rules[number]; why: string; by?: typeof rules[number] }[] = [];
      for (const r of rules) {
        if (redirectsToItself(443, 'HTTPS', r)) { dropped.push({ rule: r, why: 'redirect-loop' }); continue; }
        const by = kept.find((k) => k.actions.some((a) => a.type === 'redirect') && covers(k.conditions, r.conditions));
        if (by) { dropped.push({ rule: r, why: 'shadowed', by }); continue; }
        kept.push(r);
      }
      return { kept, dropped };
    };
    const condition = fc.oneof(
      fc.uniqueArray(fc.constantFrom('a.com', 'b.com', 'c.com'), { minLength: 1, maxLength: 3 }).map((v) => hosts(...v)),
      fc.uniqueArray(fc.constantFrom('/*', '/x', '/y', '/x/*'), { minLength: 1, maxLength: 3 }).map((v) => paths(...v)),
      fc.constant(method),
    );
    const action = fc.constantFrom(forward, toHttps, redirect({ host: 'a.com' }), redirect({ path: '/x' }), redirect({ port: '8443' }));
    const rules = fc.array(fc.record({ conditions: fc.array(condition, { maxLength: 3 }), actions: action.map((a) => [a]) }), { maxLength: 25 });

    it('keeps and drops exactly what a scan of the kept rules would', () => {
      fc.assert(fc.property(rules, (rs) => {
        assert.deepEqual(optimizeRules(443, 'HTTPS', rs), reference(rs));
      }), { numRuns: 3_000 });
    });
  });
});

