// Golden plans for the seed manifests: text and JSON, compared exactly. UPDATE_GOLDEN=1 rewrites them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../src/cli/index.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = (p: string): string => `${root}test/fixtures/${p}`;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, readStdin: async () => '' });
  return { code, stdout, stderr };
}

const VARIANTS: { name: string; args: string[]; code: number; manifests?: string }[] = [
  { name: 'seed', args: [], code: 2 },
  { name: 'seed-facts', args: ['--facts', fixture('seed-facts/facts.json')], code: 2 },
  // as the upstream controller leaves them (the shared backend security group on every ALB): adopted, nothing changes
  { name: 'seed-observed', args: ['--facts', fixture('seed-facts/facts.json'), '--observed', fixture('seed-observed/observed.json')], code: 0 },
  // as this controller left them before the shared backend security group: the ALBs get it first, then the bindings move to it
  { name: 'seed-migrate', args: ['--facts', fixture('seed-facts/facts.json'), '--observed', fixture('seed-migrate/observed.json')], code: 2 },
  // Services of type LoadBalancer: NLB stacks
  { name: 'nlb-facts', manifests: 'nlb', args: ['--facts', fixture('seed-facts/facts.json')], code: 2 },
];

describe('golden plans (test/golden)', () => {
  for (const v of VARIANTS) {
    for (const format of ['text', 'json'] as const) {
      const file = `${root}test/golden/${v.name}.plan.${format === 'text' ? 'txt' : 'json'}`;
      it(`${v.name} as ${format} matches ${file.slice(root.length)}`, async () => {
        const r = await run(['plan', '-f', fixture(v.manifests ?? 'seed'), '--cluster-name', 'demo', '-o', format, ...v.args]);
        assert.equal(r.stderr, '');
        assert.equal(r.code, v.code);
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, r.stdout);
        assert.ok(existsSync(file), `missing ${file}: run with UPDATE_GOLDEN=1 to write it`);
        assert.equal(r.stdout, readFileSync(file, 'utf8'));
      });
    }
  }
});
