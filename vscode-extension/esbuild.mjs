// Bundles the extension into one CommonJS file (dist/extension.js) with its dependencies, so
// the .vsix ships no node_modules; and the Node unit tests into out-test/.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';

const production = process.argv.includes('--production');

await build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  external: ['vscode'],
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});

await build({
  entryPoints: readdirSync('test').filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`),
  bundle: true,
  outdir: 'out-test',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
