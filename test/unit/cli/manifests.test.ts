// `plan` never fails unexpectedly on its manifests: every problem names its file, document, and line and
// column; exit codes are 0, 1 or 2 only.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { planCommand } from '../../../src/cli/plan-command.ts';
import { ManifestError, parseObjects, type Source } from '../../../src/cli/manifests.ts';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK, UsageError } from '../../../src/cli/io.ts';

const problemsOf = (...sources: Source[]): string[] => {
  try {
    parseObjects(sources);
  } catch (e) {
    if (e instanceof ManifestError) return [...e.problems];
    throw e;
  }
  return [];
};
const src = (text: string, name = 'm.yaml'): Source => ({ name, text });

const CLASS = 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: alb}\nspec: {controller: ingress.k8s.aws/alb}\n';
const ingressDoc = (name: string, extra = ''): string =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ${name}${extra}}\nspec:\n  ingressClassName: alb\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n`;

describe('plan manifests: every problem names its place', () => {
  it('a YAML syntax error: file, document, line and column', () => {
    assert.deepEqual(problemsOf(src(`${CLASS}---\nkind: Ingress\nmetadata:\n  name: a\n   namespace: b\n`)), [
      'm.yaml: document 2 (line 8, column 9): Nested mappings are not allowed in compact mappings',
    ]);
  });

  it('kind: List items that are not objects, each named by its index and line', () => {
    const text = `kind: List\nitems:\n- null\n- 5\n- ${JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } })}\n- [a]\n-\n`;
    assert.deepEqual(problemsOf(src(text)), [
      'm.yaml: document 1: items[0] (line 3, column 3): expected a Kubernetes object (a mapping), got nothing',
      'm.yaml: document 1: items[1] (line 4, column 3): expected a Kubernetes object (a mapping), got 5',
      'm.yaml: document 1: items[3] (line 6, column 3): expected a Kubernetes object (a mapping), got a list',
      'm.yaml: document 1: items[4] (line 7, column 2): expected a Kubernetes object (a mapping), got nothing',
    ]);
  });

  it('a List without an array of items, and a List in a List', () => {
    assert.deepEqual(problemsOf(src('kind: List\nitems: {a: 1}\n'), src('kind: List\nitems: [{kind: List, items: []}]\n', 'n.yaml')), [
      'm.yaml: document 1: items (line 2, column 8): a List needs an array of objects, got a mapping',
      'n.yaml: document 1: items[0] (line 2, column 9): a List inside a List is not read',
    ]);
  });

  it('unwraps a List of good objects', () => {
    const objects = parseObjects([src(`kind: List\nitems:\n- ${JSON.stringify({ kind: 'Service', metadata: { name: 's', namespace: 'x' } })}\n`)]);
    assert.deepEqual(objects.map((o) => o['kind']), ['Service']);
  });

  it('an undefined alias, and an anchor from another document', () => {
    assert.deepEqual(problemsOf(src('kind: Ingress\nmetadata: {name: *nope}\n'), src('a: &x 1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: Namespace\nmetadata: {name: *x}\n', 'n.yaml')), [
      'm.yaml: document 1 (line 2, column 18): alias *nope refers to no anchor &nope set before it in this document (anchors do not carry over between documents)',
      'n.yaml: document 2 (line 6, column 18): alias *x refers to no anchor &x set before it in this document (anchors do not carry over between documents)',
    ]);
  });

  it('a value that contains itself', () => {
    assert.deepEqual(problemsOf(src('kind: Ingress\nmetadata: {name: a}\nspec: &s {rules: [*s]}\n')), [
      'm.yaml: document 1 (line 3, column 19): alias *s is inside the node it refers to: a value that contains itself',
    ]);
  });

  it('a billion-laughs document is refused without expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const [prev, cur] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const problems = problemsOf(src(`kind: ConfigMap\nmetadata: {name: lol}\ndata:\n  ${levels.join('\n  ')}\n`));
    assert.deepEqual(problems, [
      'm.yaml: document 1 (line 1, column 1): its aliases expand to too many nodes (more than 100 expansions of an alias): refused, as a "billion laughs" document would exhaust memory',
    ]);
  });

  it('a missing or empty metadata.name, a metadata that is no mapping, a namespace that is no string', () => {
    const docs = [
      'kind: Ingress\nmetadata: {namespace: a}\n', 'kind: Service\nmetadata: {name: ""}\n', 'kind: IngressClass\nmetadata: {name: 5}\n',
      'kind: Ingress\n', 'kind: Ingress\nmetadata: [a]\n', 'kind: Ingress\nmetadata: {name: a, namespace: [x]}\n',
    ];
    assert.deepEqual(problemsOf(src(docs.join('---\n'))), [
      'm.yaml: document 1 (line 1, column 1): Ingress: metadata.name: expected a name, got nothing',
      'm.yaml: document 2 (line 4, column 1): Service: metadata.name: expected a name, got ""',
      'm.yaml: document 3 (line 7, column 1): IngressClass: metadata.name: expected a name, got 5',
      'm.yaml: document 4 (line 10, column 1): Ingress: metadata: expected a mapping with a name, got nothing',
      'm.yaml: document 5 (line 12, column 1): Ingress: metadata: expected a mapping with a name, got a list',
      'm.yaml: document 6 (line 15, column 1): Ingress a: metadata.namespace: expected a string, got a list',
    ]);
  });

  it('a duplicate object names both places; namespaces and kinds tell objects apart; no namespace is "default"', () => {
    const a = src(`${CLASS}---\n${ingressDoc('web')}`, 'a.yaml');
    const b = src(`${ingressDoc('web', ', namespace: default')}---\n${ingressDoc('web', ', namespace: other')}---\nkind: Service\nmetadata: {name: web}\n`, 'b.yaml');
    const c = src(`kind: List\nitems:\n- ${JSON.stringify({ kind: 'IngressClass', metadata: { name: 'alb' } })}\n`, 'c.yaml');
    assert.deepEqual(problemsOf(a, b, c), [
      'b.yaml: document 1 (line 1, column 1): Ingress default/web is given twice: first at a.yaml: document 2 (line 6, column 1)',
      'c.yaml: document 1: items[0] (line 3, column 3): IngressClass alb is given twice: first at a.yaml: document 1 (line 1, column 1)',
    ]);
  });

  it('a document that is no object, or has no kind', () => {
    assert.deepEqual(problemsOf(src('just text\n---\n- a\n---\n{metadata: {name: x}}\n---\n# only a comment\n')), [
      'm.yaml: document 1 (line 1, column 1): expected a Kubernetes object (a mapping), got "just text"',
      'm.yaml: document 2 (line 3, column 1): expected a Kubernetes object (a mapping), got a list',
      'm.yaml: document 3 (line 5, column 1): kind: expected the object\'s kind, such as Ingress, got nothing',
    ]);
  });

  it('kinds the builder does not read need nothing more than a kind', () => {
    assert.deepEqual(parseObjects([src('kind: ConfigMap\n---\nkind: Deployment\nmetadata: {}\n')]).map((o) => o['kind']), ['ConfigMap', 'Deployment']);
  });

  it('is a UsageError: exit 1 and every problem on stderr, nothing planned', async () => {
    let stdout = '';
    let stderr = '';
    const io = { stdout: (t: string) => { stdout += t; }, stderr: (t: string) => { stderr += t; }, readStdin: async () => `${CLASS}---\nkind: Ingress\nmetadata: {}\n---\nkind: Service\n` };
    await assert.rejects(planCommand(['-f', '-', '--cluster-name', 'c'], io), (e) => e instanceof UsageError
      && e.message === '2 problems in the manifests:\n  <stdin>: document 2 (line 6, column 1): Ingress: metadata.name: expected a name, got nothing\n'
        + '  <stdin>: document 3 (line 9, column 1): Service: metadata: expected a mapping with a name, got nothing');
    assert.equal(stdout + stderr, '');
  });
});

// ---- property: random YAML-ish input never makes plan fail unexpectedly --------------------------------

/** lines that, shuffled together, make broken, odd and valid YAML: anchors, aliases, Lists, tabs, flow collections */
const FRAGMENTS = [
  '---', 'kind: Ingress', 'kind: Service', 'kind: List', 'kind: IngressClass', 'kind: IngressClassParams', 'kind: Namespace', 'kind: 5',
  'apiVersion: networking.k8s.io/v1', 'metadata:', '  name: web', '  name: ""', '  name: &n web', '  name: *n', '  namespace: default', '  namespace: [x]',
  'metadata: {name: web}', 'metadata: {name: web, annotations: {alb.ingress.kubernetes.io/scheme: internet-facing}}', 'metadata: null', 'metadata: *m',
  'spec:', '  ingressClassName: alb', '  controller: ingress.k8s.aws/alb', '  defaultBackend: {service: {name: web, port: {number: 80}}}',
  '  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]',
  '  rules: *r', '  rules: &r [*r]', '  ports: [{port: 80, nodePort: 30080}]', '  ports: {}', '  type: NodePort',
  'items:', '- null', '- 5', '- {kind: Ingress, metadata: {name: x}}', '- {kind: Service, metadata: {name: web}, spec: {ports: [{port: 80}]}}', '- *i', '- &i {kind: Namespace}',
  'a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  '\tkind: Ingress', 'kind: [unclosed', '"unterminated', '? [complex, key]', ': value', '<<: *m', 'x: !!binary aGVsbG8=', 'x: !custom tag',
  '  - dangling', '[]', '{}', 'null', '~', '# comment', '', '...', '%YAML 1.2', 'key: value: other', '  annotations: {alb.ingress.kubernetes.io/listen-ports: \'[{"HTTP": 80}]\'}',
];

const yamlish = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 25 }).map((lines) => lines.join('\n')) },
  // well-formed YAML of random Kubernetes-like shapes
  {
    weight: 2,
    arbitrary: fc.array(fc.record({
      kind: fc.constantFrom('Ingress', 'Service', 'IngressClass', 'IngressClassParams', 'Namespace', 'List', 'ConfigMap'),
      metadata: fc.oneof(fc.constant(undefined), fc.record({ name: fc.oneof(fc.constantFrom('web', 'alb', ''), fc.integer()), namespace: fc.constantFrom(undefined, 'default', 'x') })),
      spec: fc.anything({ maxDepth: 3 }),
      items: fc.oneof(fc.constant(undefined), fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 })),
    }, { requiredKeys: ['kind'] }), { maxLength: 4 }).map((docs) => docs.map((d) => stringify(d)).join('---\n')),
  },
);

describe('plan manifests: property', function () {
  this.timeout(600_000); // a build and plan per case, on a shared machine
  it('random YAML-ish input: exit 0, 1 or 2, never "failed unexpectedly"; every problem and Issue names its place', async () => {
    await fc.assert(fc.asyncProperty(yamlish, async (text) => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: (t: string) => { stdout += t; }, stderr: (t: string) => { stderr += t; }, readStdin: async () => `${CLASS}---\n${text}` };
      let code: number;
      try {
        code = await planCommand(['-f', '-', '--cluster-name', 'c', '-o', 'json'], io);
        const issues = (JSON.parse(stdout) as { issues: { object: { name: string }; field: string }[] }).issues;
        for (const i of issues) assert.ok(i.object.name !== '' && i.field !== '', JSON.stringify(i));
        assert.equal(code === EXIT_ERROR, issues.length > 0);
      } catch (e) {
        assert.ok(e instanceof UsageError, `not a UsageError: ${String(e)}`);
        const lines = e instanceof ManifestError ? e.problems : [e.message];
        for (const l of lines) assert.match(l, /^<stdin>(: document \d+)?/, l);
        code = EXIT_ERROR;
      }
      assert.ok([EXIT_OK, EXIT_ERROR, EXIT_CHANGES].includes(code), String(code));
      assert.doesNotMatch(stderr, /failed unexpectedly/);
    }), { numRuns: 1_500 });
  });
});
