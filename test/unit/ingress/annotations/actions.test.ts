import assert from 'node:assert/strict';
import { parseAction, type ActionConfig } from '../../../../src/ingress/annotations/index.ts';
import { ingress, P } from './helpers.ts';

const REDIRECT_PATH = 'expected a path starting with "/" of letters, digits, _-.$/~"\'@:+&*? and #{host}, #{port}, #{path}';
const TG_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/73e2d6bc24d8a067';

const VALID: [string, string, ActionConfig][] = [
  ['fixed-response (upstream example)', '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503","messageBody":"503 error text"}}',
    { type: 'fixed-response', fixedResponse: { statusCode: '503', contentType: 'text/plain', messageBody: '503 error text' } }],
  ['fixed-response, capitalised keys', '{"Type":"fixed-response","FixedResponseConfig":{"StatusCode":"404"}}',
    { type: 'fixed-response', fixedResponse: { statusCode: '404' } }],
  ['redirect (upstream example)', '{"type":"redirect","redirectConfig":{"host":"aws.amazon.com","path":"/eks/","port":"443","protocol":"HTTPS","query":"k=v","statusCode":"HTTP_302"}}',
    { type: 'redirect', redirect: { host: 'aws.amazon.com', path: '/eks/', port: '443', protocol: 'HTTPS', query: 'k=v', statusCode: 'HTTP_302' } }],
  ['redirect to HTTPS only', '{"Type":"redirect","RedirectConfig":{"Protocol":"HTTPS","Port":"443","StatusCode":"HTTP_301"}}',
    { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
  ['forward, simple ARN', `{"type":"forward","targetGroupARN":"${TG_ARN}"}`,
    { type: 'forward', targetGroups: [{ targetGroupARN: TG_ARN }] }],
  ['forward, simple name', '{"type":"forward","targetGroupName":"legacy-tg"}',
    { type: 'forward', targetGroups: [{ targetGroupName: 'legacy-tg' }] }],
  ['forward, weighted with stickiness (upstream example)',
    `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"service-1","servicePort":"http","weight":20},{"serviceName":"service-2","servicePort":80,"weight":20},{"targetGroupARN":"${TG_ARN}","weight":60}],"targetGroupStickinessConfig":{"enabled":true,"durationSeconds":200}}}`,
    { type: 'forward', targetGroups: [{ serviceName: 'service-1', servicePort: 'http', weight: 20 }, { serviceName: 'service-2', servicePort: 80, weight: 20 }, { targetGroupARN: TG_ARN, weight: 60 }], stickiness: { enabled: true, durationSeconds: 200 } }],
  ['forward, capitalised keys', '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"a","ServicePort":80,"Weight":1},{"TargetGroupName":"b","Weight":0}],"TargetGroupStickinessConfig":{"Enabled":false}}}',
    { type: 'forward', targetGroups: [{ serviceName: 'a', servicePort: 80, weight: 1 }, { targetGroupName: 'b', weight: 0 }], stickiness: { enabled: false } }],
  ['forward, one service without weight', '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":8080}]}}',
    { type: 'forward', targetGroups: [{ serviceName: 'a', servicePort: 8080 }] }],
  ['null fields count as absent', '{"type":"forward","targetGroupARN":null,"forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80,"weight":null}]}}',
    { type: 'forward', targetGroups: [{ serviceName: 'a', servicePort: 80 }] }],
];

const fwd = (tgs: string, extra = ''): string => `{"type":"forward","forwardConfig":{"targetGroups":${tgs}${extra}}}`;

const INVALID: [string, string, string][] = [
  ['not JSON', '{type: forward}', 'expected JSON, got "{type: forward}"'],
  ['not an object', '["forward"]', 'expected a JSON object such as {"type": "fixed-response", "fixedResponseConfig": {"statusCode": "404"}}, got an array'],
  ['no type', '{"fixedResponseConfig":{"statusCode":"404"}}', 'type: is required: forward, redirect or fixed-response'],
  ['unknown type', '{"type":"authenticate-oidc"}', 'type: expected forward, redirect or fixed-response, got "authenticate-oidc"'],
  ['type not a string', '{"type":1}', 'type: expected a string, got 1'],
  ['fixed-response without config', '{"type":"fixed-response"}', 'fixedResponseConfig: is required for type fixed-response'],
  ['fixed-response without status', '{"type":"fixed-response","fixedResponseConfig":{"messageBody":"x"}}', 'fixedResponseConfig.statusCode: is required'],
  ['fixed-response 3XX', '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"302"}}', 'fixedResponseConfig.statusCode: expected a 2XX, 4XX or 5XX code such as "503", got "302"'],
  ['fixed-response status as number', '{"type":"fixed-response","fixedResponseConfig":{"statusCode":503}}', 'fixedResponseConfig.statusCode: expected a string, got 503'],
  ['fixed-response content type', '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"200","contentType":"image/png"}}',
    'fixedResponseConfig.contentType: expected one of text/plain, text/css, text/html, application/javascript, application/json, got "image/png"'],
  ['fixed-response body too long', `{"type":"fixed-response","fixedResponseConfig":{"statusCode":"200","messageBody":"${'b'.repeat(1025)}"}}`,
    'fixedResponseConfig.messageBody: is 1025 characters long; at most 1024 are allowed'],
  ['redirect without config', '{"type":"redirect"}', 'redirectConfig: is required for type redirect'],
  ['redirect bad status', '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","statusCode":"301"}}', 'redirectConfig.statusCode: expected HTTP_301 or HTTP_302, got "301"'],
  ['redirect changes nothing', '{"type":"redirect","redirectConfig":{"host":"#{host}","path":"/#{path}","statusCode":"HTTP_301"}}',
    'redirectConfig: must change at least one of protocol, port, host, path or query, else the redirect loops'],
  ['redirect bad protocol', '{"type":"redirect","redirectConfig":{"protocol":"FTP","statusCode":"HTTP_301"}}', 'redirectConfig.protocol: expected HTTP, HTTPS or #{protocol}, got "FTP"'],
  ['redirect bad port', '{"type":"redirect","redirectConfig":{"port":"70000","statusCode":"HTTP_301"}}', 'redirectConfig.port: expected a port in [1, 65535] or #{port}, got "70000"'],
  ['redirect relative path', '{"type":"redirect","redirectConfig":{"path":"eks","statusCode":"HTTP_301"}}', `redirectConfig.path: ${REDIRECT_PATH}, got "eks"`],
  ['redirect path with a space', '{"type":"redirect","redirectConfig":{"path":"/a b","statusCode":"HTTP_301"}}', `redirectConfig.path: ${REDIRECT_PATH}, got "/a b"`],
  ['redirect host with a colon', '{"type":"redirect","redirectConfig":{"host":"x.org:8080","statusCode":"HTTP_301"}}',
    'redirectConfig.host: expected a host of letters, digits, ".", "-", "*", "?" and #{host}, got "x.org:8080"'],
  ['redirect query with ?', '{"type":"redirect","redirectConfig":{"query":"?a=b","statusCode":"HTTP_301"}}', 'redirectConfig.query: expected a query without the leading "?", got "?a=b"'],
  ['forward with nothing', '{"type":"forward"}', 'a forward action needs exactly one of targetGroupARN, targetGroupName or forwardConfig'],
  ['forward with ARN and forwardConfig', `{"type":"forward","targetGroupARN":"${TG_ARN}","forwardConfig":{"targetGroups":[]}}`,
    'a forward action needs exactly one of targetGroupARN, targetGroupName or forwardConfig'],
  ['forward simple with a bad ARN', '{"type":"forward","targetGroupARN":"legacy"}', 'targetGroupARN: expected an ARN such as arn:aws:acm:us-east-1:123456789012:certificate/..., got "legacy"'],
  ['forward without target groups', fwd('[]'), 'forwardConfig.targetGroups: expected 1 to 5 target groups, got 0'],
  ['forward with six target groups', fwd(JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ targetGroupName: `t${i}`, weight: 1 })))),
    'forwardConfig.targetGroups: expected 1 to 5 target groups, got 6'],
  ['forward targetGroups not an array', '{"type":"forward","forwardConfig":{"targetGroups":{}}}', 'forwardConfig.targetGroups: expected a non-empty array of target groups, got an object'],
  ['forward tuple with two targets', fwd(`[{"serviceName":"a","servicePort":80,"targetGroupARN":"${TG_ARN}"}]`),
    'forwardConfig.targetGroups[0]: expected exactly one of targetGroupARN, targetGroupName or serviceName (with servicePort)'],
  ['forward service without port', fwd('[{"serviceName":"a"}]'), 'forwardConfig.targetGroups[0].servicePort: expected a port number in [1, 65535] or a port name, got undefined'],
  ['forward service port 0', fwd('[{"serviceName":"a","servicePort":0}]'), 'forwardConfig.targetGroups[0].servicePort: expected a port number in [1, 65535] or a port name, got 0'],
  ['forward weight too big', fwd('[{"serviceName":"a","servicePort":80,"weight":1000}]'), 'forwardConfig.targetGroups[0].weight: expected an integer in [0, 999], got 1000'],
  ['forward weight as string', fwd('[{"serviceName":"a","servicePort":80,"weight":"5"}]'), 'forwardConfig.targetGroups[0].weight: expected an integer in [0, 999], got "5"'],
  ['forward missing weight among several', fwd('[{"serviceName":"a","servicePort":80,"weight":1},{"serviceName":"b","servicePort":80}]'),
    'forwardConfig.targetGroups[1]: weight is required when forwarding to more than one target group'],
  ['forward stickiness duration', fwd('[{"serviceName":"a","servicePort":80}]', ',"targetGroupStickinessConfig":{"enabled":true,"durationSeconds":604801}'),
    'forwardConfig.targetGroupStickinessConfig.durationSeconds: expected an integer in [1, 604800], got 604801'],
  ['forward stickiness enabled as string', fwd('[{"serviceName":"a","servicePort":80}]', ',"targetGroupStickinessConfig":{"enabled":"true"}'),
    'forwardConfig.targetGroupStickinessConfig.enabled: expected true or false, got "true"'],
];

describe('ingress annotations: actions.<name>', () => {
  it('absent: undefined, no issue', () => {
    assert.deepEqual(parseAction(ingress({ 'actions.other': '{}' }), 'mine'), { value: undefined, issues: [] });
  });
  for (const [title, raw, expected] of VALID) {
    it(`valid: ${title}`, () => {
      assert.deepEqual(parseAction(ingress({ 'actions.mine': raw }), 'mine'), { value: expected, issues: [] });
    });
  }
  for (const [title, raw, reason] of INVALID) {
    it(`invalid: ${title}`, () => {
      const ing = ingress({ 'actions.mine': raw });
      assert.deepEqual(parseAction(ing, 'mine'), { value: undefined, issues: [{ object: ing.ref, field: `${P}actions.mine`, code: 'InvalidAnnotation', reason }] });
    });
  }
  it('an exact key beats a case-insensitive match, as Go decodes', () => {
    const r = parseAction(ingress({ 'actions.mine': '{"TYPE":"redirect","type":"fixed-response","fixedResponseConfig":{"statusCode":"200"}}' }), 'mine');
    assert.equal(r.value?.type, 'fixed-response');
  });
  it('a long bad value is cut in the message', () => {
    const r = parseAction(ingress({ 'actions.mine': `{"type":"${'z'.repeat(200)}"}` }), 'mine');
    assert.equal(r.issues[0]?.reason, `type: expected forward, redirect or fixed-response, got "${'z'.repeat(57)}..."`);
  });
});
