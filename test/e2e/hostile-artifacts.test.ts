// Hostile-input suite (issue 7), part 2: a hostile Train run, through dist/index.js on a
// workflow_run event against both emulators. @actions/artifact downloads the real zips from the
// GitHub emulator; each is a real archive, hostile entry names patched in place (no zip tool writes
// them). Points 3 (artifact and entry names) and 4 (artifacts stay in their folder, zip bombs).
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { buildZip, renameZipEntries } from '../emulators/github/zip.ts'
import {
  MARKER,
  expectRefused,
  issueOf,
  runCase,
  startStage,
  type Stage,
  type TrainRunSpec
} from '../support/hostile-stage.ts'
import { makeWorkspace } from '../support/workspace.ts'

let stage: Stage
let workspace: string

before(async () => {
  stage = await startStage('hostile-artifacts')
  workspace = await makeWorkspace({ 'notes.txt': 'notes' })
})
after(() => stage.close())

const refused = (
  name: string,
  trainRun: () => Promise<TrainRunSpec>,
  inputs: Record<string, string>,
  expected: RegExp,
  stageName: 'download' | 'upload' | 'inputs' = 'download'
): void => {
  test(`refused: ${name}`, async () => {
    const result = await runCase(stage, { name, workspace, trainRun: await trainRun(), inputs })
    expectRefused(stage, result, expected)
    // Nothing extracted is left behind under RUNNER_TEMP.
    assert.ok(!(await readdir(result.run.dir)).some((d) => d.startsWith('hf-upload-')), 'scratch folders removed')
    const issue = issueOf(stage, result)
    if (stageName === 'inputs') assert.equal(issue, undefined, 'invalid inputs open no issue')
    else assert.match(issue?.body ?? '', new RegExp(`\\*\\*Stage:\\*\\* ${stageName}`))
  })
}

const one =
  (name: string, files: Record<string, string | Buffer> = { 'model.pt': 'weights' }) =>
  () =>
    Promise.resolve({ artifacts: [{ name, files }] })
const zipped =
  (zip: () => Promise<Buffer>, name = 'checkpoints') =>
  async () => ({
    artifacts: [{ name, zip: await zip() }]
  })
const hostileZip = (files: Record<string, string | Buffer>, renames: Record<string, string>) => () =>
  buildZip(files).then((zip) => renameZipEntries(zip, renames))

const ALL = { files: 'notes.txt' }

// Artifact names never choose the folder.
refused('an artifact named ".."', one('..'), ALL, /artifact "\.\." cannot be extracted into the folder "\.\."/)
refused('an artifact named "."', one('.'), ALL, /artifact "\." cannot be extracted into the folder "\."/)
refused('an artifact named ".git"', one('.git'), ALL, /artifact "\.git" cannot be extracted .*inside "\.git"/)
refused(
  'an artifact name with a newline',
  one(`ckpt\n::error::${MARKER}`),
  ALL,
  /artifact "ckpt\\u000A::error::pwned": the artifact name .* contains the control character \\u000A/
)
refused('an artifact name with a bidi override', one('cat\u202egnp'), ALL, /control character \\u202E/)
refused('an artifact name with "##["', one(`x##[error]${MARKER}`), ALL, /"##\[" in an artifact name is refused/)
refused(
  'an artifact folder into .git',
  one('checkpoints'),
  { files: 'notes.txt', artifacts: 'checkpoints -> .git/' },
  /Invalid inputs[\s\S]*artifacts: line 1 .*inside "\.git"/,
  'inputs'
)

// Zip entries that try to leave their folder, or are not plain files.
const ENTRY = /Artifact "checkpoints" has entries that cannot be extracted safely/
refused(
  'a zip entry "../evil.txt"',
  zipped(hostileZip({ 'model.pt': 'w', 'xx/evil.txt': 'evil' }, { 'xx/evil.txt': '../evil.txt' })),
  ALL,
  new RegExp(`${ENTRY.source}.*"\\.\\./evil\\.txt" climbs out of the folder`)
)
refused(
  'a zip entry deep in ../..',
  zipped(hostileZip({ 'a/xxxxxxxx/evil.sh': 'evil' }, { 'a/xxxxxxxx/evil.sh': 'a/../../../evil.sh' })),
  ALL,
  /climbs out of the folder/
)
refused(
  'an absolute zip entry',
  zipped(hostileZip({ 'xetc/cron.d/job': '* * * * * evil' }, { 'xetc/cron.d/job': '/etc/cron.d/job' })),
  ALL,
  /"\/etc\/cron\.d\/job" is an absolute path/
)
refused(
  'a backslash zip entry',
  zipped(hostileZip({ 'x_.._evil.txt': 'evil' }, { 'x_.._evil.txt': 'x\\..\\evil.txt' })),
  ALL,
  /"x\\\.\.\\evil\.txt" contains a backslash/
)
refused(
  'a symlink zip entry to ../../.git/config',
  zipped(() => buildZip({ 'model.pt': { data: '../../.git/config', mode: 0o120777 } })),
  ALL,
  /"model\.pt" is a symbolic link/
)
refused(
  'the same zip entry twice',
  zipped(hostileZip({ 'model.pt': 'good', 'modex.pt': 'evil' }, { 'modex.pt': 'model.pt' })),
  ALL,
  /"model\.pt" appears twice/
)
refused(
  'zip entries that differ only by case',
  zipped(() => buildZip({ 'Model.pt': 'one', 'model.pt': 'two' })),
  ALL,
  /"Model\.pt" and "model\.pt" differ only by case/
)
refused(
  'a zip entry name with a newline',
  zipped(hostileZip({ 'ax::error::pwned': 'x' }, { 'ax::error::pwned': `a\n::error::${MARKER}` })),
  ALL,
  /"a\\u000A::error::pwned" has a line break, control or bidi character/
)
refused(
  'a zip entry name with a bidi override',
  zipped(hostileZip({ 'catxxxgnp.exe': 'x' }, { 'catxxxgnp.exe': 'cat\u202egnp.exe' })),
  ALL,
  /"cat\\u202Egnp\.exe" has a line break, control or bidi character/
)
refused(
  'an archive that is not a zip',
  zipped(() => Promise.resolve(Buffer.from('PK\u0003\u0004 but not really a zip'))),
  ALL,
  /Artifact "checkpoints" is not a readable zip/
)
refused(
  'a file of the artifact inside its .git folder',
  one('checkpoints', { '.git/config': 'copied checkout config', 'model.pt': 'w' }),
  { files: 'checkpoints/.git/config -> config.txt' },
  /files line 1 .*into a \.git folder/,
  'upload'
)

// Zip bombs: refused from the declared sizes before anything is extracted.
refused(
  'a zip bomb over artifacts-max-size',
  zipped(() => buildZip({ 'a.bin': Buffer.alloc(3 * 1024 * 1024), 'b.bin': Buffer.alloc(3 * 1024 * 1024) })),
  { ...ALL, 'artifacts-max-size': '4MiB' },
  /would extract to 6\.0 MiB, more than the 4\.0 MiB left of artifacts-max-size/
)
refused(
  'two artifacts that together pass artifacts-max-size',
  (): Promise<TrainRunSpec> =>
    Promise.resolve<TrainRunSpec>({
      artifacts: [
        { name: 'first', files: { 'a.bin': Buffer.alloc(700 * 1024) } },
        { name: 'second', files: { 'b.bin': Buffer.alloc(700 * 1024) } }
      ]
    }),
  { ...ALL, 'artifacts-max-size': '1MiB' },
  /Artifact "second" would extract to 700 KiB, more than the 324 KiB left of artifacts-max-size/
)
refused(
  'a zip that lies about its size',
  zipped(async () => {
    const zip = await buildZip({ 'model.pt': Buffer.alloc(400 * 1024, 1) })
    zip.writeUInt32LE(1000, zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24)
    return zip
  }),
  ALL,
  /"model\.pt" could not be extracted: too many bytes in the stream/
)
refused(
  'an artifact altered after upload (digest mismatch)',
  () =>
    Promise.resolve({
      artifacts: [{ name: 'checkpoints', files: { 'model.pt': 'w' }, digest: `sha256:${'0'.repeat(64)}` }]
    }),
  ALL,
  /Artifact "checkpoints" does not match the digest GitHub registered/
)
