// mutual-authentication: mutual TLS per HTTPS listen port, upstream's validation rules, group merge, trust store names
// as discovered facts and the AWS limit of 2 trust stores per ALB.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildStacks } from '../../../src/ingress/index.ts';
import { optionalFactsNeeded } from '../../../src/ingress/facts-needed.ts';
import { mutualAuthentication } from '../../../src/ingress/annotations/mutual-auth.ts';
import { findResource, unknownsIn } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const svc = service('svc');
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
const TS_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/store-a/0123456789abcdef';
const TS_ARN_B = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/store-b/0123456789abcdef';
const PORTS = JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }, { HTTPS: 8443 }]);
const MTLS = A('mutual-authentication');

const web = (name: string, mtls: unknown, extra: Record<string, string> = {}) => ingress(name, {
  annotations: { [A('listen-ports')]: PORTS, [A('certificate-arn')]: CERT, [MTLS]: typeof mtls === 'string' ? mtls : JSON.stringify(mtls), ...extra },
  rules: [rule(`${name}.example.com`, path('/', 'svc'))],
});
const build = (ings: ReturnType<typeof web>[], facts = FACTS) => buildStacks(snapshot({ ingresses: ings, services: [svc] }), facts, CONFIG);
const listenerMtls = (r: ReturnType<typeof build>, port: number) => findResource(one(r.stacks), 'Listener', String(port))?.spec.mutualAuthentication;

describe('mutual-authentication', () => {
  it('sets each named HTTPS listener; verify gets AWS\'s defaults; other listeners are left alone (absent)', () => {
    const r = build([web('a', [{ port: 443, mode: 'verify', trustStore: TS_ARN }, { port: 8443, mode: 'passthrough' }])]);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(listenerMtls(r, 443), { mode: 'verify', trustStoreArn: TS_ARN, ignoreClientCertificateExpiry: false, advertiseTrustStoreCaNames: 'off' });
    assert.deepEqual(listenerMtls(r, 8443), { mode: 'passthrough' });
    assert.equal(listenerMtls(r, 80), undefined);
    const off = build([web('a', [{ port: 443, mode: 'off' }])]);
    assert.deepEqual(listenerMtls(off, 443), { mode: 'off' });
  });

  it('refuses values upstream refuses, naming the entry and field; the Ingress is left out', () => {
    for (const [value, why] of [
      ['not json', /expected JSON/],
      ['[]', /at least one entry/],
      ['{"port":443,"mode":"off"}', /JSON array/],
      ['[{"mode":"off"}]', /\[0\]\.port: expected a port in \[1, 65535\], got undefined/],
      ['[{"port":"443","mode":"off"}]', /\[0\]\.port: expected a port/],
      ['[{"port":70000,"mode":"off"}]', /\[0\]\.port/],
      ['[{"port":443}]', /\[0\]\.mode: is required/],
      ['[{"port":443,"mode":"strict"}]', /\[0\]\.mode: expected off, passthrough or verify, got "strict"/],
      ['[{"port":443,"mode":"verify"}]', /\[0\]\.trustStore: is required for port 443 in mode verify/],
      [`[{"port":443,"mode":"passthrough","trustStore":"${TS_ARN}"}]`, /trustStore: is not allowed in mode passthrough/],
      ['[{"port":443,"mode":"off","ignoreClientCertificateExpiry":true}]', /ignoreClientCertificateExpiry: is not allowed in mode off/],
      ['[{"port":443,"mode":"passthrough","advertiseTrustStoreCaNames":"on"}]', /advertiseTrustStoreCaNames: is not allowed in mode passthrough/],
      ['[{"port":443,"mode":"verify","trustStore":"s","advertiseTrustStoreCaNames":"yes"}]', /"on" or "off"/],
      ['[{"port":443,"mode":"verify","trustStore":"s","ignoreClientCertificateExpiry":"true"}]', /true or false/],
      ['[{"port":443,"mode":"verify","trustStore":"bad name"}]', /trust store name/],
      ['[{"port":443,"mode":"verify","trustStore":"arn:aws:acm:us-east-1:123456789012:certificate/x"}]', /trust store ARN/],
      ['[{"port":443,"mode":"off"},{"port":443,"mode":"passthrough"}]', /\[1\]\.port: port 443 is listed twice/],
    ] as const) {
      const r = build([web('a', value)]);
      const i = one(r.issues, value);
      assert.equal(i.code, 'InvalidAnnotation', value);
      assert.equal(i.field, MTLS, value);
      assert.deepEqual(i.object, { kind: 'Ingress', namespace: 'default', name: 'a' }, value);
      assert.match(i.reason, why, value);
      assert.equal(r.stacks.length, 0, value);
    }
  });

  it('an entry for a port that is not an HTTPS listen port of the Ingress is ignored with a note, as upstream', () => {
    const r = build([web('a', [{ port: 80, mode: 'passthrough' }, { port: 9999, mode: 'off' }])]);
    assert.deepEqual(r.issues, []);
    assert.equal(listenerMtls(r, 80), undefined);
    assert.deepEqual(r.notes.filter((n) => n.subject.startsWith(MTLS)).map((n) => n.subject).sort(), [`${MTLS} port 80`, `${MTLS} port 9999`]);
  });

  it('a trust store name is an Unknown until looked up; found, it becomes its ARN; missing, the group is not built', () => {
    const value = [{ port: 443, mode: 'verify', trustStore: 'store-a', ignoreClientCertificateExpiry: true, advertiseTrustStoreCaNames: 'on' }];
    const first = build([web('a', value)]);
    assert.deepEqual(first.issues, []);
    assert.deepEqual(unknownsIn(one(first.stacks).resources).filter((u) => u.includes('trust-store')), ['discovery:trust-store:store-a']);
    assert.deepEqual(optionalFactsNeeded(first.stacks).trustStoreNames, ['store-a']);
    const found = build([web('a', value)], { ...FACTS, trustStores: { 'store-a': TS_ARN } });
    assert.deepEqual(listenerMtls(found, 443), { mode: 'verify', trustStoreArn: TS_ARN, ignoreClientCertificateExpiry: true, advertiseTrustStoreCaNames: 'on' });
    assert.deepEqual(optionalFactsNeeded(found.stacks).trustStoreNames, []);
    const missing = build([web('a', value)], { ...FACTS, trustStores: { 'store-a': null } });
    assert.equal(missing.stacks.length, 0);
    const i = one(missing.issues);
    assert.equal(i.code, 'TrustStoreNotFound');
    assert.equal(i.field, MTLS);
    assert.match(i.reason, /port 443: no trust store is named store-a/);
  });

  it('group members must agree per port; the member joining later is refused with ConflictingValue', () => {
    const g = { [A('group.name')]: 'g' };
    const r = build([web('a', [{ port: 443, mode: 'passthrough' }], g), web('b', [{ port: 443, mode: 'off' }], g), web('c', [{ port: 443, mode: 'passthrough' }], g)]);
    const i = one(r.issues);
    assert.equal(i.code, 'ConflictingValue');
    assert.equal(i.object.name, 'b');
    assert.match(i.reason, /mutual authentication .* for port 443 conflicts with/);
    assert.deepEqual(listenerMtls(r, 443), { mode: 'passthrough' });
    assert.deepEqual(one(r.stacks).members, ['default/a', 'default/c']);
  });

  it('at most 2 distinct trust stores per load balancer (AWS limit): the member bringing a third is left out, naming the limit', () => {
    const g = { [A('group.name')]: 'g' };
    const ports = (p: number[]) => ({ ...g, [A('listen-ports')]: JSON.stringify(p.map((n) => ({ HTTPS: n }))) });
    const r = build([
      web('a', [{ port: 443, mode: 'verify', trustStore: TS_ARN }, { port: 8443, mode: 'verify', trustStore: TS_ARN_B }], ports([443, 8443])),
      web('b', [{ port: 9443, mode: 'verify', trustStore: 'store-c' }], ports([9443])),
    ], { ...FACTS, trustStores: { 'store-c': TS_ARN } });
    const i = one(r.issues);
    assert.equal(i.code, 'AwsLimitExceeded');
    assert.equal(i.object.name, 'b');
    assert.equal(i.field, MTLS);
    assert.match(i.reason, /trust stores: 3; trust stores \(mutual-authentication verify\): at most 2 per Application Load Balancer \(AWS limit\)/);
    assert.deepEqual(one(r.stacks).members, ['default/a']);
  });

  describe('property: any annotation value', () => {
    const entry = fc.record({
      port: fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.string(), fc.constant(null), fc.double()),
      mode: fc.oneof(fc.constantFrom('off', 'passthrough', 'verify', '', 'VERIFY'), fc.string({ maxLength: 300 }), fc.integer()),
      trustStore: fc.oneof(fc.constantFrom('store-a', TS_ARN, '', 'arn:'), fc.string({ maxLength: 3000 }), fc.boolean()),
      ignoreClientCertificateExpiry: fc.oneof(fc.boolean(), fc.constant('true'), fc.constant(null)),
      advertiseTrustStoreCaNames: fc.oneof(fc.constantFrom('on', 'off', 'ON'), fc.string(), fc.integer()),
    }, { requiredKeys: [] });
    const value = fc.oneof(fc.array(entry, { maxLength: 6 }).map((v) => JSON.stringify(v)), fc.json(), fc.string({ maxLength: 5000 }));

    it('never throws; accepted values follow upstream\'s rules, refused ones say why', () => {
      fc.assert(fc.property(value, (raw) => {
        const r = mutualAuthentication(raw);
        if (!r.ok) {
          assert.ok(r.reason.length > 0 && r.reason.length < 400, r.reason);
          return;
        }
        for (const [port, e] of Object.entries(r.value)) {
          assert.ok(Number(port) >= 1 && Number(port) <= 65535);
          assert.ok(['off', 'passthrough', 'verify'].includes(e.mode));
          if (e.mode === 'verify') {
            assert.ok(e.trustStore && e.trustStore.length <= 200);
            assert.equal(typeof e.ignoreClientCertificateExpiry, 'boolean');
            assert.ok(e.advertiseTrustStoreCaNames === 'on' || e.advertiseTrustStoreCaNames === 'off');
          } else {
            assert.deepEqual(Object.keys(e), ['mode']);
          }
        }
      }), { numRuns: 300 });
    });

    it('a build with any value either refuses the Ingress with one InvalidAnnotation or builds listeners whose settings AWS accepts', () => {
      fc.assert(fc.property(value, (raw) => {
        const r = build([web('a', raw)], { ...FACTS, trustStores: { 'store-a': TS_ARN } });
        if (r.stacks.length === 0) {
          assert.ok(r.issues.length > 0 && r.issues.every((i) => i.field === MTLS), JSON.stringify(r.issues));
          return;
        }
        for (const port of [443, 8443]) {
          const m = listenerMtls(r, port);
          // an ARN, or (a name not among the looked-up ones) an Unknown until it is looked up
          if (m?.mode === 'verify') assert.ok(typeof m.trustStoreArn === 'string' ? m.trustStoreArn.startsWith('arn:') : m.trustStoreArn !== undefined);
          else if (m) assert.deepEqual(Object.keys(m), ['mode']);
        }
      }), { numRuns: 150 });
    });
  });
});
