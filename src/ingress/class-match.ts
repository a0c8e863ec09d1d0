// Which Ingresses this controller manages, and with which IngressClassParams.
import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import type { Issue, ObjectRef } from '../model/index.ts';
import { fieldKey } from '../model/upstream-keys.ts';
import { normalizeIngress, normalizeSnapshot, usedObjectIssues } from './normalize.ts';
import { type BuildConfig, type IngressClassParamsObject, type Snapshot, ingressNamespace, ingressRef, issue } from './snapshot.ts';

export const ALB_CONTROLLER = 'ingress.k8s.aws/alb';
export const ANNOTATION_LEGACY_CLASS = 'kubernetes.io/ingress.class';
export const ANNOTATION_DEFAULT_CLASS = 'ingressclass.kubernetes.io/is-default-class';
export const PARAMS_API_GROUP = 'elbv2.k8s.aws';
export const PARAMS_KIND = 'IngressClassParams';

/**
 * - `ours: false`: another controller's Ingress (or no class that resolves to us); leave it alone.
 * - `ours: true` with issues: the Ingress names our class but the class setup is broken for it
 *   (missing IngressClassParams, namespace not selected, several default classes); it is a broken member.
 */
export type ClassMatch =
  | { readonly ours: false; readonly why: string }
  | { readonly ours: true; readonly className?: string; readonly params?: IngressClassParamsObject; readonly issues: readonly Issue[] };

const notOurs = (why: string): ClassMatch => ({ ours: false, why });

export function matchIngressClass(rawIng: V1Ingress, rawSnapshot: Snapshot, config: Pick<BuildConfig, 'ingressClass'>): ClassMatch {
  const ing = normalizeIngress(rawIng);
  if (!ing) return notOurs('not an Ingress object');
  const snapshot = normalizeSnapshot(rawSnapshot);
  const legacy = ing.metadata?.annotations?.[ANNOTATION_LEGACY_CLASS];
  if (legacy !== undefined) {
    const wanted = config.ingressClass === '' ? 'alb' : config.ingressClass;
    if (legacy !== wanted) return notOurs(`annotation ${ANNOTATION_LEGACY_CLASS}=${legacy}`);
    // the legacy annotation never bypasses IngressClassParams: an IngressClass of ours by that name applies in full;
    // without one it matches with no parameters, as upstream
    const cls = snapshot.ingressClasses.find((c) => c.metadata?.name === legacy);
    return cls?.spec?.controller === ALB_CONTROLLER ? matchClass(ing, cls, snapshot, ANNOTATION_LEGACY_CLASS) : { ours: true, issues: [] };
  }
  const className = ing.spec?.ingressClassName;
  if (className !== undefined && className !== '') {
    const cls = snapshot.ingressClasses.find((c) => c.metadata?.name === className);
    if (!cls) return notOurs(`IngressClass ${className} not found`);
    return matchClass(ing, cls, snapshot, 'spec.ingressClassName');
  }
  const defaults = snapshot.ingressClasses.filter((c) => c.metadata?.annotations?.[ANNOTATION_DEFAULT_CLASS] === 'true');
  if (defaults.length > 1) {
    if (!defaults.some((c) => c.spec?.controller === ALB_CONTROLLER)) return notOurs('several default IngressClasses, none ours');
    const names = defaults.map((c) => c.metadata?.name ?? '').sort().join(', ');
    return {
      ours: true, issues: [issue(ingressRef(ing), 'spec.ingressClassName', 'MultipleDefaultIngressClasses',
        `no ingressClassName and ${defaults.length} IngressClasses are marked default (${names}); set spec.ingressClassName`)],
    };
  }
  const [only] = defaults;
  if (only) return matchClass(ing, only, snapshot, `IngressClass ${only.metadata?.name ?? ''} (default)`);
  return config.ingressClass === '' ? { ours: true, issues: [] } : notOurs('no IngressClass');
}

function matchClass(ing: V1Ingress, cls: V1IngressClass, snapshot: Snapshot, field: string): ClassMatch {
  const className = cls.metadata?.name ?? '';
  if (cls.spec?.controller !== ALB_CONTROLLER) return notOurs(`IngressClass ${className} belongs to ${cls.spec?.controller ?? 'no controller'}`);
  const ref = ingressRef(ing);
  const broken = usedObjectIssues(ing, cls, `IngressClass(${className})`, 'InvalidIngressClass');
  if (broken.length > 0) return { ours: true, className, issues: broken };
  const p = cls.spec?.parameters;
  if (!p) return { ours: true, className, issues: [] };
  if ((p.apiGroup ?? '') !== PARAMS_API_GROUP || p.kind !== PARAMS_KIND) {
    return {
      ours: true, className, issues: [issue(ref, field, 'InvalidIngressClass',
        `IngressClass ${className} parameters must reference ${PARAMS_API_GROUP}/${PARAMS_KIND}, not ${p.apiGroup ?? 'core'}/${p.kind}`)],
    };
  }
  const params = snapshot.ingressClassParams.find((x) => x.metadata.name === p.name);
  if (!params) {
    return { ours: true, className, issues: [issue(ref, field, 'InvalidIngressClass', `IngressClassParams ${p.name} (of IngressClass ${className}) not found`)] };
  }
  const paramsBroken = usedObjectIssues(ing, params, `IngressClassParams(${p.name})`, 'InvalidIngressClassParams');
  if (paramsBroken.length > 0) return { ours: true, className, params, issues: paramsBroken };
  const sel = params.spec.namespaceSelector;
  if (sel && !selectorMatches(sel, namespaceLabels(snapshot, ingressNamespace(ing)))) {
    return {
      ours: true, className, params, issues: [issue(ref, field, 'NamespaceNotAllowed',
        `IngressClassParams ${p.name} does not allow namespace ${ingressNamespace(ing)} (namespaceSelector does not match)`)],
    };
  }
  return { ours: true, className, params, issues: unsupportedParams(ref, params) };
}

/** a value that asks for something: not an empty string, list or object (upstream's omitempty) */
const isSet = (v: unknown): boolean =>
  v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && Object.keys(v).length === 0);

/** IngressClassParams fields this controller refuses (see the registry of upstream keys), each an Issue on the Ingress */
function unsupportedParams(ref: ObjectRef, params: IngressClassParamsObject): Issue[] {
  const name = params.metadata.name;
  return Object.entries(params.spec).flatMap(([field, value]) => {
    const k = fieldKey('IngressClassParams', field);
    if (!k || k.status !== 'refused' || !isSet(value)) return [];
    return [issue(ref, `IngressClassParams(${name}).spec.${field}`, 'UnsupportedIngressClassParams',
      `IngressClassParams ${name}: spec.${field}: ${k.why}; remove it, or keep this class's Ingresses on the upstream controller`)];
  });
}

function namespaceLabels(snapshot: Snapshot, ns: string): Readonly<Record<string, string>> {
  const found = snapshot.namespaces?.find((n) => n.metadata?.name === ns);
  // Kubernetes labels every namespace with its own name; assume it when the namespace object is not at hand.
  return { 'kubernetes.io/metadata.name': ns, ...(found?.metadata?.labels ?? {}) };
}

type Selector = NonNullable<IngressClassParamsObject['spec']['namespaceSelector']>;

/** Label selector semantics: all matchLabels and all matchExpressions must hold; an empty selector matches everything. */
export function selectorMatches(sel: Selector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(value as string)) return false; break;
      case 'NotIn': if (has && values.includes(value as string)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}
