// The value shapes on their own: the encodings of upstream's annotation parser.
import assert from 'node:assert/strict';
import { bool, int32, isCidr, show, stringList, stringMap } from '../../../../src/ingress/annotations/values.ts';

describe('annotation value shapes', () => {
  it('stringList: comma split, trimmed, empties dropped', () => {
    assert.deepEqual(stringList()(' a, b ,,c, '), { ok: true, value: ['a', 'b', 'c'] });
    assert.deepEqual(stringList()(''), { ok: true, value: [] });
  });
  it('stringMap: split on the first "=", trimmed, "\\," escapes a comma', () => {
    assert.deepEqual(stringMap()('a=1, b = x=y ,c=p\\,q,'), { ok: true, value: { a: '1', b: 'x=y', c: 'p,q' } });
  });
  it('stringMap keeps "__proto__" as an ordinary key', () => {
    const r = stringMap()('__proto__=x');
    assert.ok(r.ok);
    assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
    assert.equal(Object.hasOwn(r.value, '__proto__'), true);
  });
  it('int32: Go ParseInt rules and int32 bounds', () => {
    assert.deepEqual(int32()('-2147483648'), { ok: true, value: -2147483648 });
    assert.equal(int32()('2147483648').ok, false);
    assert.equal(int32()('0x10').ok, false);
    assert.equal(int32()('1e3').ok, false);
    assert.equal(int32()('').ok, false);
  });
  it('bool: Go ParseBool spellings', () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.deepEqual(bool(t), { ok: true, value: true });
    for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.deepEqual(bool(f), { ok: true, value: false });
    assert.deepEqual(bool('yes'), { ok: false, reason: 'expected true or false, got "yes"' });
  });
  it('CIDRs, IPv4 and IPv6', () => {
    for (const c of ['0.0.0.0/0', '10.1.2.3/32', '::/0', '2001:db8::/32', 'fe80::1/128', '::ffff:1.2.3.4/128', '1:2:3:4:5:6:7:8/64']) assert.equal(isCidr(c), true, c);
    for (const c of ['10.0.0.0', '10.0.0/8', '01.0.0.0/8', '10.0.0.0/-1', '1:2:3:4:5:6:7:8:9/64', '1::2::3/64', ':1::/64', 'g::/8', '::/129', '10.0.0.0/8/8', '']) assert.equal(isCidr(c), false, c);
  });
  it('show: quotes strings, cuts long ones, names containers', () => {
    assert.equal(show('a"b'), '"a\\"b"');
    assert.equal(show('x'.repeat(61)), `"${'x'.repeat(57)}..."`);
    assert.equal(show('x'.repeat(60)), `"${'x'.repeat(60)}"`);
    assert.equal(show([1]), 'an array');
    assert.equal(show({}), 'an object');
    assert.equal(show(null), 'null');
    assert.equal(show(undefined), 'undefined');
  });
});
