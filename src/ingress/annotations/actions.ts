// `actions.<name>`: a custom rule action in JSON, named by a backend whose port is `use-annotation`.
// Service references stay unresolved here; the builder turns them into target groups.
import type { ActionConfig, AnnotatedObject, ForwardTargetConfig, Parsed } from './index.ts';
import { array, at, checkedString, defined, expected, fault, get, json, object, optBool, optInt, optString, reqObject, reqString, type Obj } from './json.ts';
import { arn, has, issue, PREFIX, readOne } from './values.ts';

const CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];
/** AWS allows at most five target groups in one forward action */
const MAX_TARGET_GROUPS = 5;

function fixedResponse(o: Obj): ActionConfig {
  const c = reqObject(o, 'fixedResponseConfig', 'for type fixed-response');
  const statusCode = reqString(c, 'statusCode');
  if (!/^[245]\d\d$/.test(statusCode)) expected(at(c.path, 'statusCode'), 'a 2XX, 4XX or 5XX code such as "503"', statusCode);
  const contentType = optString(c, 'contentType');
  if (contentType !== undefined && !CONTENT_TYPES.includes(contentType)) expected(at(c.path, 'contentType'), `one of ${CONTENT_TYPES.join(', ')}`, contentType);
  const messageBody = checkedString(c, 'messageBody', 1024);
  return { type: 'fixed-response', fixedResponse: defined({ statusCode, contentType, messageBody }) };
}

// Characters of a redirect's host and path, besides the #{...} keywords
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-action-types.html#redirect-actions).
const REDIRECT_HOST = /^[A-Za-z0-9.*?-]*$/;
const REDIRECT_PATH = /^[A-Za-z0-9_\-.$/~"'@:+&*?]*$/;

// A redirect must change something, else it would loop; these are the "keep as is" spellings.
const UNCHANGED: Readonly<Record<string, string>> = { protocol: '#{protocol}', port: '#{port}', host: '#{host}', path: '/#{path}', query: '#{query}' };

function redirect(o: Obj): ActionConfig {
  const c = reqObject(o, 'redirectConfig', 'for type redirect');
  const statusCode = reqString(c, 'statusCode');
  if (statusCode !== 'HTTP_301' && statusCode !== 'HTTP_302') expected(at(c.path, 'statusCode'), 'HTTP_301 or HTTP_302', statusCode);
  const r = defined({
    protocol: checkedString(c, 'protocol', 128, { test: (s) => /^(HTTPS?|#\{protocol\})$/.test(s), what: 'HTTP, HTTPS or #{protocol}' }),
    port: checkedString(c, 'port', 128, { test: (s) => s === '#{port}' || (/^\d{1,5}$/.test(s) && +s >= 1 && +s <= 65535), what: 'a port in [1, 65535] or #{port}' }),
    host: checkedString(c, 'host', 128, { test: (s) => REDIRECT_HOST.test(s.replaceAll('#{host}', '')), what: 'a host of letters, digits, ".", "-", "*", "?" and #{host}' }),
    path: checkedString(c, 'path', 128, {
      test: (s) => s.startsWith('/') && REDIRECT_PATH.test(s.replace(/#\{(host|port|path)\}/g, '')),
      what: 'a path starting with "/" of letters, digits, _-.$/~"\'@:+&*? and #{host}, #{port}, #{path}',
    }),
    query: checkedString(c, 'query', 128, { test: (s) => !s.startsWith('?'), what: 'a query without the leading "?"' }),
  });
  const changed = Object.entries(r).some(([k, v]) => v !== UNCHANGED[k]);
  if (!changed) fault(c.path, 'must change at least one of protocol, port, host, path or query, else the redirect loops');
  return { type: 'redirect', redirect: { ...r, statusCode } };
}

function targetGroup(t: Obj): ForwardTargetConfig {
  const targetGroupARN = optString(t, 'targetGroupARN');
  const targetGroupName = optString(t, 'targetGroupName');
  const serviceName = optString(t, 'serviceName');
  if ([targetGroupARN, targetGroupName, serviceName].filter((x) => x !== undefined).length !== 1) {
    fault(t.path, 'expected exactly one of targetGroupARN, targetGroupName or serviceName (with servicePort)');
  }
  if (targetGroupARN !== undefined) {
    const reason = arn(targetGroupARN);
    if (reason !== undefined) fault(at(t.path, 'targetGroupARN'), reason);
  }
  let servicePort: number | string | undefined;
  if (serviceName !== undefined) {
    servicePort = get(t, 'servicePort') as number | string | undefined;
    const fine = (typeof servicePort === 'number' && Number.isInteger(servicePort) && servicePort >= 1 && servicePort <= 65535)
      || (typeof servicePort === 'string' && servicePort !== '');
    if (!fine) expected(at(t.path, 'servicePort'), 'a port number in [1, 65535] or a port name', servicePort);
  }
  const weight = optInt(t, 'weight', 0, 999);
  return defined({ serviceName, servicePort, targetGroupARN, targetGroupName, weight });
}

function forward(o: Obj): ActionConfig {
  const arnSimple = optString(o, 'targetGroupARN');
  const nameSimple = optString(o, 'targetGroupName');
  const config = get(o, 'forwardConfig');
  if ([arnSimple, nameSimple, config].filter((x) => x !== undefined).length !== 1) {
    fault('', 'a forward action needs exactly one of targetGroupARN, targetGroupName or forwardConfig');
  }
  if (config === undefined) return { type: 'forward', targetGroups: [targetGroup(object(defined({ targetGroupARN: arnSimple, targetGroupName: nameSimple }), ''))] };

  const c = object(config, 'forwardConfig');
  const path = at(c.path, 'targetGroups');
  const list = array(get(c, 'targetGroups'), path, 'a non-empty array of target groups');
  if (list.length === 0 || list.length > MAX_TARGET_GROUPS) fault(path, `expected 1 to ${MAX_TARGET_GROUPS} target groups, got ${list.length}`);
  const targetGroups = list.map((t, i) => targetGroup(object(t, at(path, i))));
  const unweighted = targetGroups.findIndex((t) => t.weight === undefined);
  if (targetGroups.length > 1 && unweighted >= 0) fault(at(path, unweighted), 'weight is required when forwarding to more than one target group');

  const s = get(c, 'targetGroupStickinessConfig');
  if (s === undefined) return { type: 'forward', targetGroups };
  const so = object(s, at(c.path, 'targetGroupStickinessConfig'));
  const stickiness = defined({ enabled: optBool(so, 'enabled') ?? false, durationSeconds: optInt(so, 'durationSeconds', 1, 604800) });
  return { type: 'forward', targetGroups, stickiness };
}

const action = json((v): ActionConfig => {
  const o = object(v, '', 'a JSON object such as {"type": "fixed-response", "fixedResponseConfig": {"statusCode": "404"}}');
  const type = optString(o, 'type');
  if (type === 'forward') return forward(o);
  if (type === 'redirect') return redirect(o);
  if (type === 'fixed-response') return fixedResponse(o);
  if (type === undefined) return fault('type', 'is required: forward, redirect or fixed-response');
  return expected('type', 'forward, redirect or fixed-response', type);
});

export function parseAction(ing: AnnotatedObject, name: string): Parsed<ActionConfig | undefined> {
  const suffix = `actions.${name}`;
  if (!has(ing, PREFIX + suffix)) return { value: undefined, issues: [] };
  const r = readOne(ing, suffix, action);
  return r.ok ? { value: r.value, issues: [] } : { value: undefined, issues: [issue(ing.ref, suffix, r.reason)] };
}
