// User mistakes are values, not exceptions: each names the object, the field and the reason.
// They reach the user as an Event and a status signal on that object, and block only that object.

export interface ObjectRef {
  readonly kind: 'Ingress' | 'Service' | 'IngressClass' | 'IngressClassParams' | 'TargetGroupBinding';
  readonly namespace?: string;
  readonly name: string;
}

export interface Issue {
  readonly object: ObjectRef;
  /** the field at fault: an annotation key ("alb.ingress.kubernetes.io/scheme"), or a spec path ("spec.rules[0].http.paths[1].backend") */
  readonly field: string;
  /** a stable code for machines, e.g. "InvalidAnnotation", "ServiceNotFound", "CertificateNotFound", "ConflictingValue" */
  readonly code: string;
  /** a sentence for people */
  readonly reason: string;
}

/** A decision worth showing in the plan, e.g. which certificate was chosen for a host and why. */
export interface Note {
  readonly object: ObjectRef;
  readonly subject: string;
  readonly message: string;
}

export const objectName = (o: ObjectRef): string => (o.namespace ? `${o.kind} ${o.namespace}/${o.name}` : `${o.kind} ${o.name}`);
export const formatIssue = (i: Issue): string => `${objectName(i.object)}: ${i.field}: ${i.reason}`;
