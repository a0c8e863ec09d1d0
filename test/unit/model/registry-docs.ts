// The generated parts of docs/annotations.md and docs/flags.md: tables rendered from the registry of upstream
// keys, between `<!-- BEGIN GENERATED <name> -->` and `<!-- END GENERATED <name> -->`. The test compares them
// with the docs; UPDATE_GOLDEN=1 writes them.
import {
  ANNOTATION_KEYS, ANNOTATION_PREFIX, FIELD_KEYS, FLAG_KEYS, GATE_KEYS, type UpstreamKey,
} from '../../../src/model/upstream-keys.ts';

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const code = (s: string): string => `\`${s}\``;
const byKey = (a: UpstreamKey, b: UpstreamKey): number => (a.key.toLowerCase() < b.key.toLowerCase() ? -1 : a.key.toLowerCase() > b.key.toLowerCase() ? 1 : 0);

function accepted(k: UpstreamKey): string {
  const values = (k.harmless ?? []).map((h) => (h === '' ? 'empty' : code(h)));
  return values.length ? values.join(', ') : '—';
}

function status(k: UpstreamKey): string {
  if (k.status === 'implemented') return k.why ? `implemented; ${k.why}` : 'implemented';
  return `**${k.status}**: ${k.why ?? ''}`;
}

const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`), ''].join('\n');

export function renderAnnotations(): string {
  const shown = (k: UpstreamKey) => code(k.key.startsWith(ANNOTATION_PREFIX) ? k.key.slice(ANNOTATION_PREFIX.length) : k.key);
  const from = (k: UpstreamKey) => (k.source === 'Ingress' ? 'Ingress' : 'Service, then Ingress');
  return table(['Annotation', 'Read from', 'Here', 'Values accepted anyway'],
    [...ANNOTATION_KEYS].sort(byKey).map((k) => [shown(k), from(k), status(k), accepted(k)]));
}

export function renderFields(source: 'IngressClassParams' | 'TargetGroupBinding'): string {
  return table(['Field', 'Here', 'Values accepted anyway'],
    FIELD_KEYS.filter((k) => k.source === source).sort(byKey).map((k) => [code(`spec.${k.key}`), status(k), accepted(k)]));
}

export function renderFlags(): string {
  return table(['Flag', 'Here', 'Values accepted anyway'],
    [...FLAG_KEYS].sort(byKey).map((k) => [code(`--${k.key}`), k.status === 'implemented' ? 'implemented (see the tables above)' : status(k), accepted(k)]));
}

export function renderGates(): string {
  return table(['Gate', 'Upstream default', 'Accepted here', 'Behaviour here'],
    [...GATE_KEYS].sort(byKey).map((g) => [code(g.key), String(g.default), g.status === 'implemented' ? 'true, false' : `only ${g.harmless?.join(', ')}`, g.why ?? '']));
}

/** the generated sections of each doc, by marker name */
export const GENERATED: Readonly<Record<string, Readonly<Record<string, () => string>>>> = {
  'docs/annotations.md': {
    'upstream-annotations': renderAnnotations,
    'upstream-ingressclassparams': () => renderFields('IngressClassParams'),
    'upstream-targetgroupbinding': () => renderFields('TargetGroupBinding'),
  },
  'docs/flags.md': {
    'feature-gates': renderGates,
    'upstream-flags': renderFlags,
  },
};

const section = (name: string): RegExp => new RegExp(`(<!-- BEGIN GENERATED ${name} -->\\n)([\\s\\S]*?)(<!-- END GENERATED ${name} -->)`);

/** the text between the markers of `name`, or undefined when the markers are missing */
export function generatedPart(doc: string, name: string): string | undefined {
  return section(name).exec(doc)?.[2];
}

/** `doc` with the part between the markers of `name` replaced */
export function withGeneratedPart(doc: string, name: string, body: string): string {
  return doc.replace(section(name), (_m, open: string, _old: string, close: string) => `${open}${body}${close}`);
}
