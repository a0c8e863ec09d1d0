// Ingress rules and backends → listener rule conditions, actions and transforms (one listener rule per path).
import type { V1IngressBackend, V1Service } from '@kubernetes/client-node';
import { type Action, type ForwardTarget, type Note, type RuleCondition, type RuleTransform, ref } from '../model/index.ts';
import { type ActionConfig, PREFIX, parseAction, parseConditions, parseTransforms } from './annotations/index.ts';
import { hostHeaderValue, pathPatternValue } from './annotations/conditions.ts';
import { MAX_CONDITION_REGEX, regexProblem } from './annotations/regex.ts';
import { show } from './annotations/values.ts';
import { forwardTargetsProblem, LIMIT_CODE, ruleConditionsProblem } from './aws-limits.ts';
import { authActions } from './build-auth.ts';
import { buildTargetGroup } from './build-target-groups.ts';
import type { MemberScope } from './context.ts';
import type { Member } from './group.ts';
import { append, gateOn, issue, sortedUnique } from './snapshot.ts';

export const USE_ANNOTATION = 'use-annotation';
export const MISSING_SERVICE_BODY = 'Backend service does not exist';
export const MISSING_ACTION_BODY = 'Backend action does not exist';

/** what one backend does with a request */
export interface Route {
  readonly actions: readonly Action[];
  /** authenticate-* or jwt-validation, to run before `actions` on HTTPS listeners only */
  readonly auth: readonly Action[];
}

export interface MemberRule extends Route {
  readonly conditions: readonly RuleCondition[];
  /** url and host-header rewrites (every listener); absent when none */
  readonly transforms?: readonly RuleTransform[];
  /** where the rule came from, e.g. "spec.rules[0].http.paths[1]" */
  readonly source: string;
}

export const fixed503 = (body: string): Action => ({
  type: 'fixed-response', fixedResponseConfig: { statusCode: '503', contentType: 'text/plain', messageBody: body },
});
export const fixed404: Action = { type: 'fixed-response', fixedResponseConfig: { statusCode: '404', contentType: 'text/plain' } };

const forwardTo = (targets: readonly ForwardTarget[], stickiness?: { enabled: boolean; durationSeconds?: number }): Action => ({
  type: 'forward',
  forwardConfig: { targetGroups: targets, ...(stickiness ? { targetGroupStickinessConfig: { ...stickiness } } : {}) },
});

/** What one backend (a Service port, or `use-annotation`) does; undefined when it is broken (Issues in `sink`). */
export function backendRoute(s: MemberScope, backend: V1IngressBackend, field: string): Route | undefined {
  const r = backendActions(s, backend, field);
  if (!r) return undefined;
  const auth = authActions(s, r.only, field);
  return auth ? { actions: r.actions, auth } : undefined;
}

/** The actions for one backend, and the Service it forwards to alone (whose auth-* annotations apply). */
function backendActions(s: MemberScope, backend: V1IngressBackend, field: string): { actions: Action[]; only?: V1Service } | undefined {
  const { m, sink } = s;
  const svc = backend.service;
  if (!svc) {
    const what = backend.resource ? `resource backend ${backend.resource.kind}/${backend.resource.name}` : 'empty backend';
    sink.issues.push(issue(m.ref, field, 'UnsupportedBackend', `${what} is not supported; use a Service backend`));
    return undefined;
  }
  const port = svc.port?.name !== undefined && svc.port.name !== '' ? svc.port.name : svc.port?.number;
  if (port === undefined) {
    sink.issues.push(issue(m.ref, `${field}.service.port`, 'InvalidBackend', `backend Service ${svc.name} names no port`));
    return undefined;
  }
  if (port === USE_ANNOTATION) {
    const parsed = parseAction(m.obj, svc.name);
    append(sink.issues, parsed.issues);
    if (parsed.issues.length > 0) return undefined;
    if (!parsed.value) {
      sink.notes.push(note(m, field, `${PREFIX}actions.${svc.name} is not set: responding 503 "${MISSING_ACTION_BODY}"`));
      return { actions: [fixed503(MISSING_ACTION_BODY)] };
    }
    return annotationAction(s, parsed.value, svc.name);
  }
  const r = buildTargetGroup(s, svc.name, port, field);
  if (r.kind === 'error') return undefined;
  if (r.kind === 'missing-service') {
    sink.notes.push(note(m, field, `Service ${m.ref.namespace}/${svc.name} does not exist: responding 503 "${MISSING_SERVICE_BODY}"`));
    return { actions: [fixed503(MISSING_SERVICE_BODY)] };
  }
  return { actions: [forwardTo([{ targetGroupArn: ref('TargetGroup', r.tg.id) }])], ...serviceOf(s, svc.name) };
}

const serviceOf = (s: MemberScope, name: string): { only?: V1Service } => {
  const svc = s.ctx.services.get(`${s.m.ref.namespace ?? 'default'}/${name}`);
  return svc ? { only: svc } : {};
};

/**
 * The names of the Services a member's backends route to, as backendActions resolves them: a Service backend's
 * name, and the serviceName of every forward target of a `use-annotation` action (parsed, so its keys match
 * case-insensitively as upstream's decoder does). Services in the member's namespace; the controller indexes them.
 */
export function referencedServices(m: Member): string[] {
  const backends = [m.ing.spec?.defaultBackend, ...(m.ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend))];
  const names = new Set<string>();
  for (const b of backends) {
    const svc = b?.service;
    if (!svc?.name) continue;
    if (svc.port?.name !== USE_ANNOTATION) { names.add(svc.name); continue; }
    const action = parseAction(m.obj, svc.name).value;
    if (action?.type !== 'forward') continue;
    for (const t of action.targetGroups) if (t.serviceName) names.add(t.serviceName);
  }
  return [...names].sort();
}

const note = (m: Member, subject: string, message: string): Note => ({ object: m.ref, subject, message });

function annotationAction(s: MemberScope, a: ActionConfig, name: string): { actions: Action[]; only?: V1Service } | undefined {
  const { m, sink } = s;
  const field = `${PREFIX}actions.${name}`;
  if (a.type === 'redirect') {
    const r = a.redirect;
    return {
      actions: [{
        type: 'redirect',
        redirectConfig: {
          ...(r.protocol !== undefined ? { protocol: r.protocol } : {}), ...(r.port !== undefined ? { port: r.port } : {}),
          ...(r.host !== undefined ? { host: r.host } : {}), ...(r.path !== undefined ? { path: r.path } : {}),
          ...(r.query !== undefined ? { query: r.query } : {}), statusCode: r.statusCode,
        },
      }],
    };
  }
  if (a.type === 'fixed-response') {
    const f = a.fixedResponse;
    return {
      actions: [{
        type: 'fixed-response',
        fixedResponseConfig: {
          statusCode: f.statusCode, ...(f.contentType !== undefined ? { contentType: f.contentType } : {}),
          ...(f.messageBody !== undefined ? { messageBody: f.messageBody } : {}),
        },
      }],
    };
  }
  const targets: ForwardTarget[] = [];
  let failed = false;
  a.targetGroups.forEach((t, i) => {
    const w = t.weight !== undefined ? { weight: t.weight } : {};
    if (t.targetGroupARN) { targets.push({ targetGroupArn: t.targetGroupARN, ...w }); return; }
    if (t.targetGroupName) {
      sink.issues.push(issue(m.ref, field, 'UnsupportedAnnotation',
        `forward target ${i}: targetGroupName is not supported yet; give targetGroupARN or serviceName/servicePort`));
      failed = true;
      return;
    }
    if (t.serviceName === undefined || t.servicePort === undefined) {
      sink.issues.push(issue(m.ref, field, 'InvalidAnnotation', `forward target ${i} needs targetGroupARN or serviceName and servicePort`));
      failed = true;
      return;
    }
    const port = typeof t.servicePort === 'string' && /^[0-9]+$/.test(t.servicePort) ? Number(t.servicePort) : t.servicePort;
    const r = buildTargetGroup(s, t.serviceName, port, field);
    if (r.kind === 'error') { failed = true; return; }
    if (r.kind === 'missing-service') {
      sink.notes.push(note(m, field, `forward target Service ${m.ref.namespace}/${t.serviceName} does not exist: left out of the forward action`));
      return;
    }
    targets.push({ targetGroupArn: ref('TargetGroup', r.tg.id), ...w });
  });
  if (failed) return undefined;
  if (targets.length > 1 && !gateOn(s.ctx.config, 'WeightedTargetGroups')) {
    sink.issues.push(issue(m.ref, field, 'InvalidAnnotation', `forwards to ${targets.length} target groups, which the feature gate WeightedTargetGroups=false turns off; forward to one`));
    return undefined;
  }
  const twice = forwardTargetsProblem(targets);
  if (twice) {
    sink.issues.push(issue(m.ref, field, 'InvalidAnnotation', twice));
    return undefined;
  }
  if (targets.length === 0) {
    sink.notes.push(note(m, field, `no forward target exists: responding 503 "${MISSING_SERVICE_BODY}"`));
    return { actions: [fixed503(MISSING_SERVICE_BODY)] };
  }
  // like upstream, a Service's auth-* annotations count only when the rule forwards to that Service alone
  const [first] = a.targetGroups;
  if (a.targetGroups.length === 1 && first?.serviceName !== undefined) return { actions: [forwardTo(targets, a.stickiness)], ...serviceOf(s, first.serviceName) };
  if (servicesAskingForAuth(s, a, field) > 0) return undefined;
  return { actions: [forwardTo(targets, a.stickiness)] };
}

/**
 * Upstream ignores the auth-* annotations of Services behind a forward to several target groups and serves them
 * without the authentication their owners asked for; here each such Service is an Issue. Returns their number.
 */
function servicesAskingForAuth(s: MemberScope, a: Extract<ActionConfig, { type: 'forward' }>, field: string): number {
  const ns = s.m.ref.namespace ?? 'default';
  const asking = a.targetGroups.map((t) => t.serviceName).filter((n): n is string => n !== undefined)
    .filter((n) => { const t = s.ctx.services.get(`${ns}/${n}`)?.metadata?.annotations?.[`${PREFIX}auth-type`]; return t !== undefined && t !== 'none'; });
  for (const n of [...new Set(asking)]) {
    s.sink.issues.push(issue(s.m.ref, field, 'AuthenticationNotApplied',
      `Service ${ns}/${n} asks for authentication (${PREFIX}auth-type), but a Service's auth-* annotations apply only to a rule that forwards to it alone; this forward has ${a.targetGroups.length} targets: put the auth-* annotations on the Ingress instead`));
  }
  return asking.length;
}

type PathKind = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** ALB path patterns for one Ingress path; undefined = no path condition (matches every path). */
export function pathPatterns(path: string | undefined, pathType: string | undefined): string[] | { error: string } | undefined {
  const kind: PathKind = pathType === 'Exact' || pathType === 'Prefix' ? pathType : 'ImplementationSpecific';
  if (pathType !== undefined && pathType !== '' && pathType !== 'Exact' && pathType !== 'Prefix' && pathType !== 'ImplementationSpecific') {
    return { error: `unknown pathType "${pathType}" (Exact, Prefix or ImplementationSpecific)` };
  }
  if (path === undefined || path === '') {
    return kind === 'ImplementationSpecific' ? undefined : { error: `pathType ${kind} needs a path` };
  }
  if (!path.startsWith('/')) return { error: `path "${path}" must start with "/"` };
  if (kind === 'ImplementationSpecific') return [path];
  if (/[*?]/.test(path)) return { error: `a ${kind} path cannot contain the wildcards "*" or "?": "${path}"` };
  if (kind === 'Exact') return [path];
  if (path === '/') return ['/*'];
  const base = path.replace(/\/+$/, '');
  return [base, `${base}/*`];
}

/** Exact first, then Prefix by descending path length (stable), then ImplementationSpecific / unset in given order. */
export function sortPaths<T extends { readonly path?: string; readonly pathType?: string }>(paths: readonly T[]): { path: T; index: number }[] {
  const rank = (p: T): number => (p.pathType === 'Exact' ? 0 : p.pathType === 'Prefix' ? 1 : 2);
  return paths
    .map((path, index) => ({ path, index }))
    .sort((a, b) => rank(a.path) - rank(b.path)
      || (rank(a.path) === 1 ? (b.path.path ?? '').length - (a.path.path ?? '').length : 0)
      || a.index - b.index);
}

/**
 * The regular expression a pathType ImplementationSpecific path stands for under use-regex-path-match: the path
 * less its leading "/" (Kubernetes demands one), as upstream takes it; or why ALB would refuse it.
 */
export function regexPath(path: string): { regex: string } | { error: string } {
  const regex = path.slice(1);
  const reason = regexProblem(regex, MAX_CONDITION_REGEX);
  return reason === undefined ? { regex } : { error: `regex path ${JSON.stringify(regex)} (the path less its leading "/"): ${reason}` };
}

/**
 * host-header, then path-pattern, then the other annotation conditions; values sorted for stable diffs. Regular
 * expressions (a regex path, regexValues in conditions.<name>) go to the same host or path condition as
 * regexValues; `mixedConditionProblem` tells when one condition would get both, which ALB refuses.
 */
export function ruleConditions(host: string | undefined, paths: readonly string[] | undefined, extra: readonly RuleCondition[], regexPaths: readonly string[] = []): RuleCondition[] {
  const hosts = host ? [host] : [];
  const hostRegex: string[] = [];
  const pathValues = [...(paths ?? [])];
  const pathRegex = [...regexPaths];
  const others: RuleCondition[] = [];
  for (const c of extra) {
    if (c.field === 'host-header') {
      append(hosts, c.hostHeaderConfig.values);
      append(hostRegex, c.hostHeaderConfig.regexValues ?? []);
    } else if (c.field === 'path-pattern') {
      append(pathValues, c.pathPatternConfig.values);
      append(pathRegex, c.pathPatternConfig.regexValues ?? []);
    } else others.push(sortCondition(c));
  }
  const withRegex = (regex: readonly string[]): { regexValues?: string[] } => (regex.length > 0 ? { regexValues: sortedUnique(regex) } : {});
  const out: RuleCondition[] = [];
  if (hosts.length + hostRegex.length > 0) out.push({ field: 'host-header', hostHeaderConfig: { values: sortedUnique(hosts), ...withRegex(hostRegex) } });
  if (pathValues.length + pathRegex.length > 0) out.push({ field: 'path-pattern', pathPatternConfig: { values: sortedUnique(pathValues), ...withRegex(pathRegex) } });
  append(out, others);
  if (out.length === 0) out.push({ field: 'path-pattern', pathPatternConfig: { values: ['/*'] } });
  return out;
}

/** A host or path condition with both wildcard values and regexValues (ALB takes one kind per condition), or undefined. */
export function mixedConditionProblem(conditions: readonly RuleCondition[]): string | undefined {
  for (const c of conditions) {
    const cfg = c.field === 'host-header' ? c.hostHeaderConfig : c.field === 'path-pattern' ? c.pathPatternConfig : undefined;
    if (cfg && cfg.values.length > 0 && (cfg.regexValues?.length ?? 0) > 0) {
      return `the ${c.field} condition would get both values ${JSON.stringify(cfg.values)} and regexValues ${JSON.stringify(cfg.regexValues)}; ALB takes one kind per condition (AWS limit)`
        + (c.field === 'path-pattern' ? ': use regexValues with use-regex-path-match and pathType ImplementationSpecific paths, or values otherwise' : ': a rule with a host takes host values only');
    }
  }
  return undefined;
}

function sortCondition(c: RuleCondition): RuleCondition {
  switch (c.field) {
    case 'http-header': {
      const h = c.httpHeaderConfig;
      return { field: c.field, httpHeaderConfig: { httpHeaderName: h.httpHeaderName, values: sortedUnique(h.values), ...(h.regexValues ? { regexValues: sortedUnique(h.regexValues) } : {}) } };
    }
    case 'http-request-method': return { field: c.field, httpRequestMethodConfig: { values: sortedUnique(c.httpRequestMethodConfig.values) } };
    case 'source-ip': return { field: c.field, sourceIpConfig: { values: sortedUnique(c.sourceIpConfig.values) } };
    case 'query-string': {
      const seen = new Map<string, { key?: string; value: string }>();
      for (const v of c.queryStringConfig.values) seen.set(JSON.stringify([v.key ?? null, v.value]), v.key === undefined ? { value: v.value } : { key: v.key, value: v.value });
      return { field: c.field, queryStringConfig: { values: [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v) } };
    }
    default: return c;
  }
}

/** Every listener rule an Ingress asks for, in priority order. */
export function memberRules(s: MemberScope): MemberRule[] {
  const { m, sink } = s;
  const out: MemberRule[] = [];
  const useRegex = m.annotations.useRegexPathMatch === true;
  (m.ing.spec?.rules ?? []).forEach((rule, ri) => {
    const hostProblem = rule.host ? hostHeaderValue(rule.host) : undefined;
    if (hostProblem) {
      sink.issues.push(issue(m.ref, `spec.rules[${ri}].host`, 'InvalidHost', `ALB host-header: ${hostProblem}`));
      return;
    }
    const paths = rule.http?.paths ?? [];
    for (const { path, index } of sortPaths(paths)) {
      const source = `spec.rules[${ri}].http.paths[${index}]`;
      let patterns = pathPatterns(path.path, path.pathType);
      let regexPaths: string[] = [];
      if (useRegex && Array.isArray(patterns) && (path.pathType ?? 'ImplementationSpecific') === 'ImplementationSpecific') {
        const r = regexPath(path.path ?? '');
        patterns = 'error' in r ? r : [];
        regexPaths = 'regex' in r ? [r.regex] : [];
      }
      const patternProblem = patterns && !('error' in patterns) ? patternsProblem(patterns, path.path ?? '') : undefined;
      if ((patterns && 'error' in patterns) || patternProblem) {
        sink.issues.push(issue(m.ref, `${source}.path`, 'InvalidPath', patternProblem ?? (patterns as { error: string }).error));
        continue;
      }
      const svcName = path.backend?.service?.name;
      let extra: RuleCondition[] = [];
      let transforms: RuleTransform[] = [];
      if (svcName) {
        const parsed = parseConditions(m.obj, svcName);
        const t = parseTransforms(m.obj, svcName);
        append(sink.issues, parsed.issues);
        append(sink.issues, t.issues);
        extra = parsed.value;
        transforms = t.value;
      }
      const route = backendRoute(s, path.backend ?? {}, `${source}.backend`);
      if (!route) continue;
      const conditions = ruleConditions(rule.host, patterns, extra, regexPaths);
      const mixed = mixedConditionProblem(conditions);
      if (mixed) {
        sink.issues.push(issue(m.ref, extra.length > 0 ? `${PREFIX}conditions.${svcName ?? ''}` : `${source}.path`, 'ConflictingConditions', `${source}: ${mixed}`));
        continue;
      }
      const tooMany = ruleConditionsProblem(conditions);
      if (tooMany) {
        sink.issues.push(issue(m.ref, extra.length > 0 ? `${PREFIX}conditions.${svcName ?? ''}` : source, LIMIT_CODE, `${source}: ${tooMany}`));
        continue;
      }
      out.push({ conditions, ...route, ...(transforms.length > 0 ? { transforms } : {}), source });
    }
  });
  return out;
}

/** The path patterns made from an Ingress path, checked as ALB checks a path-pattern value. */
function patternsProblem(patterns: readonly string[], path: string): string | undefined {
  for (const p of patterns) {
    const reason = pathPatternValue(p);
    if (reason !== undefined) return `ALB path-pattern ${show(p)}${p === path ? '' : ' (made from this path)'}: ${reason}`;
  }
  return undefined;
}
