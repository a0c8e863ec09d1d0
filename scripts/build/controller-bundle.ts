// Bundles the controller's image entry (src/controller.ts) into one file, dist/controller.mjs (ADR 0005). Only what
// `run` reaches is kept: the SDK's ES builds are tree-shaken down to the operations we send, and client-node to the
// kubeconfig, HTTP and watch modules. Usable as a script (`npm run build`) and as a function (tests, the demo and the
// benchmark start the controller from the bundle, so what they exercise is what ships).
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CONTROLLER_BUNDLE = join(ROOT, 'dist/controller.mjs');

/**
 * Node flags the controller runs with, in the image (Dockerfile ENTRYPOINT, checked by a test) and wherever the demo,
 * the tests and the benchmark start it (ADR 0021, docs/benchmarks.md):
 * - a 1 MiB young generation instead of 16 MiB: the controller allocates in small bursts (one reconcile's JSON and
 *   SDK responses), so frequent cheap scavenges keep its peak RSS down by tens of MiB for little CPU;
 * - memory saver mode and a 256 MiB old generation: the heap grows by a small step past its live size, whatever the
 *   host's RAM (V8 would otherwise size it from a large machine's RAM and let garbage reach 4x the live size);
 *   256 MiB is about what V8 picks by itself under the chart's 512 MiB limit, so the benchmark measures what a pod does;
 * - no Maglev (the mid-tier optimizing compiler): about 10 MiB less of compiled code and compiler memory; the
 *   interpreter, Sparkplug and TurboFan remain.
 */
export const CONTROLLER_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=256', '--memory-saver-mode', '--no-maglev'] as const;

// The generated schemas of an SDK client name their traits with computed keys (`{ [_xN]: "..." }`, `_xN` a
// string const of the same module). esbuild cannot prove such a key side-effect free, so it keeps every schema
// of the service (all of EC2's: ~1 MB, ~45 MiB of heap). Writing the string in place lets the unused ones go.
const inlineSchemaKeys: Plugin = {
  name: 'inline-sdk-schema-keys',
  setup(b) {
    b.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const consts = new Map<string, string>();
      for (const m of source.matchAll(/^const (_\w+) = ("(?:[^"\\]|\\.)*");$/gm)) consts.set(m[1] as string, m[2] as string);
      return { contents: source.replace(/\[(_\w+)\]:/g, (all, id: string) => (consts.has(id) ? `${consts.get(id)}:` : all)), loader: 'js' };
    });
  },
};

// client-node does not declare itself free of side effects, so importing one of its modules would keep every
// generated API and model it reaches through its barrels. Its modules only define things; say so.
const clientNodeWithoutSideEffects: Plugin = {
  name: 'client-node-without-side-effects',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if ((args.pluginData as { inner?: boolean } | undefined)?.inner || !/client-node/.test(`${args.resolveDir}/${args.path}`)) return undefined;
      const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { inner: true } });
      if (r.errors.length > 0 || !/[\\/]@kubernetes[\\/]client-node[\\/].*\.js$/.test(r.path)) return undefined;
      return { path: r.path, namespace: r.namespace, sideEffects: false };
    });
  },
};

// client-node's KubeConfig imports its own undici for the dispatchers of its fetch-based clients. The controller
// talks to the apiserver over node:https instead (src/k8s/http.ts, ADR 25), so what would be a second HTTP stack in
// the process (1.3 MB of source evaluated at start, a WebAssembly parser, ~14 MiB of RSS) is replaced by a module
// whose exports say so if anything ever calls them.
const UNDICI_STUB = `const no = (what) => function () { throw new Error('undici ' + what + ' is not in the controller bundle: the apiserver is reached over node:https (ADR 25)'); };
export const Agent = no('Agent'), ProxyAgent = no('ProxyAgent'), fetch = no('fetch');`;
const undiciLeftOut: Plugin = {
  name: 'undici-left-out',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici', namespace: 'undici-left-out' }));
    b.onLoad({ filter: /.*/, namespace: 'undici-left-out' }, () => ({ contents: UNDICI_STUB, loader: 'js' }));
  },
};

/** builds dist/controller.mjs; returns its path */
export async function buildControllerBundle(): Promise<string> {
  const out = await build({
    entryPoints: [join(ROOT, 'src/controller.ts')],
    outfile: CONTROLLER_BUNDLE,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // the ES builds (`module`) are the ones a bundler can tree-shake
    mainFields: ['module', 'main'],
    // smaller source to hold in memory; names kept for readable stack traces
    minifySyntax: true,
    minifyWhitespace: true,
    keepNames: true,
    legalComments: 'none',
    // a few CommonJS dependencies call require() for Node built-ins
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [inlineSchemaKeys, clientNodeWithoutSideEffects, undiciLeftOut],
    logLevel: 'warning',
  });
  // written whole, then renamed: two test runs in one checkout may build at once, and neither reads half a file
  mkdirSync(dirname(CONTROLLER_BUNDLE), { recursive: true });
  const tmp = `${CONTROLLER_BUNDLE}.${process.pid}.tmp`;
  writeFileSync(tmp, out.outputFiles[0]?.contents ?? new Uint8Array());
  renameSync(tmp, CONTROLLER_BUNDLE);
  return CONTROLLER_BUNDLE;
}

let once: Promise<string> | undefined;
/** the bundle, built once per process (the sources may have changed since the last `npm run build`) */
export function controllerBundle(): Promise<string> {
  once ??= buildControllerBundle();
  return once;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildControllerBundle();
  const kib = Math.round(statSync(out).size / 1024);
  const name = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
  process.stdout.write(`${name}: ${out} (${kib} KiB)\n`);
}
