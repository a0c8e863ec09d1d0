// Upstream annotations this controller refuses, from the registry of upstream keys. Ignoring one would serve
// an Ingress without the authentication, firewall or routing its author asked for, so each is an Issue on the
// object that sets it instead; a value that asks for nothing (`auth-type: none`, "false") is accepted.
import type { Issue } from '../../model/index.ts';
import { annotationKey, refuses } from '../../model/upstream-keys.ts';
import type { AnnotatedObject } from './index.ts';

export const UNSUPPORTED = 'UnsupportedAnnotation';

/**
 * The refused annotations of an Ingress, or of a backend Service (`service`: only the keys upstream reads
 * from a Service count there), each as an Issue on that object.
 */
export function unsupportedAnnotations(obj: AnnotatedObject, service = false): Issue[] {
  const issues: Issue[] = [];
  for (const [key, raw] of Object.entries(obj.annotations)) {
    const k = annotationKey(key);
    if (!k || (service && k.source !== 'Service, Ingress') || !refuses(k, String(raw))) continue;
    const keep = service ? 'the Ingresses that route to this Service' : 'this Ingress';
    issues.push({
      object: obj.ref, field: key, code: UNSUPPORTED,
      reason: `${k.why}; remove it, or keep ${keep} on the upstream controller`,
    });
  }
  return issues;
}
