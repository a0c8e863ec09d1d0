// --aws-vpc-tags (and any upstream map flag) is read as pflag's StringToString reads it: one "=" makes the whole value
// one pair, two or more make it a CSV record of pairs, each split at its first "=", the last duplicate winning.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../../src/config/config.ts';
import { formatStringMap, parseStringMap } from '../../../src/config/string-map.ts';

const ok = (value: string): Readonly<Record<string, string>> => {
  const r = parseStringMap(value);
  if ('error' in r) assert.fail(`${value}: ${r.error}`);
  return r.map;
};
const error = (value: string): string => {
  const r = parseStringMap(value);
  assert.ok('error' in r, `${value} should be refused, got ${JSON.stringify(r)}`);
  return r.error;
};
/** a field as Go's encoding/csv writes it when it must be quoted */
const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;

describe('config: upstream map flags (pflag StringToString)', () => {
  it('reads values as upstream does', () => {
    assert.deepEqual(ok('Name=prod'), { Name: 'prod' });
    // one "=": commas are part of the value, surrounding quotes dropped
    assert.deepEqual(ok('Name=a,b'), { Name: 'a,b' });
    assert.deepEqual(ok('"Name=prod"'), { Name: 'prod' });
    assert.deepEqual(ok('Name=a,'), { Name: 'a,' });
    assert.deepEqual(ok('k='), { k: '' });
    // two or more: CSV, split at the first "=" of each field
    assert.deepEqual(ok('Name=prod,team=web'), { Name: 'prod', team: 'web' });
    assert.deepEqual(ok('a=1=2,b=x'), { a: '1=2', b: 'x' });
    assert.deepEqual(ok('x=a=b'), { x: 'a=b' });
    assert.deepEqual(ok('"k=a,b",x=y'), { k: 'a,b', x: 'y' });
    assert.deepEqual(ok('"k=say ""hi""",x=y'), { k: 'say "hi"', x: 'y' });
    assert.deepEqual(ok('a=1,a=2'), { a: '2' }, 'a later duplicate wins');
    assert.deepEqual(ok(' a = 1 ,b=2'), { ' a ': ' 1 ', b: '2' }, 'no trimming, as upstream');
    assert.deepEqual(ok('__proto__=x,constructor=y'), { ['__proto__']: 'x', constructor: 'y' });
    assert.equal(Object.getPrototypeOf(ok('__proto__=x,b=y')), Object.prototype);
  });

  it('refuses what upstream refuses, and an empty key or a line break', () => {
    assert.match(error(''), /must be formatted as key=value/);
    assert.match(error('Name'), /"Name" must be formatted as key=value/);
    assert.match(error('a=1,b=2,'), /"" must be formatted as key=value/);
    assert.match(error('a=1,b,c=3'), /"b" must be formatted as key=value/);
    assert.match(error('a=1,b="x"'), /bare " in non-quoted-field/);
    assert.match(error('"a=1,b=2'), /extraneous or missing " in quoted-field/);
    assert.match(error('"a=1"x,b=2'), /extraneous or missing " in quoted-field/);
    assert.match(error('=x'), /"=x" has an empty key/);
    assert.match(error('a=1,=2'), /"=2" has an empty key/);
    assert.match(error('a=1\nb=2'), /one line/);
    assert.match(error('a=1\r'), /one line/);
  });

  it('property: any string is either a map with non-empty keys or one error, never a throw', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('=', ',', '"', 'a', ' ', '\n') })), (s) => {
      const r = parseStringMap(s);
      if ('map' in r) assert.ok(Object.keys(r.map).every((k) => k !== ''));
      else assert.equal(typeof r.error, 'string');
    }));
  });

  const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !/[=\r\n]/.test(k));
  const value = fc.string({ maxLength: 12 }).filter((v) => !/[\r\n]/.test(v));

  it('property: quoted pairs round-trip, whatever they hold ("=" in values, commas, quotes), the last duplicate winning', () => {
    fc.assert(fc.property(fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 6 }), (pairs) => {
      const text = pairs.map(([k, v]) => quote(`${k}=${v}`)).join(',');
      fc.pre(text.split('=').length - 1 >= 2); // one "=" is upstream's single-pair form, covered below
      const want: Record<string, string> = {};
      for (const [k, v] of pairs) Object.defineProperty(want, k, { value: v, enumerable: true, writable: true, configurable: true });
      assert.deepEqual(ok(text), want);
    }));
  });

  it('property: plain pairs (no quote or comma) read the same written either way', () => {
    const plainKey = key.filter((k) => !/[",]/.test(k));
    const plainValue = value.filter((v) => !/[",]/.test(v));
    fc.assert(fc.property(fc.array(fc.tuple(plainKey, plainValue), { minLength: 1, maxLength: 6 }), (pairs) => {
      const plain = pairs.map(([k, v]) => `${k}=${v}`).join(',');
      fc.pre(pairs.length === 1 || plain.split('=').length - 1 >= 2);
      const r = ok(plain);
      for (const [k] of pairs) assert.equal(r[k], pairs.findLast(([x]) => x === k)?.[1]);
      assert.equal(Object.keys(r).length, new Set(pairs.map(([k]) => k)).size);
    }));
  });

  it('formatStringMap: sorted flag syntax, for messages', () => {
    assert.equal(formatStringMap({ team: 'web', Name: 'prod' }), 'Name=prod,team=web');
  });

  it('--aws-vpc-tags: a repeated flag adds to the earlier pairs; --aws-vpc-tag-key is accepted', () => {
    const r = parseConfig(['--cluster-name=c', '--aws-vpc-tags=Name=prod,team=web', '--aws-vpc-tags', 'team=data', '--aws-vpc-tag-key=Env']);
    assert.ok('config' in r);
    assert.deepEqual(r.config.awsVpcTags, { Name: 'prod', team: 'data' });
    assert.equal(r.config.awsVpcTagKey, 'Env');
    const bad = parseConfig(['--cluster-name=c', '--aws-vpc-tags=Name']);
    assert.deepEqual(bad, { errors: ['--aws-vpc-tags: "Name" must be formatted as key=value'] });
    const none = parseConfig(['--cluster-name=c'], { NODENAME: 'i-0123' });
    assert.ok('config' in none);
    assert.equal(none.config.awsVpcTags, undefined);
    assert.equal(none.config.nodeName, 'i-0123');
  });

  it('--default-pca-arn: a private CA ARN, or empty for none', () => {
    const arn = 'arn:aws:acm-pca:us-west-2:123456789012:certificate-authority/0a1b2c3d-0000-4000-8000-0123456789ab';
    const r = parseConfig(['--cluster-name=c', `--default-pca-arn=${arn}`]);
    assert.ok('config' in r);
    assert.equal(r.config.defaultPcaArn, arn);
    const empty = parseConfig(['--cluster-name=c', '--default-pca-arn=']);
    assert.ok('config' in empty);
    assert.equal(empty.config.defaultPcaArn, undefined);
    const bad = parseConfig(['--cluster-name=c', '--default-pca-arn=arn:aws:acm:us-west-2:123456789012:certificate/abc']);
    assert.ok('errors' in bad);
    assert.match(bad.errors[0] ?? '', /^--default-pca-arn: expected a private certificate authority ARN/);
  });
});
