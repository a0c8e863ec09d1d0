// Upstream's feature gates (pkg/config/feature_gates.go) with upstream's defaults. Gateway API, AGA and
// target-control gates exist upstream but cover features this controller does not implement, so naming
// one is an error rather than a silent no-op.

export const FEATURE_GATE_DEFAULTS = {
  ListenerRulesTagging: true,
  WeightedTargetGroups: true,
  ServiceTypeLoadBalancerOnly: false,
  EndpointsFailOpen: true,
  EnableServiceController: true,
  EnableIPTargetType: true,
  EnableRGTAPI: false,
  SubnetsClusterTagCheck: true,
  NLBHealthCheckAdvancedConfig: true,
  NLBSecurityGroup: true,
  ALBSingleSubnet: false,
  LBCapacityReservation: true,
  SubnetDiscoveryByReachability: true,
  EnableTCPUDPListener: false,
  EnhancedDefaultBehavior: false,
  EnableDefaultTagsLowPriority: false,
  EnableCertificateManagement: false,
  IngressPlanAnnotation: false,
} as const satisfies Record<string, boolean>;

export type FeatureGateName = keyof typeof FEATURE_GATE_DEFAULTS;
export type FeatureGates = Readonly<Record<FeatureGateName, boolean>>;

export const FEATURE_GATE_NAMES = Object.keys(FEATURE_GATE_DEFAULTS) as readonly FeatureGateName[];

const isGateName = (name: string): name is FeatureGateName => Object.hasOwn(FEATURE_GATE_DEFAULTS, name);

/** parses Go's strconv.ParseBool spellings */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

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
    if (!isGateName(name)) {
      errors.push(`--feature-gates: unknown feature gate "${name}"; known gates: ${FEATURE_GATE_NAMES.join(', ')}`);
    } else if (value === undefined) {
      errors.push(`--feature-gates: ${name} needs a boolean value, got "${entry.slice(eq + 1)}"`);
    } else {
      gates[name] = value;
    }
  }
  return errors.length ? { errors } : { gates: Object.freeze(gates) as FeatureGates };
}
