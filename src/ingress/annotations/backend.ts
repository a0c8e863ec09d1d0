// Target-group annotations. Each key is read from the Service when the Service has it, else from
// the Ingress (upstream merges the two maps per key, Service first), so one Ingress can reach
// Services with different health checks.
import type { Issue } from '../../model/index.ts';
import { DEFAULTS, type AnnotatedObject, type BackendAnnotations, type Parsed } from './index.ts';
import { targetGroupAttributeProblem, targetGroupAttributesProblem } from './attributes.ts';
import { unsupportedAnnotations } from './unsupported.ts';
import { bool, fail, has, int32, issue, matching, ok, oneOf, port, readTable, refine, show, stringMap, tags, type Shape, type Table } from './values.ts';

/** an IANA service name, as a Service port name must be */
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

const healthcheckPort: Shape<string> = (raw) => {
  if (raw === 'traffic-port' || PORT_NAME.test(raw)) return ok(raw);
  const n = port(raw);
  return n.ok ? ok(String(n.value)) : fail(`expected traffic-port, a port in [1, 65535] or a Service port name, got ${show(raw)}`);
};

/** `200`, `200,201`, `200-299`: the range limits depend on the protocol version, checked below */
const CODES = /^\d{1,3}(-\d{1,3})?(,\d{1,3}(-\d{1,3})?)*$/;
const successCodes = matching(CODES, 'codes such as 200, 200,202 or 200-299', 200);

function successCodesReason(codes: string, grpc: boolean): string | undefined {
  const [min, max] = grpc ? [0, 99] : [200, 499];
  const fine = codes.split(',').every((part) => {
    const [lo, hi = lo] = part.split('-').map(Number) as [number, number?];
    return lo >= min && hi <= max && lo <= hi;
  });
  if (fine) return undefined;
  return grpc
    ? `expected gRPC codes in [0, 99] such as 12, 0,12 or 0-99 (backend-protocol-version is GRPC), got ${show(codes)}`
    : `expected HTTP codes in [200, 499] such as 200, 200,202 or 200-299, got ${show(codes)}`;
}

export const BACKEND_TABLE: Table<BackendAnnotations> = {
  targetType: ['target-type', oneOf(['instance', 'ip'] as const)],
  backendProtocol: ['backend-protocol', oneOf(['HTTP', 'HTTPS'] as const)],
  backendProtocolVersion: ['backend-protocol-version', oneOf(['HTTP1', 'HTTP2', 'GRPC'] as const)],
  healthcheckPort: ['healthcheck-port', healthcheckPort],
  healthcheckProtocol: ['healthcheck-protocol', oneOf(['HTTP', 'HTTPS'] as const)],
  healthcheckPath: ['healthcheck-path', matching(/^\/\S*$/, 'a path starting with "/", without spaces, at most 1024 characters', 1024)],
  healthcheckIntervalSeconds: ['healthcheck-interval-seconds', int32(5, 300)],
  healthcheckTimeoutSeconds: ['healthcheck-timeout-seconds', int32(2, 120)],
  healthyThresholdCount: ['healthy-threshold-count', int32(2, 10)],
  unhealthyThresholdCount: ['unhealthy-threshold-count', int32(2, 10)],
  successCodes: ['success-codes', successCodes],
  targetGroupAttributes: ['target-group-attributes', refine(stringMap(targetGroupAttributeProblem), targetGroupAttributesProblem)],
  targetNodeLabels: ['target-node-labels', stringMap()],
  multiClusterTargetGroup: ['multi-cluster-target-group', bool],
  tags: ['tags', tags],
};

/**
 * The target-group annotations of a backend, each from the Service when it has the key, else from the Ingress;
 * also the Service's refused annotations (auth-*, …), which upstream reads from the Service too.
 */
export function parseBackendAnnotations(ing: AnnotatedObject, svc: AnnotatedObject | undefined): Parsed<BackendAnnotations> {
  const { value, issues, from } = readTable(BACKEND_TABLE, (key) => (has(svc, key) ? svc : has(ing, key) ? ing : undefined));
  const more: Issue[] = svc ? unsupportedAnnotations(svc, true) : [];

  // success codes mean gRPC status codes once the target group speaks gRPC
  if (value.successCodes !== undefined && from.successCodes !== undefined) {
    const reason = successCodesReason(value.successCodes, value.backendProtocolVersion === 'GRPC');
    if (reason !== undefined) {
      more.push(issue(from.successCodes.ref, 'success-codes', reason));
      delete value.successCodes;
    }
  }

  // AWS refuses a health check whose timeout is not shorter than its interval
  const interval = value.healthcheckIntervalSeconds ?? DEFAULTS.healthcheckIntervalSeconds;
  const timeout = value.healthcheckTimeoutSeconds ?? DEFAULTS.healthcheckTimeoutSeconds;
  const culprit = from.healthcheckTimeoutSeconds ?? from.healthcheckIntervalSeconds;
  if (timeout >= interval && culprit !== undefined) {
    const suffix = from.healthcheckTimeoutSeconds ? 'healthcheck-timeout-seconds' : 'healthcheck-interval-seconds';
    more.push(issue(culprit.ref, suffix, `the health check timeout (${timeout}s) must be shorter than the interval (${interval}s)`));
  }
  return { value, issues: [...issues, ...more] };
}
