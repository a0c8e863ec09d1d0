// Finds the Kubernetes API requests a program can send, for rbac.test.ts: every call of a ResourceClient method
// (its RBAC verb from RBAC_VERBS) and every Informer (list + watch), with the resource each one reaches read from
// the TypeScript types (ResourceClient<'ingress'>, Informer<'pod'>). When the resource is a type parameter of a
// generic helper (addFinalizer<K>), the helper's call sites supply it, through any number of generic levels.
// Anything the scan cannot attribute is a problem, not a silent gap: a raw KubeRest call outside src/k8s/client.ts
// and src/k8s/informer.ts, a client method used as a value, a subresource that is not a string literal, a
// receiver whose resource is not one literal, or a value import of @kubernetes/client-node outside client.ts.
import path from 'node:path';
import ts from 'typescript';
import { RBAC_VERBS, type RbacVerb } from '../../../src/k8s/client.ts';
import { INFORMER_VERBS } from '../../../src/k8s/informer.ts';
import { RESOURCES, type ResourceKey } from '../../../src/k8s/types.ts';

export interface KubeUse {
  /** API group ('' for core) */
  readonly group: string;
  /** plural, with "/subresource" when the call names one */
  readonly resource: string;
  readonly verb: RbacVerb;
  /** where the call (or the Informer) is, as file:line */
  readonly at: string;
}

export interface KubeScan {
  readonly uses: KubeUse[];
  readonly problems: string[];
  /** the source files of the program that were scanned */
  readonly files: string[];
}

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLIENT_TS = path.join(ROOT, 'src/k8s/client.ts');
const INFORMER_TS = path.join(ROOT, 'src/k8s/informer.ts');

const isResourceKey = (k: string): k is ResourceKey => Object.hasOwn(RESOURCES, k);
const classNamed = (node: ts.Node | undefined, name: string, file: string): boolean =>
  !!node && ts.isClassDeclaration(node) && node.name?.text === name && path.resolve(node.getSourceFile().fileName) === file;

/** the program rooted at the given entry files, compiled with the repository's tsconfig (oldProgram: reuse its parsed files) */
export function programFor(entries: readonly string[], oldProgram?: ts.Program): ts.Program {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (!parsed) throw new Error('cannot read tsconfig.json');
  return ts.createProgram({ rootNames: [...entries], options: { ...parsed.options, noEmit: true }, ...(oldProgram ? { oldProgram } : {}) });
}

/** scans the program's source files under the folders `under` (the program may hold more: libraries, other roots) */
export function scanKubeUsage(program: ts.Program, under: readonly string[]): KubeScan {
  const checker = program.getTypeChecker();
  const files = program.getSourceFiles().filter((f) => !f.isDeclarationFile && under.some((d) => path.resolve(f.fileName).startsWith(d + path.sep)));
  const uses: KubeUse[] = [];
  const problems: string[] = [];
  const where = (n: ts.Node): string => {
    const sf = n.getSourceFile();
    return `${path.relative(ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  };

  // every identifier of the scanned files by its text: the call sites of a generic helper are found by name
  // (and confirmed by the checker), so only a few calls need their signatures resolved
  const identifiers = new Map<string, ts.Identifier[]>();
  const nodes: ts.Node[] = [];
  for (const f of files) {
    const walk = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) {
        const list = identifiers.get(n.text) ?? [];
        list.push(n);
        identifiers.set(n.text, list);
      } else if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isPropertyAccessExpression(n) || ts.isImportDeclaration(n)) {
        nodes.push(n);
      }
      ts.forEachChild(n, walk);
    };
    walk(f);
  }

  /** the names a function or class can be called by: its own, a variable's it is assigned to, import aliases */
  const namesOf = (owner: ts.Node): string[] => {
    const own = (ts.isFunctionDeclaration(owner) || ts.isMethodDeclaration(owner) || ts.isClassDeclaration(owner)) && owner.name
      ? owner.name.getText()
      : (ts.isArrowFunction(owner) || ts.isFunctionExpression(owner)) && ts.isVariableDeclaration(owner.parent) && ts.isIdentifier(owner.parent.name)
        ? owner.parent.name.text : undefined;
    if (!own) return [];
    const aliases = (identifiers.get(own) ?? []).filter((id) => ts.isImportSpecifier(id.parent) && id.parent.propertyName === id).map((id) => (id.parent as ts.ImportSpecifier).name.text);
    return [own, ...aliases];
  };

  /** the calls (or `new`s) of a generic function or class; a use of it as a value is a problem */
  const sitesOf = (owner: ts.Node): { node: ts.CallExpression | ts.NewExpression; sig: ts.Signature }[] => {
    const names = namesOf(owner);
    if (names.length === 0) {
      problems.push(`${where(owner)}: a generic helper with no name to find its callers by; give it one`);
      return [];
    }
    const targets = new Set<ts.Node>([owner, ...(ts.isClassDeclaration(owner) ? owner.members.filter(ts.isConstructorDeclaration) : [])]);
    const sites: { node: ts.CallExpression | ts.NewExpression; sig: ts.Signature }[] = [];
    for (const id of names.flatMap((n) => identifiers.get(n) ?? [])) {
      const callee = ts.isPropertyAccessExpression(id.parent) && id.parent.name === id ? id.parent : id;
      const call = callee.parent;
      if ((ts.isCallExpression(call) || ts.isNewExpression(call)) && call.expression === callee) {
        const sig = checker.getResolvedSignature(call);
        if (sig?.declaration && targets.has(sig.declaration)) sites.push({ node: call, sig });
        continue;
      }
      const parent = id.parent;
      if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) continue;
      if ((ts.isFunctionDeclaration(parent) || ts.isClassDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isVariableDeclaration(parent))
        && parent.name === id) continue;
      let symbol = checker.getSymbolAtLocation(id);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const decl = symbol?.valueDeclaration;
      if (decl && (targets.has(decl) || (ts.isVariableDeclaration(decl) && decl.initializer && targets.has(decl.initializer)))) {
        problems.push(`${where(id)}: the generic Kubernetes helper ${id.text} is used as a value; call it directly`);
      }
    }
    return sites;
  };

  /** the resource keys a type stands for; a type parameter is resolved at the call sites of its declarer */
  const keysOf = (t: ts.Type, at: ts.Node, depth = 0): ResourceKey[] => {
    if (depth > 20) { problems.push(`${where(at)}: generic helpers nest too deep to follow`); return []; }
    if (t.isStringLiteral()) {
      if (isResourceKey(t.value)) return [t.value];
      problems.push(`${where(at)}: "${t.value}" is not a resource key`);
      return [];
    }
    if (t.flags & ts.TypeFlags.TypeParameter) return keysOfTypeParameter(t as ts.TypeParameter, at, depth);
    problems.push(`${where(at)}: the resource is ${checker.typeToString(t)}, not one resource key (type the client as ResourceClient<'…'>)`);
    return [];
  };

  const keysOfTypeParameter = (tp: ts.TypeParameter, at: ts.Node, depth: number): ResourceKey[] => {
    const tpDecl = tp.symbol.declarations?.[0];
    const owner = tpDecl?.parent;
    if (!tpDecl || !ts.isTypeParameterDeclaration(tpDecl) || !owner) {
      problems.push(`${where(at)}: cannot tell where type parameter ${tp.symbol.name} comes from`);
      return [];
    }
    // the client classes themselves are generic in K: calls inside them are not the program's calls
    if (classNamed(owner, 'ResourceClient', CLIENT_TS) || classNamed(owner, 'Informer', INFORMER_TS)) return [];
    const index = (owner as ts.SignatureDeclaration | ts.ClassDeclaration).typeParameters?.indexOf(tpDecl) ?? -1;
    const out: ResourceKey[] = [];
    if (ts.isClassDeclaration(owner)) {
      for (const site of sitesOf(owner)) {
        const args = checker.getTypeArguments(checker.getTypeAtLocation(site.node) as ts.TypeReference);
        const arg = args[index];
        if (arg) out.push(...keysOf(arg, site.node, depth + 1));
      }
      return out;
    }
    for (const site of sitesOf(owner)) {
      const arg = checker.getTypeArgumentsForResolvedSignature(site.sig)?.[index];
      if (arg) out.push(...keysOf(arg, site.node, depth + 1));
      else problems.push(`${where(site.node)}: cannot read the type arguments of this call`);
    }
    return out;
  };

  /** the K of ResourceClient<K> or Informer<K> */
  const keyArgument = (t: ts.Type, at: ts.Node): ResourceKey[] => {
    const ref = t as ts.TypeReference;
    const args = (ref.target && checker.getTypeArguments(ref)) || [];
    const first = args[0];
    if (!first) {
      problems.push(`${where(at)}: cannot read the resource of ${checker.typeToString(t)}`);
      return [];
    }
    return keysOf(first, at);
  };

  const add = (keys: readonly ResourceKey[], verbs: readonly RbacVerb[], subresource: string | undefined, at: ts.Node): void => {
    for (const k of keys) {
      const r = RESOURCES[k];
      for (const verb of verbs) uses.push({ group: r.group, resource: subresource ? `${r.plural}/${subresource}` : r.plural, verb, at: where(at) });
    }
  };

  const clientMethodOf = (decl: ts.Node | undefined): ts.MethodDeclaration | undefined =>
    decl && ts.isMethodDeclaration(decl) && classNamed(decl.parent, 'ResourceClient', CLIENT_TS) ? decl : undefined;
  const isKubeRestMember = (decl: ts.Node | undefined): boolean =>
    !!decl && ts.isMethodSignature(decl) && ts.isInterfaceDeclaration(decl.parent) && decl.parent.name.text === 'KubeRest'
    && path.resolve(decl.getSourceFile().fileName) === CLIENT_TS;

  // calls are matched by name first (a client method, KubeRest.request/watch, `new Informer`), then resolved
  const requestNames = new Set([...Object.keys(RBAC_VERBS), 'request', 'watch']);
  const informerClass = program.getSourceFile(INFORMER_TS)?.statements.find((st) => classNamed(st, 'Informer', INFORMER_TS));
  const informerNames = new Set(informerClass ? namesOf(informerClass) : []);
  if (!informerClass) problems.push('src/k8s/informer.ts: class Informer not found');
  const mayRequest = (n: ts.CallExpression | ts.NewExpression): boolean => ts.isNewExpression(n)
    ? ts.isIdentifier(n.expression) && informerNames.has(n.expression.text)
    : ts.isPropertyAccessExpression(n.expression) && requestNames.has(n.expression.name.text);

  for (const n of nodes) {
    const file = path.resolve(n.getSourceFile().fileName);
    // a value import of client-node outside client.ts could talk to the apiserver behind the scan's back
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier) && n.moduleSpecifier.text === '@kubernetes/client-node'
      && file !== CLIENT_TS && !n.importClause?.isTypeOnly) {
      const named = n.importClause?.namedBindings;
      const valueNames = named && ts.isNamedImports(named) ? named.elements.filter((e) => !e.isTypeOnly) : [undefined];
      if (valueNames.length > 0 || n.importClause?.name) problems.push(`${where(n)}: imports values from @kubernetes/client-node; go through src/k8s/client.ts`);
      continue;
    }
    // a client method taken as a value (passed, bound, stored) escapes the scan
    if (ts.isPropertyAccessExpression(n)) {
      if (!requestNames.has(n.name.text) || (ts.isCallExpression(n.parent) && n.parent.expression === n)) continue;
      const decl = checker.getSymbolAtLocation(n.name)?.declarations?.[0];
      const method = clientMethodOf(decl);
      if (method && method.name.getText() in RBAC_VERBS) {
        problems.push(`${where(n)}: ResourceClient.${method.name.getText()} used as a value; call it directly`);
      }
      continue;
    }
    if (!(ts.isCallExpression(n) || ts.isNewExpression(n)) || !mayRequest(n)) continue;
    const decl = checker.getResolvedSignature(n)?.declaration;
    if (!decl) continue;

    if (isKubeRestMember(decl)) {
      if (file !== CLIENT_TS && file !== INFORMER_TS) {
        problems.push(`${where(n)}: raw KubeRest.${(decl as ts.MethodSignature).name.getText()}; use a ResourceClient or an Informer so the RBAC rules see it`);
      }
      continue;
    }

    if (ts.isConstructorDeclaration(decl) && classNamed(decl.parent, 'Informer', INFORMER_TS)) {
      add(keyArgument(checker.getTypeAtLocation(n), n), INFORMER_VERBS, undefined, n);
      continue;
    }

    const method = clientMethodOf(decl);
    if (!method || !ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression)) continue;
    const name = method.name.getText();
    const verb = (RBAC_VERBS as Record<string, RbacVerb | undefined>)[name];
    if (!verb) continue; // not a request (path())
    let subresource: string | undefined;
    const subIndex = method.parameters.findIndex((p) => p.name.getText() === 'subresource');
    const subArg = subIndex >= 0 ? n.arguments[subIndex] : undefined;
    if (subArg) {
      const t = checker.getTypeAtLocation(subArg);
      if (t.isStringLiteral()) subresource = t.value;
      else { problems.push(`${where(n)}: the subresource of ${name} is ${checker.typeToString(t)}, not a string literal`); continue; }
    }
    add(keyArgument(checker.getTypeAtLocation(n.expression.expression), n), [verb], subresource, n);
  }

  return { uses, problems, files: files.map((f) => path.relative(ROOT, f.fileName)).sort() };
}

/** "group|resource|verb" */
export const useKey = (u: { group: string; resource: string; verb: string }): string => `${u.group}|${u.resource}|${u.verb}`;
