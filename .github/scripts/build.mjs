// `npm run build [-- --report]`: bundles src/index.ts into dist/ with esbuild (ESM, Node 20).
//
// What the runner loads before the first log line decides the action's startup time and its memory
// floor, so (each measured with `npm run bench`, see the README's performance section):
// - Code splitting: the dynamic imports (@actions/artifact with the Azure SDK, Octokit) become
//   chunks of their own that Node reads only when a run needs them; dist/index.js is the entry.
//   dist/ is emptied first, so no chunk of an earlier build is left behind.
// - Whitespace and syntax minified (names kept, for readable stack traces): no comments to parse,
//   and an ASCII-only source, which V8 keeps at one byte per character.
// - @actions/http-client (which @actions/core loads for OIDC) imports undici's ProxyAgent at the
//   top; it is given a stand-in that loads the bundled undici on first use, so a run that never
//   goes through an HTTP proxy never evaluates it.
// --report prints the size of each output file and the packages that dominate it.
import { rm } from 'node:fs/promises'
import * as esbuild from 'esbuild'

const lazyProxyAgent = {
  name: 'lazy-undici-proxy-agent',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, (args) =>
      /[/\\]@actions[/\\]http-client[/\\]/.test(args.importer)
        ? { path: 'undici-proxy-agent', namespace: 'lazy-undici' }
        : undefined
    )
    build.onLoad({ filter: /.*/, namespace: 'lazy-undici' }, () => ({
      contents:
        'export class ProxyAgent {\n' +
        '  constructor(...args) {\n' +
        "    const { ProxyAgent } = require('undici')\n" +
        '    return new ProxyAgent(...args)\n' +
        '  }\n' +
        '}\n',
      loader: 'js',
      resolveDir: process.cwd()
    }))
  }
}

await rm('dist', { recursive: true, force: true })
const result = await esbuild.build({
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  splitting: true,
  outdir: 'dist',
  charset: 'ascii',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js:
      "import { createRequire as __hfuaCreateRequire } from 'node:module'; " +
      'const require = __hfuaCreateRequire(import.meta.url);'
  },
  plugins: [lazyProxyAgent]
})

if (process.argv.includes('--report')) {
  const outputs = Object.entries(result.metafile.outputs).sort((a, b) => b[1].bytes - a[1].bytes)
  for (const [file, output] of outputs) {
    const byPackage = new Map()
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? (input.startsWith('src/') ? 'src' : input)
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput)
    }
    const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 6)
    const kib = (n) => `${(n / 1024).toFixed(0)} KiB`
    console.log(`${file}: ${kib(output.bytes)}; ${top.map(([name, n]) => `${name} ${kib(n)}`).join(', ')}`)
  }
}
