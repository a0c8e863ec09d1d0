// mutual-authentication: mutual TLS per HTTPS listen port, a JSON list such as
// [{"port": 443, "mode": "verify", "trustStore": "my-store", "ignoreClientCertificateExpiry": true}].
// Upstream's rules (model_build_listener.go): a port in [1, 65535]; mode off, passthrough or verify; verify needs a
// trust store (ARN, or a name resolved with DescribeTrustStores); off and passthrough take neither a trust store nor
// ignoreClientCertificateExpiry; advertiseTrustStoreCaNames only with verify, "on" or "off". We also refuse a port
// listed twice (upstream keeps the last entry silently) and a trust store that cannot be a name or an ELB trust store
// ARN (AWS would refuse it on every reconcile).
import type { MutualAuthenticationMode } from '../../model/index.ts';
import { CAPS, capReason } from '../caps.ts';
import { array, at, expected, fault, get, json, object, optBool, optString } from './json.ts';
import type { Shape } from './values.ts';

/** one port's setting as the user wrote it; trustStore is a name or an ARN (resolved by the builder) */
export interface MutualAuthEntry {
  readonly mode: MutualAuthenticationMode;
  readonly trustStore?: string;
  readonly ignoreClientCertificateExpiry?: boolean;
  readonly advertiseTrustStoreCaNames?: 'on' | 'off';
}

const EXAMPLE = '[{"port": 443, "mode": "verify", "trustStore": "my-trust-store"}]';
const MODES: readonly MutualAuthenticationMode[] = ['off', 'passthrough', 'verify'];

/** ELBv2 trust store names: 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen */
const TRUST_STORE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const TRUST_STORE_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:truststore\/[A-Za-z0-9-]{1,32}\/[A-Za-z0-9]{1,64}$/;
/** a trust store given by ARN, as upstream tells them apart: anything else is a name */
export const isTrustStoreArn = (s: string): boolean => s.startsWith('arn:');

/** what a trust store value that is neither a valid name nor a valid ARN should have been; undefined when it is one */
function trustStoreProblem(s: string): string | undefined {
  if (isTrustStoreArn(s)) return TRUST_STORE_ARN.test(s) ? undefined : 'a trust store ARN (arn:aws:elasticloadbalancing:<region>:<12-digit account>:truststore/<name>/<id>)';
  return TRUST_STORE_NAME.test(s) ? undefined : 'a trust store name (1 to 32 letters, digits and hyphens, not starting or ending with a hyphen) or ARN';
}

function entryOf(item: unknown, path: string): [number, MutualAuthEntry] {
  const o = object(item, path, `an object such as ${EXAMPLE.slice(1, -1)}`);
  const port = get(o, 'port');
  // Go decodes "port" into an int32: absent is 0, which upstream's range check refuses
  if (!(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)) expected(at(path, 'port'), 'a port in [1, 65535]', port);
  const rawMode = optString(o, 'mode');
  if (rawMode === undefined || rawMode === '') fault(at(path, 'mode'), 'is required: off, passthrough or verify');
  if (!(MODES as readonly string[]).includes(rawMode)) expected(at(path, 'mode'), 'off, passthrough or verify', rawMode);
  const mode = rawMode as MutualAuthenticationMode;
  // Go's ToString: an empty trustStore is no trust store
  const trustStore = optString(o, 'trustStore') || undefined;
  const ignore = optBool(o, 'ignoreClientCertificateExpiry');
  const advertise = optString(o, 'advertiseTrustStoreCaNames');
  if (mode === 'verify') {
    if (trustStore === undefined) fault(at(path, 'trustStore'), `is required for port ${port} in mode verify`);
    const problem = trustStoreProblem(trustStore);
    if (problem !== undefined) expected(at(path, 'trustStore'), problem, trustStore);
    if (advertise !== undefined && advertise !== 'on' && advertise !== 'off') expected(at(path, 'advertiseTrustStoreCaNames'), '"on" or "off"', advertise);
    return [port, {
      mode, trustStore, ignoreClientCertificateExpiry: ignore ?? false, advertiseTrustStoreCaNames: (advertise ?? 'off') as 'on' | 'off',
    }];
  }
  if (trustStore !== undefined) fault(at(path, 'trustStore'), `is not allowed in mode ${mode} (only verify checks client certificates against a trust store)`);
  if (ignore !== undefined) fault(at(path, 'ignoreClientCertificateExpiry'), `is not allowed in mode ${mode} (only verify)`);
  if (advertise !== undefined) fault(at(path, 'advertiseTrustStoreCaNames'), `is not allowed in mode ${mode} (only verify)`);
  return [port, { mode }];
}

/** the annotation's entries by port; an empty list is refused, as upstream does */
export const mutualAuthentication: Shape<Record<number, MutualAuthEntry>> = json((v) => {
  const items = array(v, '', `a JSON array such as ${EXAMPLE}`);
  if (items.length === 0) fault('', `expected at least one entry, such as ${EXAMPLE}`);
  if (items.length > CAPS.listeners.max) fault('', capReason(`${items.length} entries`, 'entries (one per listen port)', CAPS.listeners));
  const out: Record<number, MutualAuthEntry> = {};
  items.forEach((item, i) => {
    const [port, entry] = entryOf(item, at('', i));
    if (Object.hasOwn(out, port)) fault(at(at('', i), 'port'), `port ${port} is listed twice; give each HTTPS port one entry`);
    out[port] = entry;
  });
  return out;
});
