// Bundles src/index.ts into the single ESM file the runner executes (dist/index.js).
// esbuild needs no TypeScript compiler API, so it works with the native TypeScript 7 toolchain;
// type checking is a separate gate (`npm run typecheck`). The output is deterministic: no
// timestamps, no absolute paths, so CI can rebuild and diff it against the committed dist/.
import { build } from 'esbuild'
import { rm } from 'node:fs/promises'

await rm('dist', { recursive: true, force: true })
await build({
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  // Some bundled CommonJS dependencies call require() for Node built-ins; ESM has no require,
  // so give the bundle one.
  banner: {
    js: "import { createRequire as __hfuaCreateRequire } from 'node:module'; const require = __hfuaCreateRequire(import.meta.url);"
  }
})
