// Finds the AWS API operations that source code can send: every `new XCommand(`, every imported
// `XCommand` and every `paginateX` from an AWS SDK v3 client package. Used by iam.test.ts to check
// iam/policy.json against the code, so the set of operations is read from the sources, never listed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** AWS SDK client package → IAM service prefix */
export const IAM_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-acm': 'acm',
  '@aws-sdk/client-resource-groups-tagging-api': 'tag',
  '@aws-sdk/client-wafv2': 'wafv2',
  '@aws-sdk/client-shield': 'shield',
};

/** aggregated ("v2 style") client classes: their method calls cannot be scanned reliably */
const AGGREGATED_CLIENTS = new Set(['ElasticLoadBalancingV2', 'EC2', 'ACM', 'ResourceGroupsTaggingAPI', 'WAFV2', 'Shield']);

export interface SdkUse {
  readonly pkg: string;
  /** API operation name, e.g. DescribeLoadBalancers */
  readonly operation: string;
  /** IAM action, e.g. elasticloadbalancing:DescribeLoadBalancers */
  readonly action: string;
  readonly file: string;
}

export interface ScanResult {
  readonly uses: SdkUse[];
  /** problems that make the scan unreliable (unknown client package, aggregated client, unresolved command) */
  readonly problems: string[];
}

/** package → exported value names, for commands used without a direct import (re-exports) */
export type ExportIndex = Readonly<Record<string, ReadonlySet<string>>>;

const IMPORT_RE = /import\s+(type\s+)?(?:\{([^}]*)\}|\*\s+as\s+(\w+))\s*from\s*['"](@aws-sdk\/client-[a-z0-9-]+)['"]/g;

interface Imported { readonly pkg: string; readonly exported: string }

function operationOf(exported: string): string | undefined {
  if (/^[A-Z]\w*Command$/.test(exported)) return exported.slice(0, -'Command'.length);
  if (/^paginate[A-Z]\w*$/.test(exported)) return exported.slice('paginate'.length);
  return undefined;
}

function use(pkg: string, operation: string, file: string): SdkUse {
  return { pkg, operation, action: `${IAM_PREFIX[pkg]}:${operation}`, file };
}

/** scans one file's text */
export function scanSource(text: string, file: string, exportsIndex: ExportIndex = {}): ScanResult {
  const uses: SdkUse[] = [];
  const problems: string[] = [];
  const named = new Map<string, Imported>();
  const namespaces = new Map<string, string>();

  for (const m of text.matchAll(IMPORT_RE)) {
    const [, typeOnly, specifiers, ns, pkg] = m as unknown as [string, string | undefined, string | undefined, string | undefined, string];
    if (!(pkg in IAM_PREFIX)) {
      if (!typeOnly) problems.push(`${file}: imports ${pkg}, whose IAM prefix is unknown to this test (add it to IAM_PREFIX and its actions to iam/policy.json)`);
      continue;
    }
    if (typeOnly) continue;
    if (ns) { namespaces.set(ns, pkg); continue; }
    for (const raw of (specifiers ?? '').split(',')) {
      const spec = raw.trim();
      if (!spec || spec.startsWith('type ')) continue;
      const [exported, local] = spec.split(/\s+as\s+/).map((s) => s.trim()) as [string, string | undefined];
      named.set(local ?? exported, { pkg, exported });
      if (AGGREGATED_CLIENTS.has(exported)) {
        problems.push(`${file}: uses the aggregated client ${exported} from ${pkg}; send XCommand objects instead so the IAM check can see the operations`);
      }
      const op = operationOf(exported);
      if (op) uses.push(use(pkg, op, file));
    }
  }

  for (const m of text.matchAll(/new\s+(?:(\w+)\.)?(\w+Command)\s*\(/g)) {
    const [, nsName, local] = m as unknown as [string, string | undefined, string];
    if (nsName) {
      const pkg = namespaces.get(nsName);
      if (pkg) uses.push(use(pkg, operationOf(local) ?? local, file));
      continue;
    }
    const imp = named.get(local);
    if (imp) continue; // already counted at its import
    const candidates = Object.entries(exportsIndex).filter(([, names]) => names.has(local)).map(([pkg]) => pkg);
    if (candidates.length === 0) {
      // not an AWS SDK command (or a re-export the index cannot resolve): only a problem if it looks like one
      if (/^(Describe|Create|Delete|Modify|Set|Add|Remove|Register|Deregister|Get|List|Authorize|Revoke)/.test(local)) {
        problems.push(`${file}: cannot tell which AWS service ${local} belongs to`);
      }
      continue;
    }
    // a re-exported command name that several services share (e.g. DescribeTagsCommand): require them all
    for (const pkg of candidates) uses.push(use(pkg, operationOf(local) ?? local, file));
  }
  return { uses, problems };
}

export function listTsFiles(dir: string, skip: (rel: string) => boolean, root = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = path.relative(root, full);
    if (skip(rel)) continue;
    if (entry.isDirectory()) out.push(...listTsFiles(full, skip, root));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}

export function scanTree(dir: string, skip: (rel: string) => boolean, exportsIndex: ExportIndex): ScanResult {
  const uses: SdkUse[] = [];
  const problems: string[] = [];
  for (const file of listTsFiles(dir, skip)) {
    const r = scanSource(readFileSync(file, 'utf8'), path.relative(process.cwd(), file), exportsIndex);
    uses.push(...r.uses);
    problems.push(...r.problems);
  }
  return { uses, problems };
}

/** loads the export names of the client packages (to resolve re-exported commands and to verify names) */
export async function loadExportIndex(): Promise<ExportIndex> {
  const index: Record<string, ReadonlySet<string>> = {};
  for (const pkg of Object.keys(IAM_PREFIX)) {
    const mod = (await import(pkg)) as Record<string, unknown>;
    index[pkg] = new Set(Object.keys(mod));
  }
  return index;
}

/**
 * Source folders that are not part of the controller running in a cluster. src/stand-ins starts the local
 * throw-away control plane and seeds the AWS emulator (VPCs, subnets, imported certificates) for tests and
 * the demo: those calls are made with the emulator's credentials, never with the controller's role.
 */
export const NOT_THE_CONTROLLER = ['stand-ins'];

/** actions AWS checks although no SDK command of that name is sent */
export const IMPLIED: Readonly<Record<string, readonly string[]>> = {
  // tags given in the create call itself are authorized as a tagging action on the new resource
  'elasticloadbalancing:CreateLoadBalancer': ['elasticloadbalancing:AddTags', 'iam:CreateServiceLinkedRole'],
  'elasticloadbalancing:CreateTargetGroup': ['elasticloadbalancing:AddTags'],
  'elasticloadbalancing:CreateListener': ['elasticloadbalancing:AddTags', 'cognito-idp:DescribeUserPoolClient'],
  'elasticloadbalancing:CreateRule': ['elasticloadbalancing:AddTags', 'cognito-idp:DescribeUserPoolClient'],
  // an authenticate-cognito action is checked against its user pool client with the caller's rights (upstream's policy allows it too)
  'elasticloadbalancing:ModifyListener': ['cognito-idp:DescribeUserPoolClient'],
  'elasticloadbalancing:ModifyRule': ['cognito-idp:DescribeUserPoolClient'],
  'ec2:CreateSecurityGroup': ['ec2:CreateTags'],
  // associating a web ACL with a load balancer is authorized on the load balancer too
  'wafv2:AssociateWebACL': ['elasticloadbalancing:SetWebAcl'],
  // create-acm-cert: tags in RequestCertificate are authorized as AddTagsToCertificate; a private-CA request is issued
  // by ACM Private CA with the caller's rights (upstream's iam_policy_acm_certs.json grants these three)
  'acm:RequestCertificate': ['acm:AddTagsToCertificate', 'acm-pca:GetCertificate', 'acm-pca:IssueCertificate', 'acm-pca:ListPermissions'],
};

/** the IAM actions the controller's code can need: every SDK command in src/ (stand-ins aside) plus the implied ones */
export async function controllerActions(srcDir: string): Promise<{ scan: ScanResult; used: Set<string>; exportsIndex: ExportIndex }> {
  const exportsIndex = await loadExportIndex();
  const scan = scanTree(srcDir, (rel) => NOT_THE_CONTROLLER.some((d) => rel === d || rel.startsWith(`${d}/`)), exportsIndex);
  const used = new Set(scan.uses.map((u) => u.action));
  for (const action of [...used]) for (const implied of IMPLIED[action] ?? []) used.add(implied);
  return { scan, used, exportsIndex };
}
