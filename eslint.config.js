// Lint guards the design: the pure core (model, ingress, service, plan) imports no I/O layer, and the code the
// controller bundle reaches imports client-node by module path, never through its package entry (ADR 0005).
import tseslint from 'typescript-eslint';

const ioLayers = ['**/aws/**', '**/k8s/**', '**/deploy/**', '**/targets/**', '**/controllers/**', '**/cli/**',
  '@aws-sdk/*', '@kubernetes/*', 'node:fs', 'node:fs/promises', 'node:http', 'node:https', 'node:child_process', 'node:net'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.stand-ins/**', 'helm/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-depth': ['warn', 4],
      'max-params': ['warn', 5],
    },
  },
  {
    // the stand-ins and the demo use client-node's generated APIs; they never reach the bundle
    files: ['src/**/*.ts'],
    ignores: ['src/stand-ins/**', 'src/cli/demo-command.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: '@kubernetes/client-node', message: 'import the module you need (@kubernetes/client-node/dist/…): the package entry brings every generated API into the bundle (ADR 0005)', allowTypeImports: true }] }],
    },
  },
  {
    files: ['src/model/**/*.ts', 'src/ingress/**/*.ts', 'src/service/**/*.ts', 'src/plan/**/*.ts'],
    rules: {
      // type-only imports (e.g. V1Ingress from @kubernetes/client-node) are erased at runtime, so they are allowed
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ioLayers, message: 'the pure core does no I/O', allowTypeImports: true }] }],
    },
  },
);
