// Hostile-input suite (issue 7), part 1: a hostile workspace, through dist/index.js against both
// emulators. The workspace is a real git checkout made here, with the job's token in .git/config as
// actions/checkout leaves it, committed symlinks into .git, and names that try to be commands.
// Points 2 (.git), 3 (names), 6 (hub-url in clear) and 7 (bounded input).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { commit } from '@huggingface/hub'
import { makeGitCheckout } from '../support/git-checkout.ts'
import { MARKER, expectRefused, issueOf, runCase, startStage, type Stage } from '../support/hostile-stage.ts'
import { GH_TOKEN, HF_TOKEN } from '../support/tokens.ts'

let stage: Stage
let workspace: string

/** Hostile names, each in its own folder so that one case refuses one name. */
const HOSTILE_NAMES: Record<string, { name: string; shown: RegExp }> = {
  newline: { name: `a\n::error::${MARKER}.png`, shown: /\\u000A::error::pwned\.png/ },
  c1: { name: 'next\u0085line.png', shown: /\\u0085/ },
  del: { name: 'rub\u007fout.png', shown: /\\u007F/ },
  bidi: { name: 'cat\u202egnp.exe', shown: /\\u202E/ },
  ansi: { name: '\u001b[31mred\u001b[0m.png', shown: /\\u001B\[31m/ },
  tab: { name: 'tab\there.png', shown: /\\u0009/ },
  carriage: { name: `cr\r::error::${MARKER}.png`, shown: /\\u000D/ }
}

before(async () => {
  stage = await startStage('hostile-workspace')
  workspace = await makeGitCheckout(GH_TOKEN, {
    'samples/cat.png': 'png',
    'notes.txt': 'notes',
    'readme.md': '# my own readme',
    'Samples2/a.png': 'A',
    'samples2/a.png': 'a',
    'caseA/A.png': 'A',
    'caseA/a.png': 'a',
    'clean/ok.png': 'ok'
  })
  await symlink('../.git/config', join(workspace, 'samples/x'))
  await symlink('.git', join(workspace, 'gitdir'))
  await symlink('.git/config', join(workspace, 'card.md'))
  const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace, stdio: 'ignore' })
  git('add', '-A')
  git('-c', 'user.name=Mallory', '-c', 'user.email=m@example.invalid', 'commit', '-qm', 'links')
  // Not committable (git refuses .GIT paths), but a step can create it.
  await mkdir(join(workspace, '.GIT'))
  await writeFile(join(workspace, '.GIT/config'), 'not git, but refused alike')
  for (const [folder, { name }] of Object.entries(HOSTILE_NAMES)) {
    await mkdir(join(workspace, 'names', folder), { recursive: true })
    await writeFile(join(workspace, 'names', folder, name), 'x')
  }
})
after(() => stage.close())

const refused = (name: string, inputs: Record<string, string>, expected: RegExp): void => {
  test(`refused: ${name}`, async () => {
    const result = await runCase(stage, { name, workspace, inputs })
    expectRefused(stage, result, expected)
  })
}

// Point 2: .git is never published, however it is reached.
const INTO_GIT = /files line 1 .*leads through a symlink into a \.git folder/
refused('a folder holding a committed symlink to ../.git/config', { files: 'samples/ -> samples/' }, INTO_GIT)
refused('the symlink to .git/config named on its own', { files: 'samples/x -> notes.txt' }, INTO_GIT)
refused('a glob matching the symlink', { files: 'samples/* -> s/' }, INTO_GIT)
refused('the whole workspace, which holds the symlink', { files: './ -> repo/' }, INTO_GIT)
refused('a symlinked folder to .git', { files: 'gitdir/ -> g/' }, INTO_GIT)
refused('.git/config named directly', { files: '.git/config -> config.txt' }, /files line 1 .*into a \.git folder/)
refused('a .GIT folder (git refuses every spelling)', { files: '.GIT/ -> x/' }, /files line 1 .*into a \.git folder/)
refused(
  'a model-card template that is a symlink to .git/config',
  { files: 'notes.txt', 'model-card': 'card.md' },
  /model-card: the template card\.md leads into a \.git folder/
)
refused(
  'a destination inside .git',
  { files: 'notes.txt -> sub/.git/hooks/post-checkout' },
  /Invalid inputs[\s\S]*files: line 1 .*inside "\.git"/
)

// Point 3: names are data.
for (const [folder, { shown }] of Object.entries(HOSTILE_NAMES)) {
  refused(
    `a file name with ${folder} characters, from a folder`,
    { files: `names/${folder}/ -> samples/` },
    new RegExp(`files line 1 .*the file name "names/${folder}/.*${shown.source}`)
  )
}
refused('a bidi override from a glob', { files: 'names/bidi/*.exe -> bin/' }, /files line 1 .*\\u202E/)
refused(
  'a bidi override in a destination typed into files',
  { files: 'notes.txt -> docs/a\u202egnp.txt' },
  /Invalid inputs[\s\S]*files: line 1 .*control character \\u202E/
)
refused(
  'a branch with a bidi override',
  { files: 'notes.txt', branch: 'main\u202e' },
  /Invalid inputs[\s\S]*branch: not a valid git branch name/
)
refused(
  'two destinations that differ only by case',
  { files: 'Samples2/a.png -> samples/a.png\nsamples2/a.png -> Samples/a.png' },
  /"samples" and "Samples" differ only by case/
)
refused(
  'one folder holding A.png and a.png',
  { files: 'caseA/ -> out/' },
  /"out\/A\.png" and "out\/a\.png" differ only by case/
)
refused(
  'a readme.md beside the generated README.md',
  { files: 'readme.md\nclean/ -> clean/' },
  /readme\.md, which differs from the generated README\.md only by case/
)

test('refused: a path that differs only by case from one already in the Hub repo', async () => {
  const result = await runCase(stage, {
    name: 'case against the repo',
    workspace,
    inputs: { files: 'clean/ok.png -> samples/ok.png', 'model-card': 'keep' },
    seedHub: (s, repo) =>
      commit({
        hubUrl: s.hub.url,
        accessToken: HF_TOKEN,
        repo: { type: 'model', name: repo },
        title: 'seed',
        operations: [{ operation: 'addOrUpdate', path: 'Samples/a.png', content: new Blob(['x']) }]
      }).then(() => undefined)
  })
  expectRefused(stage, result, /differ only by case[\s\S]*"samples" and "Samples"|"samples" and "Samples"/)
  assert.match(issueOf(stage, result)!.body!, /\*\*Stage:\*\* upload \(planning the commit\)/)
})

// Point 6: the token never travels in clear.
for (const url of ['http://hub.invalid', 'http://127.0.0.1.evil.invalid', 'http://localhost.evil.invalid:8080']) {
  refused(`hub-url ${url}`, { files: 'notes.txt', 'hub-url': url }, /hub-url: .* hf-token would travel in clear text/)
}

// Point 7: bounded input and output.
test('refused: a 50 000-line files input, with one short error', async () => {
  // Linux caps one environment string (an INPUT_ variable) at 128 KiB, for the runner too: short lines.
  const files = Array.from({ length: 50_000 }, () => 'x').join('\n')
  const result = await runCase(stage, { name: '50000 lines', workspace, inputs: { files } })
  expectRefused(stage, result, /files: 50000 lines; at most 10000 lines/)
  assert.ok(result.run.errors[0]!.length < 500, result.run.errors[0])
})

test('refused: 40 missing files make an error that lists 20 and counts the rest', async () => {
  const files = Array.from({ length: 40 }, (_, i) => `missing-${i}.bin -> m/${i}.bin`).join('\n')
  const result = await runCase(stage, { name: '40 problems', workspace, inputs: { files } })
  expectRefused(stage, result, /- … and 20 more problems$/)
  assert.equal(result.run.errors[0]!.split('\n').length, 1 + 20 + 1)
})
