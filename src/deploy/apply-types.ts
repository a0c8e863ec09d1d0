// The shapes apply works with. The plan is typed structurally (only the fields apply reads), so the
// Plan that src/plan produces is accepted as it is, and apply stays independent of the planner's
// internals.
import type { ElasticLoadBalancingV2Client, TargetGroup as SdkTargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { AddonClients } from '../aws/clients.ts';
import type { ObservedState, ResourceKind, TargetGroupBindingSpec } from '../model/index.ts';

export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'noop';

/** One planned change. `before` is the observed spec (ARNs only); `after` the desired one (may hold Refs). */
export interface ApplyChange {
  readonly action: ChangeAction;
  readonly kind: ResourceKind;
  readonly id: string;
  /** the existing resource (update, replace, delete, noop) */
  readonly arn?: string;
  /**
   * replace only: which half this step is. A replacement appears twice and the plan orders the halves
   * (delete-first for load balancers and bindings, create-first for target groups and security groups).
   * A replace without a phase is executed whole, in that same per-kind order.
   */
  readonly phase?: 'create' | 'delete';
  readonly before?: unknown;
  readonly after?: unknown;
  readonly reason: string;
  readonly replaceFields?: readonly string[];
  readonly fields?: readonly string[];
}

export interface ApplyPlan {
  readonly formatVersion: string;
  readonly stackId: string;
  readonly changes: readonly ApplyChange[];
  /** false while the plan still holds Unknowns; apply refuses such a plan */
  readonly complete: boolean;
}

/** A TargetGroupBinding spec with every Ref resolved, as the controller writes it to the cluster. */
export type ResolvedBindingSpec = Omit<TargetGroupBindingSpec, 'targetGroupARN' | 'networking'> & {
  readonly targetGroupARN: string;
  readonly networking?: {
    readonly ingress: readonly {
      readonly from: readonly ({ readonly securityGroup: { readonly groupID: string } } | { readonly ipBlock: { readonly cidr: string } })[];
      readonly ports: readonly { readonly protocol: 'TCP' | 'UDP'; readonly port?: number | string }[];
    }[];
  };
};

/** Implemented by the controller (k8s layer); apply never talks to Kubernetes itself. */
export interface BindingWriter {
  upsert(spec: ResolvedBindingSpec): Promise<void>;
  delete(namespace: string, name: string): Promise<void>;
}

export interface ApplyLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Retry budgets for deletes that AWS refuses while a resource is still referenced. */
export interface ApplyTiming {
  /** DeleteTargetGroup while ResourceInUse (upstream: 20 s) */
  readonly targetGroupDeleteTimeoutMs?: number;
  /** DeleteSecurityGroup while DependencyViolation (upstream: 10 s) */
  readonly securityGroupDeleteTimeoutMs?: number;
  /** first back-off step; doubles up to maxBackoffMs */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export interface ApplyDeps {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
  readonly clusterName: string;
  /** --external-managed-tags: keys apply never adds or removes */
  readonly externalManagedTags?: readonly string[];
  readonly logger?: ApplyLogger;
  /** required when the plan holds TargetGroupBinding changes other than noops */
  readonly kube?: BindingWriter;
  /** the observed state the plan was made from: supplies the DNS name of an existing load balancer without a read */
  readonly observed?: ObservedState;
  readonly timing?: ApplyTiming;
  /** checked before each change: a controller shutting down stops between changes, never inside one */
  readonly signal?: AbortSignal;
  /** called after each change is applied (progress, metrics; tests use it to simulate a crash) */
  readonly onChangeApplied?: (change: ApplyChange, index: number) => void;
  /** reads an OIDC client Secret ("namespace/name"); required when the plan sends an authenticate-oidc action */
  readonly oidcClients?: OidcClientReader;
  /** WAF and Shield clients; required when the plan sets a web ACL or Shield protection */
  readonly addons?: AddonClients;
  /** delete this controller's Shield protection of a load balancer before deleting it (--enable-shield; needs addons) */
  readonly shieldOnDelete?: boolean;
  /** told of each target group this apply created, with the tags it carries: the binding admission's cache */
  readonly onTargetGroupCreated?: TargetGroupCreated;
}

/** AWS's answer to CreateTargetGroup, and the tags the call wrote */
export type TargetGroupCreated = (targetGroup: SdkTargetGroup, tags: Readonly<Record<string, string>>) => void;

/** the client of an authenticate-oidc action as its Secret holds it now, with its digest (src/k8s/oidc-secrets.ts) */
export type OidcClientReader = (secret: string) => Promise<{ readonly clientId: string; readonly clientSecret: string; readonly digest: string }>;

export interface ApplyFailure {
  /** resource key, "Kind/id" */
  readonly resource: string;
  readonly action: ChangeAction;
  readonly code: string;
  readonly message: string;
  readonly cause?: unknown;
}

export interface ApplyResult {
  /** ARN (group ID for security groups) of every resource the plan names that exists after apply */
  readonly arns: Map<string, string>;
  /** the load balancer's DNS name, lower-cased, when the stack has one */
  readonly dnsName?: string;
  /** an Ingress stack's frontend NLB's DNS name, lower-cased, when it has one */
  readonly frontendNlbDnsName?: string;
  /** changes applied (noops excluded) */
  readonly applied: number;
  /** set when apply stopped early: the first failure; later changes were not attempted */
  readonly errors?: readonly ApplyFailure[];
  /** what was skipped without failing (a Shield protection without a readable active subscription) */
  readonly warnings?: readonly string[];
}

/** Apply's one error class: a closed code, the resource it concerns, and the cause. */
export type ApplyErrorCode =
  | 'IncompletePlan' // the plan holds Unknowns
  | 'UnresolvedRef' // a Ref names a resource the plan has not produced (yet)
  | 'NotOwned' // the resource lacks this cluster's (or this stack's) tags
  | 'AdoptionConflict' // a same-named resource exists with settings that cannot be adopted
  | 'ImmutableField' // an update asks for a change AWS can only make by replacement
  | 'Timeout' // a retried delete ran out of time
  | 'MissingBindingWriter'
  | 'PriorityConflict' // a rule move or create onto a priority another rule holds (the plan orders moves so this cannot happen)
  | 'OidcSecretUnavailable' // an authenticate-oidc action's client Secret cannot be read when the action is sent
  | 'InvalidChange' // a change lacks what its action needs (arn, before, after)
  | 'Aborted'
  | 'AwsError';

export class ApplyError extends Error {
  readonly code: ApplyErrorCode;
  readonly resource?: string;
  constructor(code: ApplyErrorCode, message: string, options?: { resource?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApplyError';
    this.code = code;
    this.resource = options?.resource;
  }
}
