// Reading Kubernetes manifests for the plan command: a file, a directory (its *.yaml and *.yml, sorted, not
// recursive) or stdin ("-"); multi-document YAML; `kind: List` is unwrapped. Kinds the builder does not read
// are ignored. Every problem names its file, document (1-based), and line and column where the YAML tells
// them; all problems are reported at once (ManifestError), and nothing is planned from a broken input.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Document, isAlias, isNode, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { V1Ingress, V1IngressClass, V1Namespace, V1Service } from '@kubernetes/client-node';
import type { IngressClassParamsObject, Snapshot } from '../ingress/index.ts';
import { UsageError, type Io } from './io.ts';

export interface Source {
  readonly name: string;
  readonly text: string;
}

/** The problems of one input, each naming its place; printed one per line. */
export class ManifestError extends UsageError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? (problems[0] as string) : `${problems.length} problems in the manifests:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

export async function readSources(path: string, io: Io): Promise<Source[]> {
  if (path === '-') return [{ name: '<stdin>', text: await io.readStdin() }];
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new UsageError(`cannot read ${path}: no such file or directory`);
  }
  if (!isDir) return [{ name: path, text: await readText(path) }];
  const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n)).sort();
  if (names.length === 0) throw new UsageError(`${path} holds no *.yaml or *.yml files`);
  return Promise.all(names.map(async (n) => ({ name: join(path, n), text: await readText(join(path, n)) })));
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

type K8sObject = Record<string, unknown> & { kind?: unknown };

/** the kinds the builder reads, and whether they live in a namespace */
const READ_KINDS: Readonly<Record<string, { readonly namespaced: boolean }>> = {
  Ingress: { namespaced: true }, Service: { namespaced: true },
  IngressClass: { namespaced: false }, IngressClassParams: { namespaced: false }, Namespace: { namespaced: false },
};

/** alias expansions a document may make (the yaml package's default, stated): a "billion laughs" document stops here */
export const MAX_ALIAS_COUNT = 100;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every object of the manifests, `kind: List` unwrapped; throws ManifestError listing every problem. */
export function parseObjects(sources: readonly Source[]): K8sObject[] {
  const out: K8sObject[] = [];
  const problems: string[] = [];
  /** where each object was given: "file: document 2: items[3] (line 9, column 5)" */
  const seen = new Map<string, string>();
  for (const s of sources) {
    const lines = new LineCounter();
    let docs: Document.Parsed[];
    try {
      docs = parseAllDocuments(s.text, { lineCounter: lines, logLevel: 'error' }) as Document.Parsed[];
    } catch (e) {
      problems.push(`${s.name}: cannot be parsed as YAML: ${(e as Error).message.split('\n', 1)[0]}`);
      continue;
    }
    // an empty stream gives an empty list; a single broken one can come back as one EmptyStream-like value
    for (const [i, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
      const where = (node?: unknown, path = ''): string => placeOf(s.name, i, lines, node, path);
      const value = documentValue(doc, where, problems);
      if (value === undefined || value === null) continue;
      if (!isObject(value)) { problems.push(`${where(doc.contents)}: expected a Kubernetes object (a mapping), got ${describe(value)}`); continue; }
      if (value['kind'] !== 'List') {
        accept(value, where(doc.contents), problems, seen, out);
        continue;
      }
      const items = value['items'];
      if (!Array.isArray(items)) { problems.push(`${where(doc.getIn(['items'], true) ?? doc.contents, 'items')}: a List needs an array of objects, got ${describe(items)}`); continue; }
      items.forEach((item, j) => {
        const at = where(doc.getIn(['items', j], true), `items[${j}]`);
        if (!isObject(item)) problems.push(`${at}: expected a Kubernetes object (a mapping), got ${describe(item)}`);
        else if (item['kind'] === 'List') problems.push(`${at}: a List inside a List is not read`);
        else accept(item, at, problems, seen, out);
      });
    }
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return out;
}

/** the document as plain data, or undefined after recording why it cannot be read */
function documentValue(doc: Document.Parsed, where: (node?: unknown) => string, problems: string[]): unknown {
  const first = doc.errors[0];
  if (first) {
    const message = first.message.split('\n', 1)[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
    problems.push(`${placeAt(where(), first.linePos?.[0])}: ${message}`);
    return undefined;
  }
  const aliasProblem = checkAliases(doc, where);
  if (aliasProblem) {
    problems.push(aliasProblem);
    return undefined;
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const reason = /alias count/i.test((e as Error).message)
      ? `its aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} expansions of an alias): refused, as a "billion laughs" document would exhaust memory`
      : `cannot be read: ${(e as Error).message.split('\n', 1)[0]}`;
    problems.push(`${where(doc.contents)}: ${reason}`);
    return undefined;
  }
}

/**
 * Aliases are checked before they are expanded: one whose anchor is not set before it in the same document
 * (anchors do not carry over between documents), and one inside the node it refers to (a value that contains
 * itself, which no Kubernetes object is). Expansions are limited by toJS (an alias bomb).
 */
function checkAliases(doc: Document.Parsed, where: (node?: unknown) => string): string | undefined {
  let problem: string | undefined;
  const anchors = new Map<string, unknown>();
  visit(doc, (_key, node, path) => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) {
        problem = `${where(node)}: alias *${node.source} refers to no anchor &${node.source} set before it in this document (anchors do not carry over between documents)`;
      } else if (path.includes(target as never)) {
        problem = `${where(node)}: alias *${node.source} is inside the node it refers to: a value that contains itself`;
      }
      return problem ? visit.BREAK : undefined;
    }
    if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
    return undefined;
  });
  return problem;
}

/** an object of a kind the builder reads: named, not given twice */
function accept(o: K8sObject, at: string, problems: string[], seen: Map<string, string>, out: K8sObject[]): void {
  const kind = o['kind'];
  if (typeof kind !== 'string' || kind === '') {
    problems.push(`${at}: kind: expected the object's kind, such as Ingress, got ${describe(kind)}`);
    return;
  }
  const read = READ_KINDS[kind];
  if (!read) { out.push(o); return; } // not read by the builder: ignored, as documented
  const meta = o['metadata'];
  if (!isObject(meta)) { problems.push(`${at}: ${kind}: metadata: expected a mapping with a name, got ${describe(meta)}`); return; }
  const name = meta['name'];
  if (typeof name !== 'string' || name === '') { problems.push(`${at}: ${kind}: metadata.name: expected a name, got ${describe(name)}`); return; }
  const ns = meta['namespace'];
  if (ns !== undefined && ns !== null && typeof ns !== 'string') { problems.push(`${at}: ${kind} ${name}: metadata.namespace: expected a string, got ${describe(ns)}`); return; }
  const id = read.namespaced ? `${kind} ${ns || 'default'}/${name}` : `${kind} ${name}`;
  // the builder tells objects of a kind apart by namespace and name only, whatever their apiVersion
  const first = seen.get(id);
  if (first) { problems.push(`${at}: ${id} is given twice: first at ${first}`); return; }
  seen.set(id, at);
  out.push(o);
}

function placeOf(file: string, docIndex: number, lines: LineCounter, node: unknown, path: string): string {
  const base = `${file}: document ${docIndex + 1}${path ? `: ${path}` : ''}`;
  const range = isNode(node) ? node.range : undefined;
  return placeAt(base, range ? lines.linePos(range[0]) : undefined);
}

const placeAt = (base: string, pos: { line: number; col: number } | undefined): string => (pos ? `${base} (line ${pos.line}, column ${pos.col})` : base);

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  return String(v);
}

export function toSnapshot(objects: readonly K8sObject[]): Snapshot {
  const of = <T>(kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];
  return {
    ingresses: of<V1Ingress>('Ingress'),
    ingressClasses: of<V1IngressClass>('IngressClass'),
    ingressClassParams: of<IngressClassParamsObject>('IngressClassParams'),
    services: of<V1Service>('Service'),
    namespaces: of<V1Namespace>('Namespace'),
  };
}
