// build.mjs - bundles entry.js (the custom ECharts build) into one minified
// script with esbuild, the pinned devDependency from package-lock.json.
// Usage: node build.mjs OUTFILE   (run by src/ui/embed.cmake at configure time)
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
// Resolve from the repository's node_modules whatever the caller's cwd.
const require = createRequire(path.join(root, 'package.json'));
const esbuild = require('esbuild');

const outfile = process.argv[2];
if (!outfile) {
  console.error('usage: node build.mjs OUTFILE');
  process.exit(2);
}
esbuild.buildSync({
  entryPoints: [path.join(here, 'entry.js')],
  absWorkingDir: root,
  nodePaths: [path.join(root, 'node_modules')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  outfile,
  logLevel: 'error',
});
