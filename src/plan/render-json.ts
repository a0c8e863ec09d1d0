// Versioned JSON rendering (docs/plan-format.md). Plans are sorted by stack ID and object keys are sorted at
// every level; the changes of a plan keep their execution order.
import type { Issue, Note } from '../model/issues.ts';
import { objectName } from '../model/issues.ts';
import { hasChanges, summarize } from './render-text.ts';
import type { Plan } from './types.ts';
import { sortKeys } from './values.ts';

export const JSON_FORMAT_VERSION = '1';

export interface JsonExtras {
  readonly issues?: readonly Issue[];
  readonly notes?: readonly Note[];
  /** about the input as a whole, e.g. observed stacks that were not planned */
  readonly warnings?: readonly string[];
}

export function toJsonDocument(plans: readonly Plan[], extras: JsonExtras = {}): unknown {
  const byName = <T extends { object: Issue['object'] }>(a: T, b: T): number => objectName(a.object).localeCompare(objectName(b.object));
  const doc = {
    formatVersion: JSON_FORMAT_VERSION,
    // Ingress stacks first, then Service stacks, each by ID (the two may share an ID)
    plans: [...plans].sort((a, b) => (a.family ?? '').localeCompare(b.family ?? '') || a.stackId.localeCompare(b.stackId)).map((p) => ({
      ...p,
      changes: p.changes.map((c, order) => ({ order, ...c })),
      summary: summarize(p),
      hasChanges: hasChanges(p),
    })),
    issues: [...(extras.issues ?? [])].sort((a, b) => byName(a, b) || a.field.localeCompare(b.field) || a.code.localeCompare(b.code)),
    notes: [...(extras.notes ?? [])].sort((a, b) => byName(a, b) || a.subject.localeCompare(b.subject)),
    warnings: [...(extras.warnings ?? [])],
  };
  return sortKeys(doc);
}

export function renderJson(plans: readonly Plan[], extras: JsonExtras = {}): string {
  return `${JSON.stringify(toJsonDocument(plans, extras), null, 2)}\n`;
}
