// Kubernetes objects as they travel over the wire (plain JSON), and the resource types the controller uses.
// client-node's model classes type date-time fields as Date because its own deserializer converts them; we
// speak raw JSON, so Wire<T> turns those fields back into the RFC 3339 strings they really are.
import type {
  CoreV1Event, V1EndpointSlice, V1Ingress, V1IngressClass, V1ConfigMap, V1Lease, V1Namespace, V1Secret, V1Node, V1ObjectMeta, V1Pod, V1Service,
} from '@kubernetes/client-node';
import type { IngressClassParamsSpec } from '../model/k8s.ts';

export type Wire<T> = T extends Date ? string
  : T extends (infer U)[] ? Wire<U>[]
  : T extends object ? { [K in keyof T]: Wire<T[K]> }
  : T;

export type ObjectMeta = Wire<V1ObjectMeta>;

/** the part of every object this layer relies on */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export type Ingress = Wire<V1Ingress>;
export type IngressClass = Wire<V1IngressClass>;
export type Service = Wire<V1Service>;
export type EndpointSlice = Wire<V1EndpointSlice>;
export type Pod = Wire<V1Pod>;
export type Node = Wire<V1Node>;
export type Namespace = Wire<V1Namespace>;
export type Lease = Wire<V1Lease>;
/** only the multi-cluster target tracking of a binding, upstream's aws-lbc-targets-<binding> (ADR 0020) */
export type ConfigMap = Wire<V1ConfigMap>;
/** read only for auth-idp-oidc client Secrets, one GET by name (ADR 0014) */
export type Secret = Wire<V1Secret>;
export type CoreEvent = Wire<CoreV1Event>;

/** elbv2.k8s.aws/v1beta1 IngressClassParams (cluster-scoped) */
export interface IngressClassParams extends KubeObject {
  spec?: IngressClassParamsSpec;
}

/** elbv2.k8s.aws/v1beta1 TargetGroupBinding spec, with upstream's field names */
export interface TargetGroupBindingWireSpec {
  targetGroupARN?: string;
  targetGroupName?: string;
  targetType?: 'instance' | 'ip';
  serviceRef: { name: string; port: number | string };
  nodeSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  ipAddressType?: 'ipv4' | 'ipv6';
  vpcID?: string;
  /** the target group's protocol (upstream sets it on Service bindings) */
  targetGroupProtocol?: string;
  multiClusterTargetGroup?: boolean;
  iamRoleArnToAssume?: string;
  assumeRoleExternalId?: string;
  networking?: {
    ingress?: {
      from?: ({ securityGroup: { groupID: string } } | { ipBlock: { cidr: string } })[];
      ports?: { protocol?: 'TCP' | 'UDP'; port?: number | string }[];
    }[];
  };
}

/** a status condition (metav1.Condition) */
export interface BindingCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface TargetGroupBindingStatus {
  observedGeneration?: number;
  /** the target group this controller registers the binding's targets in, recorded before the first registration */
  targetGroupARN?: string;
  conditions?: BindingCondition[];
}

/** elbv2.k8s.aws/v1beta1 TargetGroupBinding (namespaced) */
export interface TargetGroupBinding extends KubeObject {
  spec: TargetGroupBindingWireSpec;
  status?: TargetGroupBindingStatus;
}

/** where a kind lives in the API */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const rt = (group: string, version: string, plural: string, kind: string, namespaced: boolean): ResourceType =>
  Object.freeze({ group, version, plural, kind, namespaced });

/** the object type of each resource the controller reads or writes, by resource key */
export interface ResourceObjects {
  ingress: Ingress;
  ingressClass: IngressClass;
  ingressClassParams: IngressClassParams;
  service: Service;
  endpointSlice: EndpointSlice;
  pod: Pod;
  node: Node;
  namespace: Namespace;
  targetGroupBinding: TargetGroupBinding;
  lease: Lease;
  secret: Secret;
  configMap: ConfigMap;
  event: CoreEvent;
}

/**
 * A resource the controller talks to. Clients and informers are typed by their key (ResourceClient<'ingress'>),
 * so the RBAC test (test/unit/deploy-artifacts/rbac.test.ts) can read from the types which resource each call
 * reaches.
 */
export type ResourceKey = keyof ResourceObjects;
export type ObjectOf<K extends ResourceKey> = ResourceObjects[K];

export const RESOURCES: { readonly [K in ResourceKey]: ResourceType } = Object.freeze({
  ingress: rt('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true),
  ingressClass: rt('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false),
  ingressClassParams: rt('elbv2.k8s.aws', 'v1beta1', 'ingressclassparams', 'IngressClassParams', false),
  service: rt('', 'v1', 'services', 'Service', true),
  endpointSlice: rt('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  pod: rt('', 'v1', 'pods', 'Pod', true),
  node: rt('', 'v1', 'nodes', 'Node', false),
  namespace: rt('', 'v1', 'namespaces', 'Namespace', false),
  targetGroupBinding: rt('elbv2.k8s.aws', 'v1beta1', 'targetgroupbindings', 'TargetGroupBinding', true),
  lease: rt('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  secret: rt('', 'v1', 'secrets', 'Secret', true),
  configMap: rt('', 'v1', 'configmaps', 'ConfigMap', true),
  event: rt('', 'v1', 'events', 'Event', true),
});

export const apiVersionOf = (t: ResourceType): string => (t.group ? `${t.group}/${t.version}` : t.version);

/** the REST path of a collection (no name) or an object, optionally a subresource such as "status" */
export function resourcePath(t: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let path = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  if (t.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${t.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

/** the cache and queue key of an object: "namespace/name", or "name" when cluster-scoped */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
