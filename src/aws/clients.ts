// The SDK v3 clients the controller uses, each with: region, optional endpoint override, the standard
// credential chain (unless credentials are given), SDK "standard" retries (exponential backoff with jitter,
// retry quota), a client-side token bucket per API family, a per-attempt call counter, and HTTP timeouts (the
// SDK's handler has none by default, so a black-holed connection would hold a worker forever; a timed-out
// attempt is a transient error and is retried like any other).
//
// Middleware order inside one call:  retry ─► count ─► throttle ─► sign ─► send.
// Counting and throttling sit inside the retry loop, so every attempt waits for a token and is counted.
// WAFv2 and Shield are built on first use: a controller with no Ingress asking for them never
// loads or holds them (memory, ADR 16).
import { ACMClient } from '@aws-sdk/client-acm';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { ShieldClient } from '@aws-sdk/client-shield';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext, MetadataBearer, Pluggable } from '@smithy/types';
import { awsErrorCodeOf } from './errors.ts';
import { DEFAULT_THROTTLE, normalizeEndpoints, parseEndpoints, parseThrottle, type ThrottleConfig } from './flags.ts';
import { CallCounter } from './metrics.ts';
import type { ServiceKey } from './services.ts';
import { systemClock, Throttler, type Clock } from './throttle.ts';

export const DEFAULT_MAX_RETRIES = 10;
/** time to set up a TCP (and TLS) connection */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
/** time for one attempt, request sent to response read */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface HttpTimeouts {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export interface AwsClientsConfig {
  readonly region: string;
  /** the raw --aws-api-endpoints value ("elasticloadbalancing=http://127.0.0.1:5000,ec2=…"), or a map keyed by any accepted service ID */
  readonly endpoints?: string | Readonly<Record<string, string>>;
  /** retries after the first attempt (--aws-max-retries, default 10) */
  readonly maxRetries?: number;
  /** the raw --aws-api-throttle value (merged over the defaults), or a parsed config used as is */
  readonly throttle?: string | ThrottleConfig;
  /** omit to use the SDK's standard credential chain (env, profile, web identity / IRSA, Pod Identity, IMDS) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** share one counter across client sets; a fresh one otherwise */
  readonly counter?: CallCounter;
  /** for tests: time source for the token buckets */
  readonly clock?: Clock;
  /** for tests: a fixed backoff between retries in ms, instead of the SDK's jittered exponential one */
  readonly retryDelayMs?: number;
  /** for tests: replaces the HTTP handler (anything with `handle(request)`); the timeouts below then do not apply */
  readonly requestHandler?: unknown;
  /** per-attempt HTTP timeouts (5 s to connect, 30 s per request) */
  readonly timeouts?: Partial<HttpTimeouts>;
}

export interface AwsClients {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
  readonly acm: ACMClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;
  /** the WAF and Shield clients, each constructed on its first use */
  readonly addons: AddonClients;
  readonly counter: CallCounter;
  readonly throttler: Throttler;
  /** service IDs from the flags that name services this controller does not call */
  readonly ignoredServiceIds: readonly string[];
  destroy(): void;
}

/** the clients of the load balancer add-ons (WAFv2, Shield Advanced); each is built when first read */
export interface AddonClients {
  readonly wafv2: WAFV2Client;
  readonly shield: ShieldClient;
}

export function createAwsClients(cfg: AwsClientsConfig): AwsClients {
  const ep = cfg.endpoints === undefined ? { endpoints: {}, ignored: [] }
    : typeof cfg.endpoints === 'string' ? parseEndpoints(cfg.endpoints) : normalizeEndpoints(cfg.endpoints);
  const th = cfg.throttle === undefined ? { config: DEFAULT_THROTTLE, ignored: [] }
    : typeof cfg.throttle === 'string' ? parseThrottle(cfg.throttle) : { config: cfg.throttle, ignored: [] };
  const maxRetries = cfg.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError(`--aws-max-retries must be a whole number >= 0 (got ${maxRetries})`);
  const counter = cfg.counter ?? new CallCounter();
  const throttler = new Throttler(th.config, cfg.clock ?? systemClock);
  const connectionTimeout = cfg.timeouts?.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  const requestTimeout = cfg.timeouts?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  for (const [name, v] of [['connection timeout', connectionTimeout], ['request timeout', requestTimeout]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`AWS ${name} must be a positive number of ms (got ${v})`);
  }

  const base = (service: ServiceKey) => ({
    region: cfg.region,
    maxAttempts: maxRetries + 1,
    ...(cfg.retryDelayMs === undefined
      ? { retryMode: 'standard' }
      : { retryStrategy: new ConfiguredRetryStrategy(maxRetries + 1, () => cfg.retryDelayMs ?? 0) }),
    ...(ep.endpoints[service] !== undefined ? { endpoint: ep.endpoints[service] } : {}),
    ...(cfg.credentials !== undefined ? { credentials: cfg.credentials } : {}),
    // options, not an instance: the SDK builds its Node handler from them (throwOnRequestTimeout: without it a
    // breached requestTimeout only logs a warning)
    requestHandler: cfg.requestHandler !== undefined ? cfg.requestHandler as never
      : { connectionTimeout, requestTimeout, throwOnRequestTimeout: true },
  });

  const elbv2 = new ElasticLoadBalancingV2Client(base('elbv2'));
  const ec2 = new EC2Client(base('ec2'));
  const acm = new ACMClient(base('acm'));
  const tagging = new ResourceGroupsTaggingAPIClient(base('tagging'));
  elbv2.middlewareStack.use(instrumentation('elbv2', counter, throttler));
  ec2.middlewareStack.use(instrumentation('ec2', counter, throttler));
  acm.middlewareStack.use(instrumentation('acm', counter, throttler));
  tagging.middlewareStack.use(instrumentation('tagging', counter, throttler));

  const built: { destroy(): void }[] = [elbv2, ec2, acm, tagging];
  const lazy = <C extends { destroy(): void; middlewareStack: { use(p: ReturnType<typeof instrumentation>): void } }>(service: ServiceKey, make: (config: ReturnType<typeof base>) => C): () => C => {
    let client: C | undefined;
    return () => {
      if (client === undefined) {
        client = make(base(service));
        client.middlewareStack.use(instrumentation(service, counter, throttler));
        built.push(client);
      }
      return client;
    };
  };
  const wafv2 = lazy('wafv2', (c) => new WAFV2Client(c));
  const shield = lazy('shield', (c) => new ShieldClient(c));
  const addons: AddonClients = {
    get wafv2() { return wafv2(); },
    get shield() { return shield(); },
  };

  return {
    elbv2, ec2, acm, tagging, addons, counter, throttler,
    ignoredServiceIds: [...ep.ignored, ...th.ignored],
    destroy: () => { for (const c of built) c.destroy(); },
  };
}

/** "DescribeLoadBalancersCommand" → "DescribeLoadBalancers" */
export const operationName = (context: HandlerExecutionContext): string =>
  (context.commandName ?? 'Unknown').replace(/Command$/, '');

/** the counting and throttling middleware, as a plugin for any SDK v3 client */
export function instrumentation(service: ServiceKey, counter: CallCounter, throttler: Throttler): Pluggable<object, MetadataBearer> {
  return {
    applyToStack: (stack) => {
      stack.addRelativeTo(
        <Output extends MetadataBearer>(next: FinalizeHandler<object, Output>, context: HandlerExecutionContext) =>
          async (args: FinalizeHandlerArguments<object>) => {
            const operation = operationName(context);
            await throttler.acquire(service, operation);
            try {
              const result = await next(args);
              counter.record(service, operation, 'success');
              return result;
            } catch (err) {
              counter.record(service, operation, awsErrorCodeOf(err));
              throw err;
            }
          },
        { name: 'awsLbControllerInstrumentation', relation: 'after', toMiddleware: 'retryMiddleware', override: true },
      );
    },
  };
}
