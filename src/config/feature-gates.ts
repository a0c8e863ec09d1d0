// --feature-gates: upstream's gate names and defaults, from the registry of upstream keys. A gate either changes
// what this controller does (consulted where it applies), or asks for behaviour this controller does not have
// for one of its values, which is then refused at start-up naming the gate. An unknown gate name is an error,
// as upstream.
import { GATE_KEYS, type FeatureGateName, parseGoBool, refuses } from '../model/upstream-keys.ts';

export { parseGoBool, type FeatureGateName };

export type FeatureGates = Readonly<Record<FeatureGateName, boolean>>;

export const FEATURE_GATE_DEFAULTS: FeatureGates = Object.freeze(Object.fromEntries(GATE_KEYS.map((g) => [g.key, g.default])) as Record<FeatureGateName, boolean>);

export const FEATURE_GATE_NAMES: readonly FeatureGateName[] = GATE_KEYS.map((g) => g.key);

const gateOf = (name: string) => GATE_KEYS.find((g) => g.key === name);

/** "Name=bool,Name=bool" over the defaults; every bad entry is reported */
export function parseFeatureGates(text: string): { gates: FeatureGates } | { errors: string[] } {
  const gates: Record<string, boolean> = { ...FEATURE_GATE_DEFAULTS };
  const errors: string[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      errors.push(`--feature-gates: "${entry}" must be Name=true or Name=false`);
      continue;
    }
    const name = entry.slice(0, eq).trim();
    const value = parseGoBool(entry.slice(eq + 1).trim());
    const gate = gateOf(name);
    if (!gate) {
      errors.push(`--feature-gates: unknown feature gate "${name}"; known gates: ${FEATURE_GATE_NAMES.join(', ')}`);
    } else if (value === undefined) {
      errors.push(`--feature-gates: ${name} needs a boolean value, got "${entry.slice(eq + 1)}"`);
    } else if (refuses(gate, String(value))) {
      errors.push(`--feature-gates: ${name}=${value} is not supported (upstream's default is ${gate.default}): ${gate.why}; remove it`);
    } else {
      gates[name] = value;
    }
  }
  return errors.length ? { errors } : { gates: Object.freeze(gates) as FeatureGates };
}
