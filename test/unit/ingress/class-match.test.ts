import assert from 'node:assert/strict';
import { matchIngressClass, selectorMatches } from '../../../src/ingress/index.ts';
import { albClass, ingress, snapshot } from './fixtures.ts';

const params = (name: string, spec: object = {}) => ({ metadata: { name }, spec });
const paramsRef = (name: string) => ({ parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name } });
const cfg = { ingressClass: 'alb' };

describe('ingress class matching', () => {
  it('matches spec.ingressClassName naming an IngressClass of ours', () => {
    const m = matchIngressClass(ingress('a'), snapshot({ ingresses: [] }), cfg);
    assert.deepEqual(m, { ours: true, className: 'alb', issues: [] });
  });

  it('ignores classes of other controllers and unknown classes', () => {
    const other = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };
    const s = snapshot({ ingresses: [], ingressClasses: [albClass(), other] });
    assert.equal(matchIngressClass(ingress('a', { className: 'nginx' }), s, cfg).ours, false);
    assert.equal(matchIngressClass(ingress('a', { className: 'missing' }), s, cfg).ours, false);
  });

  it('the legacy annotation decides when present, whatever spec.ingressClassName says', () => {
    const s = snapshot({ ingresses: [] });
    assert.equal(matchIngressClass(ingress('a', { annotations: { 'kubernetes.io/ingress.class': 'alb' }, className: 'nope' }), s, cfg).ours, true);
    assert.equal(matchIngressClass(ingress('a', { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }), s, cfg).ours, false);
    assert.equal(matchIngressClass(ingress('a', { annotations: { 'kubernetes.io/ingress.class': 'custom' } }), s, { ingressClass: 'custom' }).ours, true);
  });

  it('without a class uses the one default IngressClass; several defaults are an issue when one is ours', () => {
    const def = albClass('alb', {}, { 'ingressclass.kubernetes.io/is-default-class': 'true' });
    const noClass = ingress('a', { className: null });
    assert.equal(matchIngressClass(noClass, snapshot({ ingresses: [], ingressClasses: [def] }), cfg).ours, true);
    assert.equal(matchIngressClass(noClass, snapshot({ ingresses: [], ingressClasses: [albClass()] }), cfg).ours, false);
    assert.equal(matchIngressClass(noClass, snapshot({ ingresses: [], ingressClasses: [albClass()] }), { ingressClass: '' }).ours, true);
    const def2 = albClass('alb2', {}, { 'ingressclass.kubernetes.io/is-default-class': 'true' });
    const m = matchIngressClass(noClass, snapshot({ ingresses: [], ingressClasses: [def, def2] }), cfg);
    assert.ok(m.ours);
    assert.equal(m.issues[0]?.code, 'MultipleDefaultIngressClasses');
    assert.equal(m.issues[0]?.object.name, 'a');
  });

  it('loads IngressClassParams; a missing one or a wrong kind is an issue on the Ingress', () => {
    const s = snapshot({ ingresses: [], ingressClasses: [albClass('alb', paramsRef('p'))], ingressClassParams: [params('p', { scheme: 'internet-facing' })] });
    const m = matchIngressClass(ingress('a'), s, cfg);
    assert.ok(m.ours && m.params?.spec.scheme === 'internet-facing' && m.issues.length === 0);
    const missing = matchIngressClass(ingress('a'), snapshot({ ingresses: [], ingressClasses: [albClass('alb', paramsRef('gone'))] }), cfg);
    assert.ok(missing.ours);
    assert.equal(missing.issues[0]?.code, 'InvalidIngressClass');
    const wrongKind = albClass('alb', { parameters: { apiGroup: 'example.com', kind: 'Thing', name: 'p' } });
    const w = matchIngressClass(ingress('a'), snapshot({ ingresses: [], ingressClasses: [wrongKind] }), cfg);
    assert.ok(w.ours && w.issues[0]?.code === 'InvalidIngressClass');
  });

  it('enforces the IngressClassParams namespaceSelector against namespace labels', () => {
    const p = params('p', { namespaceSelector: { matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } });
    const s = snapshot({
      ingresses: [], ingressClasses: [albClass('alb', paramsRef('p'))], ingressClassParams: [p],
      namespaces: [{ metadata: { name: 'shop', labels: { team: 'shop', env: 'prod' } } }, { metadata: { name: 'dev', labels: { team: 'shop', env: 'dev' } } }],
    });
    const ok = matchIngressClass(ingress('a', { ns: 'shop' }), s, cfg);
    assert.ok(ok.ours && ok.issues.length === 0);
    const no = matchIngressClass(ingress('a', { ns: 'dev' }), s, cfg);
    assert.ok(no.ours && no.issues[0]?.code === 'NamespaceNotAllowed' && no.issues[0].field === 'spec.ingressClassName');
  });

  it('selector operators', () => {
    const labels = { a: '1', b: '2' };
    assert.equal(selectorMatches({}, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'b', operator: 'Exists' }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] }, labels), false);
  });
});
