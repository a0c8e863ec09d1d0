// The one door to the apiserver. Everything in k8s/ speaks through the small KubeRest interface (plain JSON in
// and out), so unit tests substitute an in-memory fake and the real one is a thin layer over client-node's
// kubeconfig and authentication over Node's HTTP (./http.ts, ADR 25). Typed per-resource handles sit on top.
// Deep imports, not the package's barrel: the barrel re-exports every generated API and model, and a bundle of
// the controller (ADR 0005) keeps only what these modules reach.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { apiserverHttp } from './http.ts';
import { RESOURCES, resourcePath, type ObjectOf, type ResourceKey, type ResourceType } from './types.ts';

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Query;
  readonly body?: unknown;
  /** defaults to application/json; patches pass a PatchStrategy */
  readonly contentType?: string;
}

export interface WatchHandle { abort(): void }

export interface KubeRest {
  /** resolves with the parsed body; rejects with KubeApiError for HTTP errors */
  request<T = unknown>(req: KubeRequest): Promise<T>;
  /**
   * opens a watch; resolves once the stream is open (or has already failed). onDone is called exactly once,
   * with null on a clean close and an error (with a numeric `status` where known) otherwise.
   */
  watch(path: string, query: Query, onEvent: (type: string, object: unknown) => void, onDone: (err: unknown) => void): Promise<WatchHandle>;
}

/** an HTTP error from the apiserver, with its Status reason (NotFound, Conflict, Expired, …) */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
  }

  static fromResponse(status: number, body: unknown): KubeApiError {
    const s = (body && typeof body === 'object' ? body : {}) as { reason?: string; message?: string };
    return new KubeApiError(status, s.reason ?? `HTTP${status}`, s.message ?? `apiserver answered HTTP ${status}`);
  }
}

/** the HTTP status of anything thrown by KubeRest or client-node (undefined for network errors) */
export function statusOf(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; code?: unknown };
  for (const v of [e.status, e.statusCode, e.code]) if (typeof v === 'number') return v;
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isGone = (err: unknown): boolean => statusOf(err) === 410;
/** a JSON-patch "test" op that failed answers 422 (Invalid) */
export const isInvalid = (err: unknown): boolean => statusOf(err) === 422;

export interface LoadKubeConfigOptions {
  /** a kubeconfig file; undefined means in-cluster service-account credentials */
  readonly kubeconfig?: string | undefined;
}

export function loadKubeConfig(opts: LoadKubeConfigOptions): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromCluster();
  if (!kc.getCurrentCluster()) throw new Error(`kubeconfig ${opts.kubeconfig ?? '(in-cluster)'} names no current cluster`);
  return kc;
}

export interface KubeRestOptions {
  /** per-request timeout for non-watch calls (30 s) */
  readonly requestTimeoutMs?: number;
}

export function createKubeRest(kc: KubeConfig, opts: KubeRestOptions = {}): KubeRest {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig names no current cluster');
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  // a watch that brings nothing for this long is ended (the informer then watches again), as client-node's Watch did
  const http = apiserverHttp(kc, { idleTimeoutMs: timeoutMs });
  const urlOf = (path: string, query: Query | undefined): URL => {
    const url = new URL(server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  };
  return {
    async request<T>(req: KubeRequest): Promise<T> {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (req.body !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';
      const body = req.body === undefined ? undefined : JSON.stringify(req.body);
      const res = await http.send(req.method, urlOf(req.path, req.query), headers, body, AbortSignal.timeout(timeoutMs));
      let parsed: unknown = undefined;
      try { parsed = res.text ? JSON.parse(res.text) : undefined; } catch { parsed = res.text; }
      if (res.status >= 400) throw KubeApiError.fromResponse(res.status, parsed);
      return parsed as T;
    },
    watch(path, query, onEvent, onDone) {
      return http.watch(urlOf(path, { ...query, watch: true }), onEvent, onDone);
    },
  };
}

export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/**
 * Typed CRUD for one resource; get() maps 404 to undefined, everything else throws KubeApiError. K names the
 * resource (see ResourceKey), so every call's resource and RBAC verb can be read from the code: the RBAC test
 * derives the chart's rules from these calls (RBAC_VERBS below gives each method's verb).
 */
export class ResourceClient<K extends ResourceKey> {
  readonly rest: KubeRest;
  readonly key: K;
  readonly type: ResourceType;
  constructor(rest: KubeRest, key: K) {
    this.rest = rest;
    this.key = key;
    this.type = RESOURCES[key];
  }

  path(namespace?: string, name?: string, subresource?: string): string {
    return resourcePath(this.type, namespace, name, subresource);
  }

  async get(name: string, namespace?: string): Promise<ObjectOf<K> | undefined> {
    try {
      return await this.rest.request<ObjectOf<K>>({ method: 'GET', path: this.path(namespace, name) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(namespace?: string, opts: ListOptions = {}): Promise<ListResult<ObjectOf<K>>> {
    const body = await this.rest.request<{ items?: ObjectOf<K>[]; metadata?: { resourceVersion?: string } }>({
      method: 'GET', path: this.path(namespace), query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
    });
    return { items: body?.items ?? [], resourceVersion: body?.metadata?.resourceVersion ?? '' };
  }

  create(obj: ObjectOf<K>, namespace?: string): Promise<ObjectOf<K>> {
    return this.rest.request<ObjectOf<K>>({ method: 'POST', path: this.path(namespace ?? obj.metadata?.namespace), body: obj });
  }

  /** PUT; the object's metadata.resourceVersion makes it a compare-and-swap */
  replace(obj: ObjectOf<K>, subresource?: string): Promise<ObjectOf<K>> {
    return this.rest.request<ObjectOf<K>>({ method: 'PUT', path: this.path(obj.metadata?.namespace, obj.metadata?.name, subresource), body: obj });
  }

  mergePatch(name: string, namespace: string | undefined, patch: unknown, subresource?: string): Promise<ObjectOf<K>> {
    return this.rest.request<ObjectOf<K>>({ method: 'PATCH', path: this.path(namespace, name, subresource), body: patch, contentType: PatchStrategy.MergePatch });
  }

  /** built-in kinds only: lists with a merge key (pod conditions by type) are merged, not replaced */
  strategicPatch(name: string, namespace: string | undefined, patch: unknown, subresource?: string): Promise<ObjectOf<K>> {
    return this.rest.request<ObjectOf<K>>({ method: 'PATCH', path: this.path(namespace, name, subresource), body: patch, contentType: PatchStrategy.StrategicMergePatch });
  }

  jsonPatch(name: string, namespace: string | undefined, ops: readonly JsonPatchOp[], subresource?: string): Promise<ObjectOf<K>> {
    return this.rest.request<ObjectOf<K>>({ method: 'PATCH', path: this.path(namespace, name, subresource), body: ops, contentType: PatchStrategy.JsonPatch });
  }

  async delete(name: string, namespace?: string): Promise<void> {
    await this.rest.request({ method: 'DELETE', path: this.path(namespace, name) });
  }
}

/** the Kubernetes RBAC verbs the controller can use */
export type RbacVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** the methods of ResourceClient that send a request */
export type RequestMethod = Exclude<keyof ResourceClient<ResourceKey>, 'rest' | 'key' | 'type' | 'path'>;

/** the RBAC verb each request method needs; a method added to ResourceClient must be added here (the type says so) */
export const RBAC_VERBS: { readonly [M in RequestMethod]: RbacVerb } = Object.freeze({
  get: 'get',
  list: 'list',
  create: 'create',
  replace: 'update',
  mergePatch: 'patch',
  strategicPatch: 'patch',
  jsonPatch: 'patch',
  delete: 'delete',
});

export type JsonPatchOp =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** RFC 6901 escaping of one JSON-pointer segment */
export const pointerSegment = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

export interface KubeClients {
  readonly kubeConfig: KubeConfig | undefined;
  readonly rest: KubeRest;
  readonly ingresses: ResourceClient<'ingress'>;
  readonly ingressClasses: ResourceClient<'ingressClass'>;
  readonly ingressClassParams: ResourceClient<'ingressClassParams'>;
  readonly services: ResourceClient<'service'>;
  readonly endpointSlices: ResourceClient<'endpointSlice'>;
  readonly pods: ResourceClient<'pod'>;
  readonly nodes: ResourceClient<'node'>;
  readonly targetGroupBindings: ResourceClient<'targetGroupBinding'>;
  readonly leases: ResourceClient<'lease'>;
  readonly secrets: ResourceClient<'secret'>;
  readonly configMaps: ResourceClient<'configMap'>;
  readonly events: ResourceClient<'event'>;
}

/** typed handles over any KubeRest (the real one or a test fake) */
export function kubeClientsFor(rest: KubeRest, kubeConfig?: KubeConfig): KubeClients {
  return Object.freeze({
    kubeConfig,
    rest,
    ingresses: new ResourceClient(rest, 'ingress'),
    ingressClasses: new ResourceClient(rest, 'ingressClass'),
    ingressClassParams: new ResourceClient(rest, 'ingressClassParams'),
    services: new ResourceClient(rest, 'service'),
    endpointSlices: new ResourceClient(rest, 'endpointSlice'),
    pods: new ResourceClient(rest, 'pod'),
    nodes: new ResourceClient(rest, 'node'),
    targetGroupBindings: new ResourceClient(rest, 'targetGroupBinding'),
    leases: new ResourceClient(rest, 'lease'),
    secrets: new ResourceClient(rest, 'secret'),
    configMaps: new ResourceClient(rest, 'configMap'),
    events: new ResourceClient(rest, 'event'),
  });
}

/** loads the kubeconfig (file or in-cluster) and returns typed handles */
export function createKubeClients(opts: LoadKubeConfigOptions & KubeRestOptions): KubeClients {
  const kc = loadKubeConfig(opts);
  return kubeClientsFor(createKubeRest(kc, opts), kc);
}
