// Adding and removing one finalizer with a JSON patch that first tests metadata.resourceVersion, so a change we
// have not seen is never overwritten (a merge patch would replace the whole list and could drop a finalizer
// another controller just added). On a lost race (409, or 422 from a failed test) the object is read again
// and the patch retried; a 404 means the object is gone, which is success for a removal.
import { isConflict, isInvalid, isNotFound, type JsonPatchOp, type ResourceClient } from './client.ts';
import type { KubeObject, ObjectOf, ResourceKey } from './types.ts';

export interface FinalizerOptions {
  /** attempts after the first (5) */
  readonly retries?: number;
}

export const hasFinalizer = (obj: KubeObject, finalizer: string): boolean => (obj.metadata?.finalizers ?? []).includes(finalizer);

const testVersion = (obj: KubeObject): JsonPatchOp[] =>
  obj.metadata?.resourceVersion ? [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }] : [];

function addOps(obj: KubeObject, finalizer: string): JsonPatchOp[] {
  const list = obj.metadata?.finalizers;
  return [
    ...testVersion(obj),
    list ? { op: 'add', path: '/metadata/finalizers/-', value: finalizer } : { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
  ];
}

function removeOps(obj: KubeObject, finalizer: string): JsonPatchOp[] {
  const index = (obj.metadata?.finalizers ?? []).indexOf(finalizer);
  const at = `/metadata/finalizers/${index}`;
  return [...testVersion(obj), { op: 'test', path: at, value: finalizer }, { op: 'remove', path: at }];
}

async function patchWithRetry<K extends ResourceKey>(
  client: ResourceClient<K>, obj: ObjectOf<K>, finalizer: string, want: boolean, opts: FinalizerOptions,
): Promise<ObjectOf<K> | undefined> {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  let current: ObjectOf<K> | undefined = obj;
  const attempts = 1 + (opts.retries ?? 5);
  for (let i = 0; i < attempts; i++) {
    if (!current) return undefined;
    if (hasFinalizer(current, finalizer) === want) return current;
    // the apiserver refuses new finalizers on an object being deleted
    if (want && current.metadata?.deletionTimestamp) return current;
    try {
      const ops = want ? addOps(current, finalizer) : removeOps(current, finalizer);
      return await client.jsonPatch(name, namespace, ops);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!(isConflict(err) || isInvalid(err)) || i === attempts - 1) throw err;
      current = await client.get(name, namespace);
    }
  }
  return current;
}

/** ensures the finalizer is present; returns the updated object, or undefined if the object no longer exists */
export function addFinalizer<K extends ResourceKey>(client: ResourceClient<K>, obj: ObjectOf<K>, finalizer: string, opts: FinalizerOptions = {}): Promise<ObjectOf<K> | undefined> {
  return patchWithRetry(client, obj, finalizer, true, opts);
}

/** ensures the finalizer is absent; returns the updated object, or undefined if the object is gone (deleted) */
export function removeFinalizer<K extends ResourceKey>(client: ResourceClient<K>, obj: ObjectOf<K>, finalizer: string, opts: FinalizerOptions = {}): Promise<ObjectOf<K> | undefined> {
  return patchWithRetry(client, obj, finalizer, false, opts);
}

