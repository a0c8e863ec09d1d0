import assert from 'node:assert/strict';
import { buildStacks, chooseCertificate, pathPatterns, ruleConditions, sortPaths, wildcardCovers } from '../../../src/ingress/index.ts';
import { CONFIG, FACTS, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

describe('ingress rules: path translation and order', () => {
  it('translates paths like upstream', () => {
    assert.deepEqual(pathPatterns('/foo', 'Exact'), ['/foo']);
    assert.deepEqual(pathPatterns('/', 'Prefix'), ['/*']);
    assert.deepEqual(pathPatterns('/foo', 'Prefix'), ['/foo', '/foo/*']);
    assert.deepEqual(pathPatterns('/foo/', 'Prefix'), ['/foo', '/foo/*']);
    assert.deepEqual(pathPatterns('/api/*.png', 'ImplementationSpecific'), ['/api/*.png']);
    assert.equal(pathPatterns(undefined, 'ImplementationSpecific'), undefined);
    assert.ok('error' in (pathPatterns('/a*', 'Prefix') as object));
    assert.ok('error' in (pathPatterns('/a', 'Regex') as object));
  });

  it('sorts Exact, then Prefix by descending length (stable), then the rest in order', () => {
    const ps = [
      { path: '/a', pathType: 'ImplementationSpecific' }, { path: '/bb', pathType: 'Prefix' }, { path: '/exact', pathType: 'Exact' },
      { path: '/cccc', pathType: 'Prefix' }, { path: '/dd', pathType: 'Prefix' }, { path: '/z' },
    ];
    assert.deepEqual(sortPaths(ps).map((x) => x.path.path), ['/exact', '/cccc', '/bb', '/dd', '/a', '/z']);
  });

  it('merges annotation host/path conditions into the rule\'s own, sorted, and falls back to /*', () => {
    assert.deepEqual(ruleConditions('b.example.com', ['/x'], [
      { field: 'host-header', hostHeaderConfig: { values: ['a.example.com'] } },
      { field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } },
      { field: 'path-pattern', pathPatternConfig: { values: ['/a'] } },
    ]), [
      { field: 'host-header', hostHeaderConfig: { values: ['a.example.com', 'b.example.com'] } },
      { field: 'path-pattern', pathPatternConfig: { values: ['/a', '/x'] } },
      { field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } },
    ]);
    assert.deepEqual(ruleConditions(undefined, undefined, []), [{ field: 'path-pattern', pathPatternConfig: { values: ['/*'] } }]);
    assert.deepEqual(ruleConditions('h', undefined, []), [{ field: 'host-header', hostHeaderConfig: { values: ['h'] } }]);
  });

  it('gives rules priorities in spec.rules order and sorted path order', () => {
    const ing = ingress('web', {
      rules: [
        rule('a.example.com', path('/a', 'svc'), path('/exact', 'svc', 80, 'Exact'), path('/longer', 'svc')),
        rule('b.example.com', path('/', 'svc')),
      ],
    });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [service('svc')] }), FACTS, CONFIG);
    const rules = byKind(one(r.stacks), 'ListenerRule');
    assert.deepEqual(rules.map((x) => {
      const p = x.spec.conditions.find((c) => c.field === 'path-pattern');
      return `${x.id} ${p?.field === 'path-pattern' ? p.pathPatternConfig.values.join(' ') : ''}`;
    }), ['80:1 /exact', '80:2 /longer /longer/*', '80:3 /a /a/*', '80:4 /*']);
  });

  it('an invalid path is an issue naming the path field', () => {
    const ing = ingress('web', { rules: [rule('a.example.com', path('/a*', 'svc'))] });
    const r = buildStacks(snapshot({ ingresses: [ing], services: [service('svc')] }), FACTS, CONFIG);
    assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [['spec.rules[0].http.paths[0].path', 'InvalidPath']]);
  });
});

describe('ingress certificate choice', () => {
  const c = (arn: string, names: string[], notAfter?: string, status = 'ISSUED') => ({ arn, domainName: names[0] as string, subjectAlternativeNames: names, status, ...(notAfter ? { notAfter } : {}) });

  it('single-label wildcards only', () => {
    assert.equal(wildcardCovers('*.a.b', 'x.a.b'), true);
    assert.equal(wildcardCovers('*.a.b', 'a.b'), false);
    assert.equal(wildcardCovers('*.a.b', 'y.x.a.b'), false);
    assert.equal(wildcardCovers('a.b', 'a.b'), false);
  });

  it('exact beats a newer wildcard; ISSUED only; newest notAfter breaks ties; none is explained', () => {
    const certs = [c('w', ['*.ex.com'], '2040-01-01T00:00:00Z'), c('e1', ['ex.com', 'x.ex.com'], '2030-01-01T00:00:00Z'), c('e2', ['X.ex.com'], '2031-01-01T00:00:00Z'), c('p', ['y.ex.com'], '2050-01-01T00:00:00Z', 'EXPIRED')];
    const x = chooseCertificate('x.ex.com', certs);
    assert.ok(x.kind === 'found' && x.arn === 'e2');
    const y = chooseCertificate('y.ex.com', certs);
    assert.ok(y.kind === 'found' && y.arn === 'w' && /wildcard/.test(y.why));
    const z = chooseCertificate('z.other.org', certs);
    assert.ok(z.kind === 'none' && /no ISSUED ACM certificate covers z\.other\.org/.test(z.why));
  });
});
