// Properties of every value check added for AWS's formats and limits: what AWS takes passes, what it refuses
// is refused with a reason. Generators build values from the rule's parts (the oracle), never from the check.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LOAD_BALANCER_ATTRIBUTES, TARGET_GROUP_ATTRIBUTES, loadBalancerAttributeProblem, targetGroupAttributeProblem } from '../../../src/ingress/annotations/attributes.ts';
import { hostHeaderValue, pathPatternValue } from '../../../src/ingress/annotations/conditions.ts';
import { parseAction, parseConditions } from '../../../src/ingress/annotations/index.ts';
import { certificateArn, prefixListId, sslPolicy, tagProblem } from '../../../src/ingress/annotations/values.ts';
import { forwardTargetsProblem, ruleConditionsProblem, tagCountProblem } from '../../../src/ingress/aws-limits.ts';
import { buildStacks } from '../../../src/ingress/index.ts';
import type { RuleCondition } from '../../../src/model/index.ts';
import { ingress as annotated } from './annotations/helpers.ts';
import { CONFIG, FACTS, ingress, path, rule, service, snapshot } from './fixtures.ts';

const RUNS = { numRuns: 2000, seed: 4242 };
const chars = (alphabet: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;

describe('AWS formats: properties', () => {
  describe('tags (ELBv2 Tag: letters, numbers, spaces and _ . : / = + - @; key 1-128, value 0-256)', () => {
    const tagChar = fc.oneof(fc.constantFrom(...`${ALNUM}_.:/=+-@ `), fc.constantFrom('é', 'ß', '日', 'ж', '٣', '\u00a0'));
    const trimmed = (min: number, max: number) => fc.string({ unit: tagChar, minLength: min, maxLength: max }).filter((s) => s === s.trim() && s.length >= min);
    const key = trimmed(1, 128).filter((k) => !k.toLowerCase().startsWith('aws:') && !/^(elbv2|ingress|service)\.k8s\.aws\//.test(k));
    it('takes every key and value of the allowed characters and lengths', () => {
      fc.assert(fc.property(key, trimmed(0, 256), (k, v) => assert.equal(tagProblem(k, v), undefined)), RUNS);
    });
    it('refuses a key or value with any other character (commas, control characters, symbols), naming it', () => {
      const bad = fc.oneof(fc.constantFrom(',', ';', '*', '!', '#', '"', '\\', '\t', '\n', '\u0000', '\u0007', '\u007f', '<'), fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)));
      fc.assert(fc.property(key, bad, fc.boolean(), (k, c, inKey) => {
        const reason = inKey ? tagProblem(`a${c}b`, 'v') : tagProblem(k, `a${c}b`);
        assert.match(reason ?? '', /contains/);
      }), RUNS);
    });
    it('refuses keys over 128 and values over 256 characters', () => {
      fc.assert(fc.property(fc.integer({ min: 129, max: 400 }), fc.integer({ min: 257, max: 600 }), (kl, vl) => {
        assert.match(tagProblem('k'.repeat(kl), 'v') ?? '', /at most 128/);
        assert.match(tagProblem('k', 'v'.repeat(vl)) ?? '', /at most 256/);
      }), RUNS);
    });
    it('counts at most 50 tags per resource, the controller\'s 3 included and aws: keys not', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 5 }), (n, aws) => {
        const keys = [...Array.from({ length: n }, (_, i) => `k${i}`), ...Array.from({ length: aws }, (_, i) => `aws:x${i}`)];
        assert.equal(tagCountProblem(keys, 'load balancer') === undefined, n + 3 <= 50);
      }), RUNS);
    });
  });

  describe('certificate ARNs, SSL policies, prefix lists', () => {
    const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');
    const account = chars('0123456789', 12, 12);
    const id = chars(`${LOWER}0123456789-`, 1, 40);
    it('takes ACM and IAM server certificate ARNs, refuses other services and resource types', () => {
      fc.assert(fc.property(partition, fc.constantFrom('us-east-1', 'eu-west-3'), account, id, (p, region, acct, cert) => {
        assert.equal(certificateArn(`arn:${p}:acm:${region}:${acct}:certificate/${cert}`), undefined);
        assert.equal(certificateArn(`arn:${p}:iam::${acct}:server-certificate/${cert}`), undefined);
        assert.notEqual(certificateArn(`arn:${p}:s3:::${cert}`), undefined);
        assert.notEqual(certificateArn(`arn:${p}:acm:${region}:${acct}:private-ca/${cert}`), undefined);
        assert.notEqual(certificateArn(cert), undefined);
      }), RUNS);
    });
    it('takes predefined policy names (ELBSecurityPolicy-…) only', () => {
      fc.assert(fc.property(chars(`${ALNUM}-`, 1, 100), fc.string({ maxLength: 30 }), (suffix, other) => {
        assert.equal(sslPolicy(`ELBSecurityPolicy-${suffix}`), undefined);
        if (!other.startsWith('ELBSecurityPolicy-')) assert.notEqual(sslPolicy(other), undefined);
        assert.notEqual(sslPolicy(`ELBSecurityPolicy-${suffix} `), undefined);
      }), RUNS);
    });
    it('takes pl- followed by 8 or 17 hex digits (the two lengths of EC2 IDs)', () => {
      fc.assert(fc.property(fc.oneof(chars('0123456789abcdef', 8, 8), chars('0123456789abcdef', 17, 17)), fc.string({ maxLength: 20 }), (hex, other) => {
        assert.equal(prefixListId(`pl-${hex}`), undefined);
        if (!/^pl-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(other)) assert.notEqual(prefixListId(other), undefined);
      }), RUNS);
    });
  });

  describe('attributes: each listed key takes exactly its documented values', () => {
    /** a value the rule documents as taken, and one just outside */
    const DOC: Readonly<Record<string, { ok: fc.Arbitrary<string>; bad: fc.Arbitrary<string> }>> = (() => {
      const range = (lo: number, hi: number) => ({ ok: fc.integer({ min: lo, max: hi }).map(String), bad: fc.oneof(fc.integer({ min: hi + 1, max: hi + 10_000 }).map(String), fc.constantFrom('abc', '', '1.5', ' 5')) });
      const bool = { ok: fc.constantFrom('true', 'false'), bad: fc.constantFrom('TRUE', 'yes', '1', '') };
      const en = (...xs: string[]) => ({ ok: fc.constantFrom(...xs), bad: fc.string({ maxLength: 12 }).filter((s) => !xs.includes(s)) });
      return {
        'idle_timeout.timeout_seconds': range(1, 4000), 'client_keep_alive.seconds': range(60, 604800), 'deregistration_delay.timeout_seconds': range(0, 3600),
        'stickiness.lb_cookie.duration_seconds': range(1, 604800), 'deletion_protection.enabled': bool, 'routing.http2.enabled': bool, 'stickiness.enabled': bool,
        'routing.http.desync_mitigation_mode': en('monitor', 'defensive', 'strictest'), 'routing.http.xff_header_processing.mode': en('append', 'preserve', 'remove'),
        'load_balancing.algorithm.type': en('round_robin', 'least_outstanding_requests', 'weighted_random'), 'stickiness.type': en('lb_cookie', 'app_cookie'),
        'slow_start.duration_seconds': { ok: fc.oneof(fc.constant('0'), fc.integer({ min: 30, max: 900 }).map(String)), bad: fc.oneof(fc.integer({ min: 1, max: 29 }), fc.integer({ min: 901, max: 5000 })).map(String) },
      };
    })();
    for (const [key, { ok, bad }] of Object.entries(DOC)) {
      const lb = key in LOAD_BALANCER_ATTRIBUTES;
      const problem = lb ? loadBalancerAttributeProblem : targetGroupAttributeProblem;
      it(`${lb ? 'load balancer' : 'target group'} attribute ${key}`, () => {
        fc.assert(fc.property(ok, bad, (good, wrong) => {
          assert.equal(problem(key, good), undefined);
          assert.match(problem(key, wrong) ?? '', new RegExp(`attribute ${key.replace(/\./g, '\\.')}: expected`));
        }), { ...RUNS, numRuns: 300 });
      });
    }
    it('refuses every key the tables do not list', () => {
      fc.assert(fc.property(fc.string({ maxLength: 40 }), (key) => {
        if (!(key in LOAD_BALANCER_ATTRIBUTES)) assert.notEqual(loadBalancerAttributeProblem(key, 'true'), undefined);
        if (!(key in TARGET_GROUP_ATTRIBUTES)) assert.notEqual(targetGroupAttributeProblem(key, 'true'), undefined);
      }), RUNS);
    });
  });

  describe('host-header and path-pattern values', () => {
    const label = chars(`${LOWER}0123456789-*?`, 1, 20);
    const tld = chars(`${LOWER}ABC`, 1, 10);
    it('hosts: letters, digits, - . * ?, a dot, letters after the last dot, at most 128', () => {
      fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), tld, (labels, last) => {
        const host = `${labels.join('.')}.${last}`;
        assert.equal(hostHeaderValue(host) === undefined, host.length <= 128);
        assert.notEqual(hostHeaderValue(labels.join('').replace(/\./g, '')), undefined, 'no dot');
        assert.notEqual(hostHeaderValue(`${host}1`), undefined, 'a digit after the last dot');
        assert.notEqual(hostHeaderValue(`${host}:80`), undefined, 'a port');
      }), RUNS);
    });
    it('paths: letters, digits and _-.$/~"\'@:+&*?, 1 to 128', () => {
      const ok = chars(`${ALNUM}_-.$/~"'@:+&*?`, 1, 128);
      fc.assert(fc.property(ok, fc.constantFrom(' ', '#', '%', '<', '\\', 'ü', '\n', ';', ','), (p, bad) => {
        assert.equal(pathPatternValue(p), undefined);
        assert.notEqual(pathPatternValue(`${p.slice(0, 100)}${bad}`), undefined);
        assert.notEqual(pathPatternValue(`${p}${'x'.repeat(129 - p.length)}`), undefined);
      }), RUNS);
    });
    it('http-header and query-string values: refused with a control character, taken otherwise', () => {
      fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 50 }), fc.integer({ min: 0, max: 31 }), (v, code) => {
        const header = (x: string) => parseConditions(annotated({ 'conditions.svc': JSON.stringify([{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X', values: [x] } }]) }), 'svc');
        assert.equal(header(v).issues.length === 0, !/[\x00-\x1f\x7f]/.test(v));
        assert.equal(header(`a${String.fromCharCode(code)}`).issues.length, 1);
      }), RUNS);
    });
    it('redirect hosts and paths: the characters of the redirect component, and the #{...} keywords', () => {
      fc.assert(fc.property(chars(`${ALNUM}.-*?`, 1, 50), chars(`${ALNUM}_-.$/~@:+&*?`, 0, 50), fc.constantFrom(' ', '%', '<', ','), (host, p, bad) => {
        const redirect = (r: object) => parseAction(annotated({ 'actions.r': JSON.stringify({ type: 'redirect', redirectConfig: { ...r, statusCode: 'HTTP_301' } }) }), 'r').issues.length;
        assert.equal(redirect({ host, path: `/${p}` }), 0);
        assert.equal(redirect({ host: '#{host}', path: '/#{path}x' }), 0);
        assert.equal(redirect({ host: `${host}${bad}` }), 1);
        assert.equal(redirect({ path: `/${p}${bad}` }), 1);
      }), RUNS);
    });
  });

  describe('counts per rule and per action', () => {
    const cond = fc.oneof(
      fc.array(fc.constantFrom('a.example.com', '*.example.com', '?.ex.org'), { minLength: 1, maxLength: 4 }).map((values): RuleCondition => ({ field: 'host-header', hostHeaderConfig: { values } })),
      fc.array(fc.constantFrom('/a', '/b*', '/c?d*'), { minLength: 1, maxLength: 4 }).map((values): RuleCondition => ({ field: 'path-pattern', pathPatternConfig: { values } })),
      fc.array(fc.constantFrom('10.0.0.0/8', '::/0'), { minLength: 1, maxLength: 3 }).map((values): RuleCondition => ({ field: 'source-ip', sourceIpConfig: { values } })),
      fc.array(fc.constantFrom('x', 'y*'), { minLength: 1, maxLength: 3 }).map((values): RuleCondition => ({ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'H', values } })),
    );
    it('a rule is refused exactly when it has more than 5 values, more than 5 wildcards, or a repeated single condition', () => {
      fc.assert(fc.property(fc.array(cond, { minLength: 1, maxLength: 4 }), (conditions) => {
        const values = conditions.flatMap((c) => ('hostHeaderConfig' in c ? c.hostHeaderConfig.values : 'pathPatternConfig' in c ? c.pathPatternConfig.values
          : 'sourceIpConfig' in c ? c.sourceIpConfig.values : 'httpHeaderConfig' in c ? c.httpHeaderConfig.values : []));
        const wild = conditions.filter((c) => c.field !== 'source-ip').flatMap((c) => ('hostHeaderConfig' in c ? c.hostHeaderConfig.values : 'pathPatternConfig' in c ? c.pathPatternConfig.values
          : 'httpHeaderConfig' in c ? c.httpHeaderConfig.values : [])).join('').replace(/[^*?]/g, '').length;
        const singles = conditions.map((c) => c.field).filter((f) => f !== 'http-header');
        const refused = values.length > 5 || wild > 5 || new Set(singles).size !== singles.length;
        assert.equal(ruleConditionsProblem(conditions) !== undefined, refused);
      }), RUNS);
    });
    it('a forward action is refused exactly when it names a target group twice', () => {
      fc.assert(fc.property(fc.array(fc.constantFrom('arn:a', 'arn:b', 'arn:c'), { minLength: 1, maxLength: 5 }), (arns) => {
        assert.equal(forwardTargetsProblem(arns.map((a) => ({ targetGroupArn: a }))) !== undefined, new Set(arns).size !== arns.length);
      }), RUNS);
    });
  });

  it('Service ports: a target group is made exactly when the nodePort (instance) or targetPort (ip) is in [1, 65535]', () => {
    fc.assert(fc.property(fc.integer({ min: -100_000, max: 100_000 }), fc.boolean(), (port, ip) => {
      const svc = { ...service('svc'), spec: ip ? { type: 'ClusterIP', ports: [{ port: 80, targetPort: port }] } : { type: 'NodePort', ports: [{ port: 80, nodePort: port, targetPort: 8080 }] } };
      const ing = ingress('a', { annotations: ip ? { 'alb.ingress.kubernetes.io/target-type': 'ip' } : {}, rules: [rule('a.example.com', path('/', 'svc'))] });
      const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, CONFIG);
      assert.equal(r.issues.length === 0, port >= 1 && port <= 65535, JSON.stringify(r.issues));
    }), { ...RUNS, numRuns: 500 });
  });
});
