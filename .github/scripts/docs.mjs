#!/usr/bin/env node
// `npm run docs`: writes the README's inputs and outputs tables from action.yml, between the
// `<!-- action-docs:inputs -->` / `<!-- action-docs:outputs -->` markers and their `:end` markers.
// `npm run docs -- --check` changes nothing and fails when the README differs (CI runs it), so the
// tables can never drift from what the action really declares.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const root = new URL('../../', import.meta.url)

/** One table cell: a single line, with the characters that would break a GFM table escaped. */
function cell(text) {
  return (
    String(text ?? '')
      .trim()
      // "<namespace>" would be swallowed as an unknown HTML tag by GitHub's renderer.
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // Blank lines and indented lines (examples) keep their break; other line breaks are spaces.
      .replace(/\r?\n\s*\r?\n|\r?\n(?=[ \t])/g, '<br>')
      .replace(/\s*\r?\n\s*/g, ' ')
      .replace(/<br>[ \t]+/g, '<br>')
      .replace(/\|/g, '\\|')
  )
}

const code = (text) => (text === '' ? '' : `\`${String(text).replace(/`/g, "'")}\``)

export function inputsTable(action) {
  const rows = Object.entries(action.inputs ?? {}).map(([name, input]) => {
    const fallback = input.default === undefined || input.default === '' ? '' : code(input.default)
    return `| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${fallback} | ${cell(input.description)} |`
  })
  return ['| input | required | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(action) {
  const rows = Object.entries(action.outputs ?? {}).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`
  )
  return ['| output | description |', '| --- | --- |', ...rows].join('\n')
}

/** The README with both generated sections replaced. Throws when a marker pair is missing. */
export function renderReadme(readme, action) {
  let text = readme
  for (const [name, table] of [
    ['inputs', inputsTable(action)],
    ['outputs', outputsTable(action)]
  ]) {
    const begin = `<!-- action-docs:${name} -->`
    const end = `<!-- action-docs:${name}:end -->`
    const from = text.indexOf(begin)
    const to = text.indexOf(end)
    if (from === -1 || to < from) throw new Error(`README.md lacks the markers ${begin} … ${end}`)
    text = `${text.slice(0, from + begin.length)}\n${table}\n${text.slice(to)}`
  }
  return text
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readmePath = new URL('README.md', root)
  const readme = readFileSync(readmePath, 'utf8')
  const action = parse(readFileSync(new URL('action.yml', root), 'utf8'))
  const rendered = renderReadme(readme, action)
  if (process.argv.includes('--check')) {
    if (rendered !== readme) {
      console.error('README.md: the inputs/outputs tables differ from action.yml. Run `npm run docs` and commit.')
      process.exit(1)
    }
    console.log('README.md inputs and outputs match action.yml.')
  } else {
    writeFileSync(readmePath, rendered)
    console.log(rendered === readme ? 'README.md already up to date.' : 'README.md tables rewritten from action.yml.')
  }
}
