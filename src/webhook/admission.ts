// AdmissionReview v1 in and out: the request fields the webhooks read, and the three answers they give
// (allow, allow with a JSON patch, deny with a message).
import type { JsonPatchOp } from '../k8s/client.ts';

export interface AdmissionRequest<T> {
  uid?: string;
  kind?: { group?: string; kind?: string };
  namespace?: string;
  name?: string;
  operation?: string;
  object?: T;
  oldObject?: T;
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: string[];
    status?: { code: number; reason?: string; message: string };
  };
}

/** the request of an AdmissionReview body (an empty one when the body is not a review) */
export const requestOf = <T>(body: unknown): AdmissionRequest<T> => ((body ?? {}) as { request?: AdmissionRequest<T> }).request ?? {};

export const allow = (uid: string): AdmissionReview => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } });

export function allowPatched(uid: string, ops: readonly JsonPatchOp[]): AdmissionReview {
  if (ops.length === 0) return allow(uid);
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') } };
}

/** a denial; kubectl shows `admission webhook "<name>" denied the request: <message>` */
export const deny = (uid: string, message: string, code = 403): AdmissionReview => ({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  response: { uid, allowed: false, status: { code, reason: code === 403 ? 'Forbidden' : 'InternalError', message } },
});
