// ALB listener attributes: listener-attributes.<PROTOCOL>-<port> on Ingresses and IngressClassParams spec.listeners.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildStacks } from '../../../src/ingress/index.ts';
import { LISTENER_ATTRIBUTES, listenerAttributeProblem } from '../../../src/ingress/annotations/attributes.ts';
import { paramsValueProblems } from '../../../src/ingress/class-params.ts';
import { findResource, type IngressClassParamsSpec } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, albClass, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const svc = service('svc');
const SERVER = 'routing.http.response.server.enabled';
const HSTS = 'routing.http.response.strict_transport_security.header_value';
const HTTPS = JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]);
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';

const web = (name: string, annotations: Record<string, string>, group?: string) => ingress(name, {
  annotations: { ...(group ? { [A('group.name')]: group } : {}), ...annotations },
  rules: [rule(`${name}.example.com`, path('/', 'svc'))],
});
const withParams = (spec: IngressClassParamsSpec) => ({
  ingressClasses: [albClass('alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } })],
  ingressClassParams: [{ metadata: { name: 'p' }, spec }],
});
const listenerAttributes = (r: ReturnType<typeof buildStacks>, port: number) => findResource(one(r.stacks), 'Listener', String(port))?.spec.attributes;

describe('ALB listener attributes', () => {
  it('go to the listener the annotation names, sorted by key; other listeners have none (never read nor written)', () => {
    const r = buildStacks(snapshot({ ingresses: [web('a', {
      [A('listen-ports')]: HTTPS, [A('certificate-arn')]: CERT,
      [A('listener-attributes.HTTPS-443')]: `${SERVER}=false,${HSTS}=max-age=31536000`,
    })], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(Object.entries(listenerAttributes(r, 443) ?? {}), [[SERVER, 'false'], [HSTS, 'max-age=31536000']].sort(([x], [y]) => (x! < y! ? -1 : 1)));
    assert.equal(listenerAttributes(r, 80), undefined);
  });

  it('a key for a port the Ingress does not listen on is a note, not an error (as upstream); one naming no listener is refused', () => {
    const r = buildStacks(snapshot({ ingresses: [web('a', { [A('listener-attributes.HTTPS-443')]: `${SERVER}=false` })], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.ok(r.notes.some((n) => n.subject === A('listener-attributes.HTTPS-443') && /does not listen there/.test(n.message)));
    for (const tail of ['TLS-443', 'HTTP-0', 'HTTP-70000', 'https-443', 'HTTP']) {
      const bad = buildStacks(snapshot({ ingresses: [web('a', { [A(`listener-attributes.${tail}`)]: `${SERVER}=false` })], services: [svc] }), FACTS, CONFIG);
      assert.equal(one(bad.issues).field, A(`listener-attributes.${tail}`), tail);
      assert.equal(bad.stacks.length, 0, tail);
    }
  });

  it('refuses keys AWS does not know for ALB listeners and values it would refuse, naming the key', () => {
    for (const [value, why] of [
      ['tcp.idle_timeout.seconds=60', /Network Load Balancer listeners only/],
      ['routing.http.response.server.enabled=maybe', /true or false/],
      ['routing.http.response.x_frame_options.header_value=ALLOW', /DENY, SAMEORIGIN/],
      ['routing.http.request.x_amzn_tls_version.header_name=bad name', /header name/],
      ['typo.key=1', /not one AWS knows/],
    ] as const) {
      const r = buildStacks(snapshot({ ingresses: [web('a', { [A('listener-attributes.HTTP-80')]: value })], services: [svc] }), FACTS, CONFIG);
      const i = one(r.issues);
      assert.equal(i.code, 'InvalidAnnotation');
      assert.match(i.reason, why, value);
    }
  });

  it('members of a group merge per listener; the same key with another value is a conflict for the later member', () => {
    const r = buildStacks(snapshot({ ingresses: [
      web('a', { [A('listener-attributes.HTTP-80')]: `${SERVER}=false` }, 'g'),
      web('b', { [A('listener-attributes.HTTP-80')]: 'routing.http.response.x_content_type_options.header_value=nosniff' }, 'g'),
      web('c', { [A('listener-attributes.HTTP-80')]: `${SERVER}=true` }, 'g'),
    ], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual(listenerAttributes(r, 80), { 'routing.http.response.x_content_type_options.header_value': 'nosniff', [SERVER]: 'false' });
    const i = one(r.issues);
    assert.deepEqual([i.object.name, i.field, i.code], ['c', A('listener-attributes.HTTP-80'), 'ConflictingValue']);
    assert.match(i.reason, /listener attribute routing.http.response.server.enabled="true" for port 80 conflicts with "false"/);
  });

  it('IngressClassParams listeners win over the annotation key by key, for their protocol and port only', () => {
    const r = buildStacks(snapshot({
      ingresses: [web('a', { [A('listener-attributes.HTTP-80')]: `${SERVER}=true,routing.http.response.x_content_type_options.header_value=nosniff` })],
      services: [svc],
      ...withParams({ listeners: [
        { protocol: 'HTTP', port: 80, listenerAttributes: [{ key: SERVER, value: 'false' }] },
        { protocol: 'HTTPS', port: 443, listenerAttributes: [{ key: HSTS, value: 'max-age=1' }] },
      ] }),
    }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(listenerAttributes(r, 80), { 'routing.http.response.x_content_type_options.header_value': 'nosniff', [SERVER]: 'false' });
    assert.equal(findResource(one(r.stacks), 'Listener', '443'), undefined);
  });

  it('checks IngressClassParams listeners once, naming the field', () => {
    const problems = paramsValueProblems({ listeners: [
      { protocol: 'TCP', port: 80 },
      { protocol: 'HTTP', port: 0 },
      { protocol: 'HTTP', port: 80, listenerAttributes: [{ key: 'nope', value: '1' }] },
      { protocol: 'HTTP', port: 80 },
    ] });
    assert.deepEqual(problems.map((p) => p.field), [
      'spec.listeners[0].protocol', 'spec.listeners[1].port', 'spec.listeners[2].listenerAttributes[0]', 'spec.listeners[3]',
    ]);
  });

  it('property: every known key with a value its check accepts builds; a key outside the table never does', () => {
    const header = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
    const known = fc.constantFrom(...Object.keys(LISTENER_ATTRIBUTES));
    fc.assert(fc.property(known, header, fc.boolean(), (key, name, b) => {
      const value = key.endsWith('.header_name') ? name : key === SERVER ? String(b) : undefined;
      if (value === undefined) return;
      assert.equal(listenerAttributeProblem(key, value), undefined);
      const r = buildStacks(snapshot({ ingresses: [web('a', { [A('listener-attributes.HTTP-80')]: `${key}=${value}` })], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues, []);
      assert.deepEqual(listenerAttributes(r, 80), { [key]: value });
    }));
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 30 }).filter((k) => !Object.hasOwn(LISTENER_ATTRIBUTES, k)), fc.string(), (key, value) => {
      assert.ok(listenerAttributeProblem(key, value) !== undefined);
    }));
    fc.assert(fc.property(fc.string({ maxLength: 50 }), (name) => {
      const reason = listenerAttributeProblem('routing.http.request.x_amzn_tls_version.header_name', name);
      assert.equal(reason === undefined, /^[A-Za-z0-9_-]{1,40}$/.test(name));
    }));
  });
});
