// An AWS-rule checker for plans, written from AWS's documentation on its own (it shares no code or constant with
// the builder's checks in src/ingress/), so that the hostile-input corpus can tell whether a plan the controller
// accepted would be accepted by AWS. Input: the `plan -o json` document (docs/plan-format.md). Output: one line
// per broken rule, naming the stack, the resource and the rule.
//
// Sources, cited per rule below:
// [QUOTAS] https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
// [COND]   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
// [HOST]   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HostHeaderConditionConfig.html
// [PATH]   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_PathPatternConditionConfig.html
// [HDR]    https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HttpHeaderConditionConfig.html
// [TAG]    https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Tag.html and
//          https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-tags.html (50 per resource)
// [LBATTR] https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html
// [TGATTR] https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html
// [ACTION] https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-action-types.html and the
//          API reference's Action, ForwardActionConfig, RedirectActionConfig, FixedResponseActionConfig
// [TG]     https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
// [LB]     https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
// [LSN]    https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html
// [VPC]    https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html (60 inbound rules, per IP version)
// [EC2SG]  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html

/** the quotas an account may have raised; the rest of AWS's numbers are fixed below */
export interface AccountQuotas {
  readonly rules: number;
  readonly listeners: number;
  readonly certificates: number;
  readonly inboundRules: number;
}
export const DEFAULT_ACCOUNT: AccountQuotas = { rules: 100, listeners: 50, certificates: 25, inboundRules: 60 };

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUnknownValue = (v: unknown): boolean => isObj(v) && '$unknown' in v;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const int = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

// ---- small value rules ----------------------------------------------------------------------

function ipv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}
function ipv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.split('::').length > 2) return false;
  let groups = 0;
  for (const half of s.split('::')) {
    if (half === '') continue;
    const parts = half.split(':');
    for (const [i, p] of parts.entries()) {
      if (i === parts.length - 1 && p.includes('.')) { if (!ipv4(p)) return false; groups += 2; continue; }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
      groups++;
    }
  }
  return s.includes('::') ? groups < 8 : groups === 8;
}
function cidr(s: string): 4 | 6 | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const bits = Number(m[2]);
  if (ipv4(m[1] ?? '') && bits <= 32) return 4;
  if (ipv6(m[1] ?? '') && bits <= 128) return 6;
  return undefined;
}

/** [TAG]: key 1-128 and value 0-256 characters: letters, separators (spaces), numbers and _ . : / = + - @ */
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
function tagRules(tags: unknown, where: string, out: string[]): void {
  if (!isObj(tags)) return;
  const keys = Object.keys(tags).filter((k) => !k.startsWith('aws:'));
  if (keys.length > 50) out.push(`${where}: ${keys.length} tags, AWS allows 50 per resource [TAG]`);
  for (const [k, v] of Object.entries(tags)) {
    const value = str(v);
    if (k.length < 1 || k.length > 128 || !TAG_PATTERN.test(k)) out.push(`${where}: tag key ${JSON.stringify(k)} breaks the Tag key rule [TAG]`);
    if (typeof v !== 'string' || value.length > 256 || !TAG_PATTERN.test(value)) out.push(`${where}: tag value of ${JSON.stringify(k)} breaks the Tag value rule [TAG]`);
  }
}

const BOOL = (v: string) => v === 'true' || v === 'false';
const RANGE = (lo: number, hi: number) => (v: string) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;
const ONE_OF = (...xs: string[]) => (v: string) => xs.includes(v);
const BUCKET = (v: string) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v);
const PREFIX_OK = (v: string) => v.length <= 1024 && !v.includes('AWSLogs');

/** [LBATTR]: keys an Application Load Balancer takes, each with its values */
const ALB_ATTRIBUTES: Record<string, (v: string) => boolean> = {
  'deletion_protection.enabled': BOOL, 'load_balancing.cross_zone.enabled': (v) => v === 'true',
  'access_logs.s3.enabled': BOOL, 'access_logs.s3.bucket': BUCKET, 'access_logs.s3.prefix': PREFIX_OK,
  'connection_logs.s3.enabled': BOOL, 'connection_logs.s3.bucket': BUCKET, 'connection_logs.s3.prefix': PREFIX_OK,
  'health_check_logs.s3.enabled': BOOL, 'health_check_logs.s3.bucket': BUCKET, 'health_check_logs.s3.prefix': PREFIX_OK,
  'ipv6.deny_all_igw_traffic': BOOL, 'zonal_shift.config.enabled': BOOL,
  'idle_timeout.timeout_seconds': RANGE(1, 4000), 'client_keep_alive.seconds': RANGE(60, 604800),
  'routing.http.desync_mitigation_mode': ONE_OF('monitor', 'defensive', 'strictest'),
  'routing.http.drop_invalid_header_fields.enabled': BOOL, 'routing.http.preserve_host_header.enabled': BOOL,
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': BOOL, 'routing.http.xff_client_port.enabled': BOOL,
  'routing.http.xff_header_processing.mode': ONE_OF('append', 'preserve', 'remove'), 'routing.http2.enabled': BOOL,
  'waf.fail_open.enabled': BOOL,
};

/** [TGATTR]: keys of a target group of an ALB whose targets are instances or IPs */
const TG_ATTRIBUTES: Record<string, (v: string) => boolean> = {
  'deregistration_delay.timeout_seconds': RANGE(0, 3600), 'stickiness.enabled': BOOL, 'stickiness.type': ONE_OF('lb_cookie', 'app_cookie'),
  'load_balancing.cross_zone.enabled': ONE_OF('true', 'false', 'use_load_balancer_configuration'),
  'target_group_health.dns_failover.minimum_healthy_targets.count': (v) => v === 'off' || RANGE(1, 2 ** 31)(v),
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': (v) => v === 'off' || RANGE(1, 100)(v),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': RANGE(1, 2 ** 31),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': (v) => v === 'off' || RANGE(1, 100)(v),
  'load_balancing.algorithm.type': ONE_OF('round_robin', 'least_outstanding_requests', 'weighted_random'),
  'load_balancing.algorithm.anomaly_mitigation': ONE_OF('on', 'off'),
  'slow_start.duration_seconds': (v) => v === '0' || RANGE(30, 900)(v),
  'stickiness.app_cookie.cookie_name': (v) => v.length > 0 && !v.startsWith('AWSALB'),
  'stickiness.app_cookie.duration_seconds': RANGE(1, 604800), 'stickiness.lb_cookie.duration_seconds': RANGE(1, 604800),
};

function attributeRules(attrs: unknown, table: Record<string, (v: string) => boolean>, where: string, src: string, out: string[]): void {
  if (!isObj(attrs)) return;
  for (const [k, v] of Object.entries(attrs)) {
    const ok = table[k];
    if (!ok) out.push(`${where}: attribute ${k} is not one AWS lists ${src}`);
    else if (!ok(str(v))) out.push(`${where}: attribute ${k}=${JSON.stringify(v)} is not a value AWS takes ${src}`);
  }
  for (const log of ['access_logs', 'connection_logs', 'health_check_logs']) {
    if (attrs[`${log}.s3.enabled`] === 'true' && attrs[`${log}.s3.bucket`] === undefined) out.push(`${where}: ${log} enabled without a bucket ${src}`);
  }
  if (attrs['load_balancing.algorithm.anomaly_mitigation'] !== undefined && attrs['load_balancing.algorithm.type'] !== 'weighted_random') {
    out.push(`${where}: anomaly mitigation without weighted_random ${src}`);
  }
}

// ---- rules and actions ----------------------------------------------------------------------

const HOST_VALUE = /^[A-Za-z0-9.*?-]{1,128}$/;
const PATH_VALUE = /^[A-Za-z0-9_\-.$/~"'@:+&*?]{1,128}$/;
const CONTROL = /[\x00-\x1f\x7f]/;

function conditionRules(conditions: unknown, where: string, out: string[]): void {
  const list = arr(conditions);
  if (list.length === 0) out.push(`${where}: a rule needs at least one condition [COND]`);
  const once = new Map<string, number>();
  let values = 0;
  let wildcards = 0;
  const wild = (s: string) => (s.match(/[*?]/g) ?? []).length;
  for (const c of list) {
    if (!isObj(c)) continue;
    const field = str(c.field);
    once.set(field, (once.get(field) ?? 0) + 1);
    const config = (name: string) => (isObj(c[name]) ? (c[name] as J) : {});
    if (field === 'host-header') {
      for (const v of arr(config('hostHeaderConfig').values).map(str)) {
        values++; wildcards += wild(v);
        if (!HOST_VALUE.test(v) || !/\.[A-Za-z]+$/.test(v)) out.push(`${where}: host-header ${JSON.stringify(v)} [HOST]`);
      }
    } else if (field === 'path-pattern') {
      for (const v of arr(config('pathPatternConfig').values).map(str)) {
        values++; wildcards += wild(v);
        if (!PATH_VALUE.test(v)) out.push(`${where}: path-pattern ${JSON.stringify(v)} [PATH]`);
      }
    } else if (field === 'http-header') {
      const h = config('httpHeaderConfig');
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,40}$/.test(str(h.httpHeaderName))) out.push(`${where}: header name ${JSON.stringify(h.httpHeaderName)} [HDR]`);
      for (const v of arr(h.values).map(str)) {
        values++; wildcards += wild(v);
        if (v.length < 1 || v.length > 128 || CONTROL.test(v)) out.push(`${where}: header value ${JSON.stringify(v)} [HDR][COND]`);
      }
    } else if (field === 'http-request-method') {
      for (const v of arr(config('httpRequestMethodConfig').values).map(str)) {
        values++;
        if (!/^[A-Z_-]{1,40}$/.test(v)) out.push(`${where}: method ${JSON.stringify(v)} [COND]`);
      }
    } else if (field === 'query-string') {
      for (const kv of arr(config('queryStringConfig').values)) {
        values++;
        const k = isObj(kv) ? str(kv.key) : '';
        const v = isObj(kv) ? str(kv.value) : '';
        wildcards += wild(k) + wild(v);
        if (v.length < 1 || v.length > 128 || k.length > 128 || CONTROL.test(k + v)) out.push(`${where}: query ${JSON.stringify(kv)} [COND]`);
      }
    } else if (field === 'source-ip') {
      for (const v of arr(config('sourceIpConfig').values).map(str)) {
        values++;
        if (!cidr(v)) out.push(`${where}: source-ip ${JSON.stringify(v)} is no CIDR [COND]`);
      }
    } else out.push(`${where}: unknown condition field ${JSON.stringify(field)} [COND]`);
  }
  for (const f of ['host-header', 'http-request-method', 'path-pattern', 'source-ip']) {
    if ((once.get(f) ?? 0) > 1) out.push(`${where}: ${once.get(f)} ${f} conditions, AWS takes one [COND]`);
  }
  if (values > 5) out.push(`${where}: ${values} condition values, AWS allows 5 per rule [QUOTAS]`);
  if (wildcards > 5) out.push(`${where}: ${wildcards} wildcards, AWS allows 5 per rule [QUOTAS][COND]`);
}

const tgKey = (t: unknown): string => (isObj(t) && isObj(t.$ref) ? `ref:${str((t.$ref as J).id)}` : str(t));

/** checks the actions; returns the target groups they forward to */
function actionRules(actions: unknown, where: string, out: string[]): string[] {
  const list = arr(actions);
  const terminal = list.filter((a) => isObj(a) && ['forward', 'redirect', 'fixed-response'].includes(str(a.type)));
  if (terminal.length !== 1) out.push(`${where}: ${terminal.length} forward/redirect/fixed-response actions, AWS wants exactly one [ACTION]`);
  const targets: string[] = [];
  for (const a of list) {
    if (!isObj(a)) continue;
    if (a.type === 'forward') {
      const fc = isObj(a.forwardConfig) ? a.forwardConfig : {};
      const tgs = arr(fc.targetGroups);
      if (tgs.length < 1 || tgs.length > 5) out.push(`${where}: forward to ${tgs.length} target groups, AWS allows 1 to 5 [QUOTAS]`);
      const keys = tgs.map((t) => tgKey(isObj(t) ? t.targetGroupArn : undefined));
      if (new Set(keys).size !== keys.length) out.push(`${where}: a target group twice in one forward action [ACTION]`);
      for (const t of tgs) if (isObj(t) && t.weight !== undefined && !int(t.weight, 0, 999)) out.push(`${where}: weight ${String(t.weight)} [ACTION]`);
      const st = fc.targetGroupStickinessConfig;
      if (isObj(st) && st.durationSeconds !== undefined && !int(st.durationSeconds, 1, 604800)) out.push(`${where}: stickiness duration [ACTION]`);
      targets.push(...keys);
    } else if (a.type === 'redirect') {
      const r = isObj(a.redirectConfig) ? a.redirectConfig : {};
      if (r.statusCode !== 'HTTP_301' && r.statusCode !== 'HTTP_302') out.push(`${where}: redirect status ${String(r.statusCode)} [ACTION]`);
      if (r.protocol !== undefined && !['HTTP', 'HTTPS', '#{protocol}'].includes(str(r.protocol))) out.push(`${where}: redirect protocol [ACTION]`);
      if (r.port !== undefined && r.port !== '#{port}' && !RANGE(1, 65535)(str(r.port))) out.push(`${where}: redirect port ${String(r.port)} [ACTION]`);
      for (const k of ['host', 'path', 'query']) if (r[k] !== undefined && (str(r[k]).length < 1 || str(r[k]).length > 128)) out.push(`${where}: redirect ${k} length [ACTION]`);
      if (r.path !== undefined && !str(r.path).startsWith('/')) out.push(`${where}: redirect path must be absolute [ACTION]`);
    } else if (a.type === 'fixed-response') {
      const f = isObj(a.fixedResponseConfig) ? a.fixedResponseConfig : {};
      if (!/^[245]\d\d$/.test(str(f.statusCode))) out.push(`${where}: fixed-response status ${String(f.statusCode)} [ACTION]`);
      if (f.messageBody !== undefined && str(f.messageBody).length > 1024) out.push(`${where}: fixed-response body over 1024 [ACTION]`);
      if (f.contentType !== undefined && !['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'].includes(str(f.contentType))) {
        out.push(`${where}: fixed-response content type [ACTION]`);
      }
    }
  }
  return targets;
}

// ---- resources ------------------------------------------------------------------------------

interface Desired { readonly kind: string; readonly id: string; readonly spec: J }

/** the state a plan leads to: the `after` of every change that keeps or makes a resource */
function desiredOf(plan: J): Desired[] {
  const out: Desired[] = [];
  for (const c of arr(plan.changes)) {
    if (!isObj(c) || !isObj(c.after) || c.action === 'delete' || (c.action === 'replace' && c.phase === 'delete')) continue;
    out.push({ kind: str(c.kind), id: str(c.id), spec: c.after });
  }
  return out;
}

function healthCheckRules(hc: unknown, version: string, where: string, out: string[]): void {
  if (!isObj(hc)) { out.push(`${where}: no health check [TG]`); return; }
  if (!int(hc.intervalSeconds, 5, 300)) out.push(`${where}: health check interval [TG]`);
  if (!int(hc.timeoutSeconds, 2, 120)) out.push(`${where}: health check timeout [TG]`);
  if (typeof hc.timeoutSeconds === 'number' && typeof hc.intervalSeconds === 'number' && hc.timeoutSeconds >= hc.intervalSeconds) {
    out.push(`${where}: health check timeout not below the interval [TG]`);
  }
  if (!int(hc.healthyThresholdCount, 2, 10) || !int(hc.unhealthyThresholdCount, 2, 10)) out.push(`${where}: health check thresholds [TG]`);
  const path = str(hc.path);
  if (path.length < 1 || path.length > 1024 || !path.startsWith('/')) out.push(`${where}: health check path ${JSON.stringify(path)} [TG]`);
  if (hc.port !== 'traffic-port' && !RANGE(1, 65535)(str(hc.port))) out.push(`${where}: health check port ${JSON.stringify(hc.port)} [TG]`);
  if (!['HTTP', 'HTTPS'].includes(str(hc.protocol))) out.push(`${where}: health check protocol [TG]`);
  const m = isObj(hc.matcher) ? hc.matcher : {};
  const codes = (s: string, lo: number, hi: number) => /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(s)
    && s.split(',').every((p) => { const [a, b = a] = p.split('-').map(Number) as [number, number?]; return a >= lo && b <= hi && a <= b; });
  if (version === 'GRPC' ? !codes(str(m.grpcCode), 0, 99) : !codes(str(m.httpCode), 200, 499)) out.push(`${where}: health check matcher ${JSON.stringify(m)} [TG]`);
}

/** the resources of one planned stack, checked against AWS's rules into `out` */
class StackCheck {
  readonly forwarded = new Set<string>();
  readonly stack: string;
  readonly resources: readonly Desired[];
  readonly quotas: AccountQuotas;
  readonly out: string[];
  constructor(stack: string, resources: readonly Desired[], quotas: AccountQuotas, out: string[]) {
    this.stack = stack;
    this.resources = resources;
    this.quotas = quotas;
    this.out = out;
  }

  of(kind: string): Desired[] { return this.resources.filter((r) => r.kind === kind); }
  at(r: Desired): string { return `stack ${this.stack}: ${r.kind} ${r.id}`; }

  loadBalancers(): void {
    for (const r of this.of('LoadBalancer')) {
      const name = str(r.spec.name);
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(name) || name.startsWith('internal-')) this.out.push(`${this.at(r)}: name ${JSON.stringify(name)} [LB]`);
      if (!['internet-facing', 'internal'].includes(str(r.spec.scheme))) this.out.push(`${this.at(r)}: scheme [LB]`);
      if (Array.isArray(r.spec.subnets) && new Set(r.spec.subnets).size < 2) this.out.push(`${this.at(r)}: an ALB needs subnets in two zones [LB]`);
      attributeRules(r.spec.attributes, ALB_ATTRIBUTES, this.at(r), '[LBATTR]', this.out);
      tagRules(r.spec.tags, this.at(r), this.out);
    }
  }

  listeners(): void {
    const listeners = this.of('Listener');
    if (listeners.length > this.quotas.listeners) this.out.push(`stack ${this.stack}: ${listeners.length} listeners, quota ${this.quotas.listeners} [QUOTAS]`);
    let extraCerts = 0;
    for (const l of listeners) {
      const at = this.at(l);
      if (!int(l.spec.port, 1, 65535)) this.out.push(`${at}: port [LSN]`);
      const certs = arr(l.spec.certificates);
      if (l.spec.protocol === 'HTTPS') {
        if (certs.length < 1) this.out.push(`${at}: an HTTPS listener needs a certificate [LSN]`);
        if (!/^ELBSecurityPolicy-[A-Za-z0-9-]+$/.test(str(l.spec.sslPolicy))) this.out.push(`${at}: SSL policy ${JSON.stringify(l.spec.sslPolicy)} is no predefined policy [LSN]`);
        const arns = certs.filter((c) => !isUnknownValue(c)).map(str);
        for (const c of arns.filter((a) => !/^arn:[\w-]+:(acm:[\w-]+:\d*:certificate\/|iam::\d*:server-certificate\/)\S+$/.test(a))) this.out.push(`${at}: certificate ${JSON.stringify(c)} [LSN]`);
        extraCerts += Math.max(0, certs.length - 1);
      } else if (l.spec.protocol === 'HTTP') {
        if (certs.length > 0 || l.spec.sslPolicy !== undefined) this.out.push(`${at}: certificates or a policy on HTTP [LSN]`);
      } else this.out.push(`${at}: protocol ${String(l.spec.protocol)} [LSN]`);
      for (const t of actionRules(l.spec.defaultActions, `${at} default action`, this.out)) this.forwarded.add(t);
      tagRules(l.spec.tags, at, this.out);
    }
    if (extraCerts > this.quotas.certificates) this.out.push(`stack ${this.stack}: ${extraCerts} certificates besides the defaults, quota ${this.quotas.certificates} [QUOTAS]`);
  }

  rules(): void {
    const rules = this.of('ListenerRule');
    if (rules.length > this.quotas.rules) this.out.push(`stack ${this.stack}: ${rules.length} listener rules, quota ${this.quotas.rules} [QUOTAS]`);
    const priorities = new Set<string>();
    for (const r of rules) {
      if (!int(r.spec.priority, 1, 50000)) this.out.push(`${this.at(r)}: priority [QUOTAS]`);
      const key = `${tgKey(r.spec.listener)}#${String(r.spec.priority)}`;
      if (priorities.has(key)) this.out.push(`${this.at(r)}: priority used twice on a listener`);
      priorities.add(key);
      conditionRules(r.spec.conditions, this.at(r), this.out);
      for (const t of actionRules(r.spec.actions, this.at(r), this.out)) this.forwarded.add(t);
      tagRules(r.spec.tags, this.at(r), this.out);
    }
  }

  /** after listeners() and rules(), which collect the target groups that actions name */
  targetGroups(): void {
    const tgs = this.of('TargetGroup');
    const onTheAlb = new Set([...tgs.map((t) => `ref:${t.id}`), ...this.forwarded]);
    if (onTheAlb.size > 100) this.out.push(`stack ${this.stack}: ${onTheAlb.size} target groups, AWS allows 100 per ALB [QUOTAS]`);
    for (const t of tgs) {
      const at = this.at(t);
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(str(t.spec.name))) this.out.push(`${at}: name [TG]`);
      if (!int(t.spec.port, 1, 65535)) this.out.push(`${at}: port ${String(t.spec.port)} [TG]`);
      if (!['HTTP', 'HTTPS'].includes(str(t.spec.protocol)) || !['HTTP1', 'HTTP2', 'GRPC'].includes(str(t.spec.protocolVersion))) this.out.push(`${at}: protocol [TG]`);
      if (!['instance', 'ip'].includes(str(t.spec.targetType))) this.out.push(`${at}: target type [TG]`);
      healthCheckRules(t.spec.healthCheck, str(t.spec.protocolVersion), at, this.out);
      attributeRules(t.spec.attributes, TG_ATTRIBUTES, at, '[TGATTR]', this.out);
      tagRules(t.spec.tags, at, this.out);
    }
  }

  securityGroups(): void {
    for (const g of this.of('SecurityGroup')) {
      const at = this.at(g);
      if (str(g.spec.groupName).length < 1 || str(g.spec.groupName).length > 255 || str(g.spec.description).length > 255) this.out.push(`${at}: name or description [EC2SG]`);
      let v4 = 0;
      let v6 = 0;
      for (const rule of arr(g.spec.ingress).filter(isObj)) {
        const from = rule.fromPort;
        if (!int(from, 0, 65535) || !int(rule.toPort, 0, 65535) || (from as number) > (rule.toPort as number)) this.out.push(`${at}: ports of ${JSON.stringify(rule)} [EC2SG]`);
        const sources = [[rule.cidrIpv4, 4], [rule.cidrIpv6, 6]] as const;
        for (const [value, version] of sources.filter(([v]) => v !== undefined)) {
          if (version === 4) v4++; else v6++;
          if (cidr(str(value)) !== version) this.out.push(`${at}: ${JSON.stringify(value)} is no IPv${version} CIDR [EC2SG]`);
        }
        // a prefix list counts as its maximum size, unknown here: at least one rule
        if (rule.prefixListId === undefined) continue;
        v4++;
        if (!/^pl-[0-9a-f]+$/.test(str(rule.prefixListId))) this.out.push(`${at}: prefix list ${JSON.stringify(rule.prefixListId)} [EC2SG]`);
      }
      if (v4 > this.quotas.inboundRules || v6 > this.quotas.inboundRules) this.out.push(`${at}: ${v4} IPv4 and ${v6} IPv6 inbound rules, quota ${this.quotas.inboundRules} each [VPC]`);
      tagRules(g.spec.tags, at, this.out);
    }
  }
}

/** Every AWS rule the plans in `doc` break; empty when AWS would take them all. */
export function awsRuleViolations(doc: unknown, quotas: AccountQuotas = DEFAULT_ACCOUNT): string[] {
  const out: string[] = [];
  for (const plan of arr(isObj(doc) ? doc.plans : undefined).filter(isObj)) {
    const check = new StackCheck(str(plan.stackId), desiredOf(plan), quotas, out);
    check.loadBalancers();
    check.listeners();
    check.rules();
    check.targetGroups();
    check.securityGroups();
  }
  return out;
}
