// plan/: pure. (desired Stack, observed state) → Plan, and its renderings.
export { planStack, planStackSteps, emptyStack } from './plan-stack.ts';
export { renderText, renderLegend, summarize, hasChanges, formatValue, type TextOptions } from './render-text.ts';
export { renderJson, toJsonDocument, JSON_FORMAT_VERSION, type JsonExtras } from './render-json.ts';
export type { Change, ChangeAction, FieldDiff, ObservedBinding, Plan, PlanOptions, PlanSummary, Spec } from './types.ts';
