import assert from 'node:assert/strict';
import { parseConditions } from '../../../../src/ingress/annotations/index.ts';
import type { RuleCondition } from '../../../../src/model/index.ts';
import { ingress, P } from './helpers.ts';

const VALID: [string, string, RuleCondition[]][] = [
  ['host-header', '[{"field":"host-header","hostHeaderConfig":{"values":["anno.example.com","*.example.org"]}}]',
    [{ field: 'host-header', hostHeaderConfig: { values: ['anno.example.com', '*.example.org'] } }]],
  ['path-pattern', '[{"field":"path-pattern","pathPatternConfig":{"values":["/anno/path2","/img/*.png"]}}]',
    [{ field: 'path-pattern', pathPatternConfig: { values: ['/anno/path2', '/img/*.png'] } }]],
  ['http-header', '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"HeaderName","values":["HeaderValue1","Header Value 2"]}}]',
    [{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'HeaderName', values: ['HeaderValue1', 'Header Value 2'] } }]],
  ['http-request-method (upstream example, capital Values)', '[{"field":"http-request-method","httpRequestMethodConfig":{"Values":["GET","HEAD"]}}]',
    [{ field: 'http-request-method', httpRequestMethodConfig: { values: ['GET', 'HEAD'] } }]],
  ['query-string', '[{"field":"query-string","queryStringConfig":{"values":[{"key":"paramA","value":"valueA1"},{"value":"bare"}]}}]',
    [{ field: 'query-string', queryStringConfig: { values: [{ key: 'paramA', value: 'valueA1' }, { value: 'bare' }] } }]],
  ['source-ip (sourceIpConfig and upstream\'s sourceIPConfig)', '[{"field":"source-ip","sourceIpConfig":{"values":["192.168.0.0/16"]}},{"Field":"source-ip","SourceIPConfig":{"values":["2001:db8::/32"]}}]',
    [{ field: 'source-ip', sourceIpConfig: { values: ['192.168.0.0/16'] } }, { field: 'source-ip', sourceIpConfig: { values: ['2001:db8::/32'] } }]],
  ['empty list', '[]', []],
];

const INVALID: [string, string, string][] = [
  ['not JSON', '[{', 'expected JSON, got "[{"'],
  ['not a list', '{"field":"host-header"}', 'expected a JSON array such as [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Env", "values": ["beta"]}}], got an object'],
  ['item not an object', '["host-header"]', '[0]: expected an object, got "host-header"'],
  ['no field', '[{"hostHeaderConfig":{"values":["a"]}}]', '[0].field: is required: one of host-header, path-pattern, http-header, http-request-method, query-string, source-ip'],
  ['unknown field', '[{"field":"cookie"}]', '[0].field: expected one of host-header, path-pattern, http-header, http-request-method, query-string, source-ip, got "cookie"'],
  ['missing config', '[{"field":"host-header","pathPatternConfig":{"values":["/a"]}}]', '[0].hostHeaderConfig: is required for field host-header'],
  ['empty values', '[{"field":"path-pattern","pathPatternConfig":{"values":[]}}]', '[0].pathPatternConfig.values: must not be empty'],
  ['missing values', '[{"field":"path-pattern","pathPatternConfig":{}}]', '[0].pathPatternConfig.values: expected a non-empty array of strings, got undefined'],
  ['value not a string', '[{"field":"host-header","hostHeaderConfig":{"values":[1]}}]', '[0].hostHeaderConfig.values[0]: expected a string, got 1'],
  ['empty value', '[{"field":"host-header","hostHeaderConfig":{"values":[""]}}]', '[0].hostHeaderConfig.values[0]: must not be empty'],
  ['value too long', `[{"field":"path-pattern","pathPatternConfig":{"values":["/${'p'.repeat(128)}"]}}]`, '[0].pathPatternConfig.values[0]: is 129 characters long; at most 128 are allowed'],
  ['bad host', '[{"field":"host-header","hostHeaderConfig":{"values":["a b.com"]}}]', '[0].hostHeaderConfig.values[0]: expected a host name of letters, digits, "-", ".", "*" and "?", got "a b.com"'],
  ['host without a dot', '[{"field":"host-header","hostHeaderConfig":{"values":["localhost"]}}]',
    '[0].hostHeaderConfig.values[0]: expected a host name with at least one "." and only letters after the last ".", got "localhost"'],
  ['host ending in digits (an IP address)', '[{"field":"host-header","hostHeaderConfig":{"values":["10.0.0.1"]}}]',
    '[0].hostHeaderConfig.values[0]: expected a host name with at least one "." and only letters after the last ".", got "10.0.0.1"'],
  ['host with a port', '[{"field":"host-header","hostHeaderConfig":{"values":["a.com:8080"]}}]',
    '[0].hostHeaderConfig.values[0]: expected a host name of letters, digits, "-", ".", "*" and "?", got "a.com:8080"'],
  ['header value with a control character', '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X","values":["a\\u0000b"]}}]',
    '[0].httpHeaderConfig.values[0]: expected a value without control characters, got "a\\u0000b"'],
  ['query key with a newline', '[{"field":"query-string","queryStringConfig":{"values":[{"key":"a\\nb","value":"v"}]}}]',
    '[0].queryStringConfig.values[0].key: expected a value without control characters, got "a\\nb"'],
  ['bad path', '[{"field":"path-pattern","pathPatternConfig":{"values":["/a b"]}}]', '[0].pathPatternConfig.values[0]: expected a path of letters, digits and _-.$/~"\'@:+&*?, got "/a b"'],
  ['regexValues', '[{"field":"host-header","hostHeaderConfig":{"regexValues":["^a$"]}}]', '[0].hostHeaderConfig.regexValues: is not supported; use values (with * and ? wildcards)'],
  ['header name missing', '[{"field":"http-header","httpHeaderConfig":{"values":["x"]}}]', '[0].httpHeaderConfig.httpHeaderName: is required'],
  ['header name with a space', '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X Env","values":["x"]}}]',
    '[0].httpHeaderConfig.httpHeaderName: expected an HTTP header name of at most 40 token characters, got "X Env"'],
  ['lower-case method', '[{"field":"http-request-method","httpRequestMethodConfig":{"values":["get"]}}]',
    '[0].httpRequestMethodConfig.values[0]: expected an upper-case method name such as GET (A-Z, "-", "_", at most 40), got "get"'],
  ['query value missing', '[{"field":"query-string","queryStringConfig":{"values":[{"key":"a"}]}}]', '[0].queryStringConfig.values[0].value: is required'],
  ['query values not objects', '[{"field":"query-string","queryStringConfig":{"values":["a=b"]}}]',
    '[0].queryStringConfig.values[0]: expected an object such as {"key": "version", "value": "v2"}, got "a=b"'],
  ['bad source CIDR', '[{"field":"source-ip","sourceIpConfig":{"values":["10.0.0.0"]}}]', '[0].sourceIpConfig.values[0]: expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32, got "10.0.0.0"'],
  ['second item bad', '[{"field":"host-header","hostHeaderConfig":{"values":["a.com"]}},{"field":"source-ip"}]', '[1].sourceIpConfig: is required for field source-ip'],
];

describe('ingress annotations: conditions.<name>', () => {
  it('absent: [] and no issue', () => {
    assert.deepEqual(parseConditions(ingress({}), 'mine'), { value: [], issues: [] });
  });
  for (const [title, raw, expected] of VALID) {
    it(`valid: ${title}`, () => {
      assert.deepEqual(parseConditions(ingress({ 'conditions.mine': raw }), 'mine'), { value: expected, issues: [] });
    });
  }
  for (const [title, raw, reason] of INVALID) {
    it(`invalid: ${title}`, () => {
      const ing = ingress({ 'conditions.mine': raw });
      assert.deepEqual(parseConditions(ing, 'mine'), { value: [], issues: [{ object: ing.ref, field: `${P}conditions.mine`, code: 'InvalidAnnotation', reason }] });
    });
  }
});
