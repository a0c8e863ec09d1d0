// The builder's inputs and outputs, and small helpers over Kubernetes objects.
// Kubernetes types are imported as types only: the builder never talks to the API server.
import type { V1Ingress, V1IngressClass, V1Namespace, V1Service } from '@kubernetes/client-node';
import type { IngressClassParamsSpec, Issue, Note, ObjectRef, OidcSecretInfo, Scheme, Stack, TargetType } from '../model/index.ts';
import { type FeatureGateName, gateKey } from '../model/upstream-keys.ts';
import type { AnnotatedObject } from './annotations/index.ts';
import type { AwsQuotas } from './aws-limits.ts';

export interface IngressClassParamsObject {
  readonly metadata: { readonly name: string };
  readonly spec: IngressClassParamsSpec;
}

/** Everything the builder reads from Kubernetes, as plain data. */
export interface Snapshot {
  readonly ingresses: readonly V1Ingress[];
  readonly ingressClasses: readonly V1IngressClass[];
  readonly ingressClassParams: readonly IngressClassParamsObject[];
  readonly services: readonly V1Service[];
  /** namespace labels, for IngressClassParams.spec.namespaceSelector; absent = no labels known */
  readonly namespaces?: readonly V1Namespace[];
  /**
   * the OIDC client Secrets read so far (auth-idp-oidc secretName); a Secret not listed is not known yet, and
   * the client ID and secret of its actions are Unknown (secretsNeeded names it)
   */
  readonly oidcSecrets?: readonly OidcSecretInfo[];
}

export interface BuildConfig {
  readonly clusterName: string;
  /** --ingress-class: the value the legacy `kubernetes.io/ingress.class` annotation must have (default "alb") */
  readonly ingressClass: string;
  readonly defaultScheme: Scheme;
  readonly defaultTargetType: TargetType;
  readonly defaultSslPolicy: string;
  readonly defaultTags: Readonly<Record<string, string>>;
  /**
   * --enable-backend-security-group (default true): load balancers whose security groups the controller manages
   * also carry the cluster's shared backend group, and their bindings open the targets to that group
   */
  readonly enableBackendSecurityGroup?: boolean;
  /**
   * --enable-manage-backend-security-group-rules (default false): with user-given security-groups, still attach the
   * backend group and manage the target rules; the annotation manage-backend-security-group-rules overrides it
   */
  readonly manageBackendSecurityGroupRules?: boolean;
  /** --enable-wafv2, --enable-shield (each true when not given): off, the values they govern are refused */
  readonly addons?: { readonly wafv2?: boolean; readonly shield?: boolean };
  /** --feature-gates; a gate not given has upstream's default */
  readonly featureGates?: Readonly<Partial<Record<FeatureGateName, boolean>>>;
  /** --disable-ingress-group-name-annotation: new uses of `group.name` are refused (members deployed already keep working) */
  readonly disableIngressGroupNameAnnotation?: boolean;
  /** --disable-ingress-class-annotation: new uses of `kubernetes.io/ingress.class` are refused (likewise) */
  readonly disableIngressClassAnnotation?: boolean;
  /** quotas of the account that AWS lets raise (--max-rules-per-load-balancer, …); absent: AWS's defaults */
  readonly quotas?: AwsQuotas;
  /**
   * plan: a create-acm-cert certificate not ISSUED yet (or not requested yet) is known after issuance; the controller
   * (false) leaves its Ingress out until ACM issues it
   */
  readonly previewCertificates?: boolean;
  /** --default-pca-arn: the private CA of create-acm-cert when the Ingress sets no acm-pca-arn (upstream's DefaultPCAArn) */
  readonly defaultPcaArn?: string;
}

/**
 * What AWS shows of each group today, for telling which members are deployed already (ADR 6): the DNS name of
 * each stack's load balancer, by stack ID. The controller and `plan --live` take it from observe; offline
 * `plan` from `--observed`. Empty: no member counts as deployed.
 */
export type DeployedLoadBalancers = ReadonlyMap<string, string>;

/** A member left out because another member was in the group first and holds what it asked for (ADR 6). */
export interface Contest {
  /** the member left out ("namespace/name") */
  readonly newcomer: string;
  /** the member that keeps the value or host */
  readonly holder: string;
  /** what the newcomer asked for, e.g. `scheme "internet-facing"` or `host pay.example.com path /* on port 80` */
  readonly what: string;
}

/** a feature gate's value for this build */
export const gateOn = (config: BuildConfig, name: FeatureGateName): boolean => config.featureGates?.[name] ?? gateKey(name)?.default ?? false;

/** What happened to one IngressGroup in this build; the controller uses it for finalizers and status. */
export interface GroupOutcome {
  /** stack ID: the explicit group name, or "namespace/name" */
  readonly id: string;
  readonly explicit: boolean;
  /** finalizer the group's members carry */
  readonly finalizer: string;
  /** members planned into the stack, in group order ("namespace/name") */
  readonly members: readonly string[];
  /** active members left out because of their own Issues */
  readonly excluded: readonly string[];
  /** Ingresses that still hold this group's finalizer but are being deleted or have left the group */
  readonly inactive: readonly string[];
  /**
   * true when no stack was produced although the group has active members (every member is broken, or a
   * group-wide fact such as subnets failed): the controller must leave the group's AWS resources alone.
   */
  readonly blocked: boolean;
  /** whether the group's stack uses the cluster's shared backend security group (so it must exist, and stay) */
  readonly usesBackendSecurityGroup: boolean;
  /** members left out because another member was in the group first; the controller tells both (Events) */
  readonly contests: readonly Contest[];
}

export interface BuildResult {
  /** one per group that is not blocked; a group without active members gets an empty stack (teardown) */
  readonly stacks: readonly Stack[];
  readonly issues: readonly Issue[];
  readonly notes: readonly Note[];
  readonly groups: readonly GroupOutcome[];
}

export const ingressNamespace = (ing: V1Ingress): string => ing.metadata?.namespace || 'default';
export const ingressName = (ing: V1Ingress): string => ing.metadata?.name ?? '';
export const ingressKey = (ing: V1Ingress): string => `${ingressNamespace(ing)}/${ingressName(ing)}`;
export const ingressRef = (ing: V1Ingress): ObjectRef => ({ kind: 'Ingress', namespace: ingressNamespace(ing), name: ingressName(ing) });
export const isDeleting = (ing: V1Ingress): boolean => ing.metadata?.deletionTimestamp !== undefined && ing.metadata?.deletionTimestamp !== null;

export const annotatedIngress = (ing: V1Ingress): AnnotatedObject => ({ ref: ingressRef(ing), annotations: ing.metadata?.annotations ?? {} });
export const annotatedService = (svc: V1Service): AnnotatedObject => ({
  ref: { kind: 'Service', namespace: svc.metadata?.namespace || 'default', name: svc.metadata?.name ?? '' },
  annotations: svc.metadata?.annotations ?? {},
});

export const issue = (object: ObjectRef, field: string, code: string, reason: string): Issue => ({ object, field, code, reason });

/** Sorted, de-duplicated copy. */
export const sortedUnique = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Appends every item of `items` to `target`, one by one: `push(...items)` overflows the stack on long lists. */
export function append<T>(target: T[], items: readonly T[]): void {
  for (const x of items) target.push(x);
}

/** Copy without repeats (deep equality by JSON), first occurrence kept. */
export function dedupe<T>(xs: readonly T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
