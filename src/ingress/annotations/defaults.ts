// Upstream's defaults, applied by the builder after group merging (an Exclusive value conflicts only
// between members that set it, so "not set" must stay distinguishable from "set to the default").
import { AUTHENTICATE_DEFAULTS, type IpAddressType, type ProtocolVersion } from '../../model/index.ts';

export const DEFAULTS = {
  // scheme, SSL policy and target type default to the controller's flags (BuildConfig), not to constants here
  ipAddressType: 'ipv4' as IpAddressType,
  groupOrder: 0,
  /** listen-ports when no certificate is configured ... */
  listenPortsHttp: [{ protocol: 'HTTP', port: 80 }] as readonly { readonly protocol: 'HTTP' | 'HTTPS'; readonly port: number }[],
  /** ... and when certificate-arn is set */
  listenPortsHttps: [{ protocol: 'HTTPS', port: 443 }] as readonly { readonly protocol: 'HTTP' | 'HTTPS'; readonly port: number }[],
  backendProtocol: 'HTTP' as 'HTTP' | 'HTTPS',
  backendProtocolVersion: 'HTTP1' as ProtocolVersion,
  healthcheckPort: 'traffic-port',
  // healthcheck-protocol has no fixed default: it follows the target group's protocol (backend-protocol)
  healthcheckPath: '/',
  healthcheckPathGrpc: '/AWS.ALB/healthcheck',
  healthcheckIntervalSeconds: 15,
  healthcheckTimeoutSeconds: 5,
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  successCodes: '200',
  successCodesGrpc: '12',
  authScope: AUTHENTICATE_DEFAULTS.scope,
  authSessionCookie: AUTHENTICATE_DEFAULTS.sessionCookieName,
  authSessionTimeout: AUTHENTICATE_DEFAULTS.sessionTimeout,
  authOnUnauthenticatedRequest: AUTHENTICATE_DEFAULTS.onUnauthenticatedRequest,
} as const;
