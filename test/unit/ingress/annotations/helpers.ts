// Builders for annotated objects in tests.
import type { AnnotatedObject } from '../../../../src/ingress/annotations/index.ts';

export const P = 'alb.ingress.kubernetes.io/';

export const ingress = (annotations: Record<string, string>, name = 'web'): AnnotatedObject =>
  ({ ref: { kind: 'Ingress', namespace: 'shop', name }, annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [P + k, v])) });

export const service = (annotations: Record<string, string>, name = 'api'): AnnotatedObject =>
  ({ ref: { kind: 'Service', namespace: 'shop', name }, annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [P + k, v])) });

/** one row of an annotation table test */
export interface Row {
  /** key suffix after the prefix */
  readonly key: string;
  /** field of the parsed value */
  readonly field: string;
  /** what the builder uses when the annotation is absent (undefined: no default, e.g. discovery) */
  readonly default?: unknown;
  readonly valid: readonly (readonly [raw: string, value: unknown])[];
  /** the reason, or a pattern for a long one */
  readonly invalid: readonly (readonly [raw: string, reason: string | RegExp])[];
}
