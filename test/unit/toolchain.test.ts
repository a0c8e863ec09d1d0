import assert from 'node:assert/strict';

describe('toolchain', () => {
  it('runs tests on Node 24 or newer', () => {
    const major = Number(process.versions.node.split('.')[0]);
    assert.ok(major >= 24, `expected Node >= 24, got ${process.versions.node}`);
  });
});
