// Parsers for upstream's AWS flags. Each error names the flag, the offending entry and what was expected.
//
//   --aws-api-endpoints  serviceID=URL,serviceID=URL
//   --aws-api-throttle   serviceID:operationRegex=rate:burst,…   (rate in calls per second, burst an integer)
//
// Throttle entries for a service replace that service's built-in defaults (as upstream); services not
// named keep theirs. Operation patterns are unanchored regular expressions, as upstream's Go regexps are.
import { acceptedServiceIds, lookupService, type ServiceKey } from './services.ts';

export class FlagError extends Error {
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`--${flag}: ${message}`);
    this.name = 'FlagError';
    this.flag = flag;
  }
}

export interface ParsedEndpoints {
  readonly endpoints: Partial<Record<ServiceKey, string>>;
  /** service IDs upstream knows but this controller does not call; reported so the caller can log them */
  readonly ignored: readonly string[];
}

const ENDPOINTS = 'aws-api-endpoints';
const THROTTLE = 'aws-api-throttle';

const entries = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

export function parseEndpoints(value: string): ParsedEndpoints {
  const endpoints: Partial<Record<ServiceKey, string>> = {};
  const ignored: string[] = [];
  for (const entry of entries(value)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new FlagError(ENDPOINTS, `"${entry}" must be formatted as serviceID=URL`);
    const id = entry.slice(0, eq).trim();
    const url = entry.slice(eq + 1).trim();
    const svc = lookupService(id);
    if (svc.kind === 'unknown') throw new FlagError(ENDPOINTS, `unknown service ID "${id}" in "${entry}"; expected one of ${acceptedServiceIds()}`);
    checkUrl(url, entry);
    if (svc.kind === 'unused') {
      ignored.push(id);
      continue;
    }
    if (endpoints[svc.key] !== undefined) throw new FlagError(ENDPOINTS, `service "${id}" is given more than once`);
    endpoints[svc.key] = url;
  }
  return { endpoints, ignored };
}

function checkUrl(url: string, entry: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FlagError(ENDPOINTS, `"${url}" in "${entry}" is not a URL (expected e.g. https://elasticloadbalancing.example.com)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FlagError(ENDPOINTS, `"${url}" in "${entry}" must be an http:// or https:// URL`);
  }
}

/** normalises endpoints given as a map keyed by any accepted service ID */
export function normalizeEndpoints(map: Readonly<Record<string, string>>): ParsedEndpoints {
  return parseEndpoints(Object.entries(map).map(([k, v]) => `${k}=${v}`).join(','));
}

export interface ThrottleRule {
  readonly service: ServiceKey;
  /** the pattern as written, for messages and metrics */
  readonly pattern: string;
  readonly operation: RegExp;
  /** calls per second */
  readonly rate: number;
  readonly burst: number;
}

export type ThrottleConfig = Readonly<Partial<Record<ServiceKey, readonly ThrottleRule[]>>>;

const rule = (service: ServiceKey, pattern: string, rate: number, burst: number): ThrottleRule =>
  ({ service, pattern, operation: new RegExp(pattern), rate, burst });

/**
 * Built-in client-side limits. ELBv2 follows upstream; the others sit below AWS's documented account-level
 * refill rates (EC2 non-mutating 20/s and mutating 5/s; ACM and the tagging API a few per second).
 */
export const DEFAULT_THROTTLE: ThrottleConfig = {
  elbv2: [
    rule('elbv2', '^RegisterTargets|^DeregisterTargets', 4, 20),
    rule('elbv2', '^Describe', 50, 200),
    rule('elbv2', '^Modify', 3, 20),
  ],
  ec2: [
    rule('ec2', '^Describe', 20, 100),
    rule('ec2', '^(Authorize|Revoke|Create|Delete)', 5, 50),
  ],
  acm: [
    rule('acm', '^ListCertificates', 5, 10),
    rule('acm', '^DescribeCertificate', 10, 20),
  ],
  tagging: [
    rule('tagging', '^GetResources', 5, 10),
  ],
  // WAFv2: upstream's defaults
  wafv2: [
    rule('wafv2', '^AssociateWebACL|DisassociateWebACL', 0.5, 1),
    rule('wafv2', '^GetWebACLForResource|ListResourcesForWebACL', 1, 1),
  ],
};

export interface ParsedThrottle {
  readonly config: ThrottleConfig;
  readonly ignored: readonly string[];
}

/** parses --aws-api-throttle and merges it over `base` (the defaults unless given) */
export function parseThrottle(value: string, base: ThrottleConfig = DEFAULT_THROTTLE): ParsedThrottle {
  const overrides: Partial<Record<ServiceKey, ThrottleRule[]>> = {};
  const ignored: string[] = [];
  for (const entry of entries(value)) {
    const eq = entry.lastIndexOf('=');
    if (eq <= 0) throw new FlagError(THROTTLE, `"${entry}" must be formatted as serviceID:operationRegex=rate:burst`);
    const left = entry.slice(0, eq);
    const right = entry.slice(eq + 1).trim();
    const colon = left.indexOf(':');
    if (colon <= 0 || colon === left.length - 1) throw new FlagError(THROTTLE, `"${left}" in "${entry}" must be formatted as serviceID:operationRegex`);
    const id = left.slice(0, colon).trim();
    const pattern = left.slice(colon + 1).trim();
    const svc = lookupService(id);
    if (svc.kind === 'unknown') throw new FlagError(THROTTLE, `unknown service ID "${id}" in "${entry}"; expected one of ${acceptedServiceIds()}`);
    let operation: RegExp;
    try {
      operation = new RegExp(pattern);
    } catch (e) {
      throw new FlagError(THROTTLE, `"${pattern}" in "${entry}" is not a valid regular expression: ${(e as Error).message}`);
    }
    const { rate, burst } = parseRateBurst(right, entry);
    if (svc.kind === 'unused') {
      ignored.push(id);
      continue;
    }
    (overrides[svc.key] ??= []).push({ service: svc.key, pattern, operation, rate, burst });
  }
  return { config: { ...base, ...overrides }, ignored };
}

function parseRateBurst(text: string, entry: string): { rate: number; burst: number } {
  const parts = text.split(':');
  if (parts.length !== 2) throw new FlagError(THROTTLE, `"${text}" in "${entry}" must be formatted as rate:burst`);
  const [r = '', b = ''] = parts.map((p) => p.trim());
  const rate = /^(\d+(\.\d*)?|\.\d+)$/.test(r) ? Number(r) : NaN;
  if (!(rate > 0)) throw new FlagError(THROTTLE, `rate "${r}" in "${entry}" must be a positive number of calls per second`);
  const burst = /^\d+$/.test(b) ? Number(b) : NaN;
  if (!(burst >= 1)) throw new FlagError(THROTTLE, `burst "${b}" in "${entry}" must be a whole number of at least 1`);
  return { rate, burst };
}

/** renders a config back into flag syntax (for logs and `--help`) */
export const formatThrottle = (config: ThrottleConfig): string =>
  Object.values(config).flatMap((rules) => rules ?? []).map((r) => `${r.service}:${r.pattern}=${r.rate}:${r.burst}`).join(',');
