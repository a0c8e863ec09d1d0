// WAFv2 web ACL and Shield Advanced values (ADR 16), annotation and IngressClassParams, into the load balancer
// spec: every value a user can set, as properties. An absent or empty value leaves the field out of the spec (what
// AWS has stays); "none" asks for no web ACL; a value its --enable-* flag turns off is an Issue naming the flag.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { V1Ingress } from '@kubernetes/client-node';
import { buildStacks, type BuildConfig, type IngressClassParamsObject } from '../../../src/ingress/index.ts';
import { isUnknown, NO_WEB_ACL, type LoadBalancerSpec, type Stack } from '../../../src/model/index.ts';
import { parseGoBool } from '../../../src/model/upstream-keys.ts';
import { A, CONFIG, FACTS, albClass, ingress, path, rule, service, snapshot } from './fixtures.ts';

const web = (annotations: Record<string, string> = {}, name = 'web'): V1Ingress =>
  ingress(name, { annotations, className: 'alb', rules: [rule(`${name}.example.com`, path('/', 'api'))] });
const withParams = (spec: IngressClassParamsObject['spec']) => ({
  ingressClasses: [albClass('alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } })],
  ingressClassParams: [{ metadata: { name: 'p' }, spec }],
});
const lbSpec = (stack: Stack | undefined): LoadBalancerSpec | undefined => {
  const lb = stack?.resources.find((r) => r.kind === 'LoadBalancer');
  return lb?.kind === 'LoadBalancer' ? lb.spec : undefined;
};

// values as AWS shapes them
const hex = fc.constantFrom(...'0123456789abcdef');
const nameChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-');
const aclName = fc.string({ unit: nameChar, minLength: 1, maxLength: 128 }).filter((n) => n !== 'none');
const aclArn = fc.record({
  partition: fc.constantFrom('aws', 'aws-cn', 'aws-us-gov'),
  region: fc.constantFrom('us-east-1', 'eu-west-1', 'cn-north-1', 'us-gov-west-1'),
  account: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 12, maxLength: 12 }),
  name: fc.string({ unit: nameChar, minLength: 1, maxLength: 128 }),
  id: fc.string({ unit: hex, minLength: 8, maxLength: 36 }),
}).map((a) => `arn:${a.partition}:wafv2:${a.region}:${a.account}:regional/webacl/${a.name}/${a.id}`);
/** a value that is neither "", "none" nor of the shape */
const badName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s !== 'none' && !/^[\w-]{1,128}$/.test(s)),
  fc.string({ unit: nameChar, minLength: 129, maxLength: 140 }),
);
const badArn = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== 'none'),
  aclArn.map((a) => a.replace(':regional/', ':global/')),
  aclArn.map((a) => a.replace(/:\d{12}:/, ':1:')),
);

const build = (annotations: Record<string, string>, cfg: BuildConfig = CONFIG, facts = FACTS, params?: IngressClassParamsObject['spec']) =>
  buildStacks(snapshot({ ingresses: [web(annotations)], services: [service('api')], ...(params ? withParams(params) : {}) }), facts, cfg);

describe('ingress builder: wafv2-acl-arn, wafv2-acl-name, shield-advanced-protection', () => {
  it('property: a regional web ACL ARN is associated as given; "none" asks for no web ACL; "" leaves the field out', () => {
    fc.assert(fc.property(fc.oneof(aclArn, fc.constant('none'), fc.constant('')), (v) => {
      const r = build({ [A('wafv2-acl-arn')]: v });
      assert.deepEqual(r.issues, []);
      const spec = lbSpec(r.stacks[0]);
      assert.equal(spec?.wafv2WebAclArn, v === 'none' ? NO_WEB_ACL : v === '' ? undefined : v);
      assert.equal('wafv2WebAclArn' in (spec ?? {}), v !== '');
    }), { numRuns: 200 });
  });

  it('property: any other wafv2-acl-arn is an InvalidAnnotation naming the key and the expected shape, and nothing is built', () => {
    fc.assert(fc.property(badArn, (v) => {
      const r = build({ [A('wafv2-acl-arn')]: v });
      assert.deepEqual(r.stacks, []);
      assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('wafv2-acl-arn'), 'InvalidAnnotation']]);
      assert.match(r.issues[0]?.reason ?? '', /expected a regional WAFv2 web ACL ARN/);
    }), { numRuns: 200 });
  });

  it('property: a name per AWS\'s rule (1-128 letters, digits, "_", "-") resolves to the ARN of the listed web ACL', () => {
    fc.assert(fc.property(aclName, aclArn, (name, arn) => {
      const r = build({ [A('wafv2-acl-name')]: name }, CONFIG, { ...FACTS, wafv2WebAcls: { [name]: arn, other: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/other/1' } });
      assert.deepEqual(r.issues, []);
      assert.equal(lbSpec(r.stacks[0])?.wafv2WebAclArn, arn);
    }), { numRuns: 200 });
  });

  it('a name before the web ACLs are listed is an unknown (the controller lists them only then); a name not listed blocks the group', () => {
    const unresolved = lbSpec(build({ [A('wafv2-acl-name')]: 'shop' }).stacks[0])?.wafv2WebAclArn;
    assert.ok(unresolved !== undefined && isUnknown(unresolved));
    const r = build({ [A('wafv2-acl-name')]: 'shop' }, CONFIG, { ...FACTS, wafv2WebAcls: { other: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/other/1' } });
    assert.deepEqual(r.stacks, []);
    assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('wafv2-acl-name'), 'WebAclNotFound']]);
    assert.match(r.issues[0]?.reason ?? '', /no regional WAFv2 web ACL is named shop/);
  });

  it('property: a name breaking AWS\'s rule is an InvalidAnnotation; in IngressClassParams an InvalidIngressClassParams', () => {
    fc.assert(fc.property(badName, (v) => {
      const a = build({ [A('wafv2-acl-name')]: v });
      assert.deepEqual(a.issues.map((i) => [i.field, i.code]), [[A('wafv2-acl-name'), 'InvalidAnnotation']]);
      const p = build({}, CONFIG, FACTS, { wafv2AclName: v });
      assert.deepEqual(p.stacks, []);
      assert.deepEqual(p.issues.map((i) => [i.field, i.code]), [['IngressClassParams(p).spec.wafv2AclName', 'InvalidIngressClassParams']]);
    }), { numRuns: 150 });
  });

  it('property: shield-advanced-protection takes Go booleans into the spec; anything else is an InvalidAnnotation', () => {
    const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...GO_BOOLS), fc.string({ maxLength: 8 })), (v) => {
      const r = build({ [A('shield-advanced-protection')]: v });
      const b = parseGoBool(v);
      if (b === undefined) {
        assert.deepEqual(r.stacks, []);
        assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('shield-advanced-protection'), 'InvalidAnnotation']]);
      } else {
        assert.deepEqual(r.issues, []);
        assert.equal(lbSpec(r.stacks[0])?.shieldAdvancedProtection, b);
      }
    }), { numRuns: 200 });
  });

  it('without any of them the spec has none of the fields (what AWS has is left alone)', () => {
    const spec = lbSpec(build({}).stacks[0]);
    assert.ok(spec);
    assert.ok(!('wafv2WebAclArn' in spec) && !('shieldAdvancedProtection' in spec));
  });

  it('property: a value whose flag is off is an Issue naming the flag and the field; the flag on, it is built', () => {
    const value = fc.oneof(
      fc.record({ field: fc.constant(A('wafv2-acl-arn')), flag: fc.constant('enable-wafv2' as const), v: fc.oneof(aclArn, fc.constant('none')) }),
      fc.record({ field: fc.constant(A('wafv2-acl-name')), flag: fc.constant('enable-wafv2' as const), v: fc.constant('none') }),
      fc.record({ field: fc.constant(A('shield-advanced-protection')), flag: fc.constant('enable-shield' as const), v: fc.constantFrom('true', 'false') }),
    );
    fc.assert(fc.property(value, fc.boolean(), ({ field, flag, v }, otherOn) => {
      const addons = flag === 'enable-wafv2' ? { wafv2: false, shield: otherOn } : { wafv2: otherOn, shield: false };
      const off = build({ [field]: v }, { ...CONFIG, addons });
      assert.deepEqual(off.stacks, []);
      assert.deepEqual(off.issues.map((i) => i.field), [field]);
      assert.match(off.issues[0]?.reason ?? '', new RegExp(`--${flag}=false`));
      const on = build({ [field]: v }, { ...CONFIG, addons: { wafv2: true, shield: true } });
      assert.deepEqual(on.issues, []);
      assert.equal(on.stacks.length, 1);
    }), { numRuns: 100 });
  });

  it('property: the flags off, an IngressClassParams web ACL is an InvalidIngressClassParams naming the flag', () => {
    fc.assert(fc.property(fc.constantFrom('wafv2AclArn', 'wafv2AclName'), (key) => {
      const r = build({}, { ...CONFIG, addons: { wafv2: false } }, FACTS, { [key]: 'none' });
      assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[`IngressClassParams(p).spec.${key}`, 'InvalidIngressClassParams']]);
      assert.match(r.issues[0]?.reason ?? '', /--enable-wafv2=false/);
    }));
  });

  it('property: precedence is IngressClassParams name > annotation name > IngressClassParams ARN > annotation ARN', () => {
    const acls: Record<string, string> = {
      pn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/pn/1',
      an: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/an/2',
    };
    const pArn = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/pa/3';
    const aArn = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/aa/4';
    const opt = (v: string) => fc.option(fc.constantFrom(v, ''), { nil: undefined });
    fc.assert(fc.property(opt('pn'), opt('an'), opt(pArn), opt(aArn), (pName, aName, pa, aa) => {
      const annotations = { ...(aName !== undefined ? { [A('wafv2-acl-name')]: aName } : {}), ...(aa !== undefined ? { [A('wafv2-acl-arn')]: aa } : {}) };
      const params = { ...(pName !== undefined ? { wafv2AclName: pName } : {}), ...(pa !== undefined ? { wafv2AclArn: pa } : {}) };
      const r = build(annotations, CONFIG, { ...FACTS, wafv2WebAcls: acls }, params);
      assert.deepEqual(r.issues, []);
      const winner = [pName && acls[pName], aName && acls[aName], pa, aa].find((x) => x !== undefined && x !== '');
      assert.equal(lbSpec(r.stacks[0])?.wafv2WebAclArn, winner);
    }), { numRuns: 200 });
  });

  it('in a group, two members asking for different web ACLs conflict (a name and an ARN too): the later member is left out', () => {
    const arn = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/1';
    const g = { [A('group.name')]: 'shop' };
    const first = web({ ...g, [A('group.order')]: '1', [A('wafv2-acl-name')]: 'shop' }, 'first');
    const second = web({ ...g, [A('group.order')]: '2', [A('wafv2-acl-arn')]: arn }, 'second');
    const r = buildStacks(snapshot({ ingresses: [first, second], services: [service('api')] }), { ...FACTS, wafv2WebAcls: { shop: arn } }, CONFIG);
    assert.equal(r.stacks.length, 1);
    assert.deepEqual(r.stacks[0]?.members, ['default/first']);
    assert.equal(lbSpec(r.stacks[0])?.wafv2WebAclArn, arn);
    assert.deepEqual(r.issues.map((i) => [i.object.name, i.field]), [['second', A('wafv2-acl-arn')]]);
  });
});
