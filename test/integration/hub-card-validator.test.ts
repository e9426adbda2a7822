// The emulator's card check (POST /api/validate-yaml, and the README.md check of commits and repo
// creation) against the Hub's documented rules from test/emulators/hub/data/metadata-rules.json,
// with the Hub's Joi-style messages; and repo info's cardData agreeing with the same rules.
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { PIPELINE_TYPES } from '@huggingface/tasks'
import { HubApiError, modelInfo, uploadFiles } from '@huggingface/hub'
import { METADATA_RULES, validateCard } from '../emulators/hub/card-validator.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'

const TOKEN = process.env.HFUA_TEST_HF_TOKEN ?? 'hf_' + 'x'.repeat(34)
const REPO = 'tester/cards'
let hub: HubEmulator

before(async () => {
  const dataDir = await mkdtemp(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'hub-cards-'))
  hub = await startHubEmulator({ dataDir, tokens: { [TOKEN]: { user: 'tester' } } })
  await hub.createRepo(REPO)
})

after(() => hub?.close())

interface Validation {
  status: number
  errors: string[]
  warnings: string[]
}

async function validateYaml(content: string, repoType = 'model', token: string = TOKEN): Promise<Validation> {
  const response = await fetch(`${hub.url}/api/validate-yaml`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ content, repoType })
  })
  const body = (await response.json()) as { errors?: Array<{ message: string }>; warnings?: Array<{ message: string }> }
  return {
    status: response.status,
    errors: (body.errors ?? []).map((error) => error.message),
    warnings: (body.warnings ?? []).map((warning) => warning.message)
  }
}

const card = (yaml: string): string => `---\n${yaml}\n---\n# A model\n`
const LICENSES = METADATA_RULES.lists.licenses!

test('a valid card answers 200 with no errors; a card without metadata warns as the Hub does', async () => {
  const valid = card(
    [
      'license: apache-2.0',
      'library_name: pytorch',
      'pipeline_tag: unconditional-image-generation',
      'base_model: google/ddpm-cifar10-32',
      'tags: [gan]',
      'model-index:',
      '- name: tiny-gan',
      '  results:',
      '  - task: {type: unconditional-image-generation}',
      '    dataset: {type: cifar10, name: CIFAR-10, split: test}',
      '    metrics: [{type: fid, value: 12.5, name: FID}]'
    ].join('\n')
  )
  assert.deepEqual(await validateYaml(valid), { status: 200, errors: [], warnings: [] })
  const warning = ['empty or missing yaml metadata in repo card']
  assert.deepEqual(await validateYaml('# Just text\n'), { status: 200, errors: [], warnings: warning })
  assert.deepEqual(await validateYaml('---\n---\n# empty\n'), { status: 200, errors: [], warnings: warning })
  assert.deepEqual(await validateYaml(card('{}')), { status: 200, errors: [], warnings: warning })
  assert.deepEqual(await validateYaml(card('custom_field: [1, 2]')), { status: 200, errors: [], warnings: [] })
})

test('errors answer 400 with {errors:[{message}]} in the Hub wording, which Python lists after raising', async () => {
  const yaml = await validateYaml(card('license: [mit\nfoo: bar'))
  assert.equal(yaml.status, 400)
  assert.match(yaml.errors[0] ?? '', /^Invalid YAML in README\.md: /)
  assert.deepEqual((await validateYaml(card('- a\n- b'))).errors, ['"value" must be of type object'])

  const license = await validateYaml(card('license: apache2'))
  assert.equal(license.status, 400)
  assert.deepEqual(license.errors, [`"license" must be one of [${[...LICENSES, 'array'].join(', ')}]`])
  assert.deepEqual((await validateYaml(card('license: [mit, foo]'))).errors, [
    `"license[1]" must be one of [${LICENSES.join(', ')}]`
  ])
  // The Python client's own test card (tests/test_hf_api.py INVALID_MODELCARD).
  assert.deepEqual((await validateYaml(card('model-index: foo'))).errors, ['"model-index" must be an array'])
  const modelIndex = await validateYaml(
    card(
      [
        'model-index:',
        '- name: m',
        '  results:',
        '  - task: {name: no type}',
        '    dataset: {type: cifar10, config: 3}',
        '    metrics: [{type: fid}, {value: 1}]',
        '    source: {name: board}'
      ].join('\n')
    )
  )
  assert.deepEqual(modelIndex.errors, [
    '"model-index[0].results[0].task.type" is required',
    '"model-index[0].results[0].dataset.name" is required',
    // Recorded from the Hub (huu4ontocord/MDEL#34).
    '"model-index[0].results[0].dataset.config" must be a string',
    '"model-index[0].results[0].metrics[0].value" is required',
    '"model-index[0].results[0].metrics[1].type" is required',
    '"model-index[0].results[0].source.url" is required'
  ])
  const fields = await validateYaml(
    card(
      ["base_model: ''", 'pipeline_tag: cat-making', 'tags: [1, ok]', 'library_name: 7', 'datasets: {a: b}'].join('\n')
    )
  )
  assert.deepEqual(fields.errors.sort(), [
    '"base_model" is not allowed to be empty',
    '"datasets" must be one of [string, array]',
    '"library_name" must be a string',
    `"pipeline_tag" must be one of [${METADATA_RULES.lists.pipelineTags!.join(', ')}]`,
    '"tags[0]" must be a string'
  ])
  const localPath = await validateYaml(card('base_model: /home/me/checkpoints/base'))
  assert.match(localPath.errors[0] ?? '', /^"base_model" with value "\/home\/me\/checkpoints\/base" fails to match/)
  // What huggingface_hub builds from this answer (hf_api.py _validate_yaml).
  const pythonMessage = `Invalid metadata in README.md.\n${license.errors.map((m) => `- ${m}`).join('\n')}`
  assert.match(pythonMessage, /^Invalid metadata in README\.md\.\n- "license" must be one of \[apache-2\.0, mit,/)
})

test('model-only fields are checked for models only; an unknown repoType or a bad token is refused', async () => {
  const text = card('pipeline_tag: not-a-task\nlicense: mit')
  assert.equal((await validateYaml(text, 'dataset')).status, 200)
  assert.equal((await validateYaml(text, 'space')).status, 200)
  assert.equal((await validateYaml(text, 'model')).status, 400)
  assert.equal((await validateYaml(card('license: nope'), 'dataset')).status, 400, 'the license rule is for all')
  assert.equal((await validateYaml(text, 'bucket')).status, 400)
  assert.equal((await validateYaml(text, 'model', `hf_${'z'.repeat(34)}`)).status, 401)
})

test('the pipeline tags of the rules file are the installed @huggingface/tasks PIPELINE_TYPES', () => {
  assert.deepEqual([...METADATA_RULES.lists.pipelineTags!].sort(), [...PIPELINE_TYPES].sort())
  assert.ok(LICENSES.includes('apache-2.0') && LICENSES.includes('other') && LICENSES.length > 80)
})

test('a commit with README.md metadata the Hub refuses is a 400 and changes nothing; cardData agrees', async () => {
  const before = await hub.listCommits(REPO)
  const refused = uploadFiles({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repo: REPO,
    files: [
      { path: 'README.md', content: new Blob([card('license: apache2')]) },
      { path: 'weights.bin', content: new Blob([new Uint8Array([0, 1, 2, 3])]) }
    ]
  })
  await assert.rejects(refused, (error: unknown) => {
    assert.ok(error instanceof HubApiError)
    assert.equal(error.statusCode, 400)
    assert.match(error.message, /^"license" must be one of \[apache-2\.0/)
    return true
  })
  assert.deepEqual(await hub.listCommits(REPO), before)

  const metadata = card('license: h-research\npipeline_tag: text-to-image\ntags: [demo]')
  await uploadFiles({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repo: REPO,
    files: [{ path: 'README.md', content: new Blob([metadata]) }]
  })
  const info = await modelInfo({ hubUrl: hub.url, accessToken: TOKEN, name: REPO, additionalFields: ['cardData'] })
  assert.deepEqual(info.cardData, { license: 'h-research', pipeline_tag: 'text-to-image', tags: ['demo'] })
  assert.equal(info.task, 'text-to-image')
  assert.deepEqual(validateCard(metadata, 'model').metadata, info.cardData)

  // A README.md stored in LFS is not parsed by the Hub: no cardData.
  const lfsReadme = Buffer.concat([Buffer.from(metadata), Buffer.from([0])])
  await uploadFiles({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repo: REPO,
    files: [{ path: 'README.md', content: new Blob([lfsReadme]) }]
  })
  const lfsInfo = await modelInfo({ hubUrl: hub.url, accessToken: TOKEN, name: REPO, additionalFields: ['cardData'] })
  assert.equal(lfsInfo.cardData, undefined)
})

test('repo creation with a license the Hub does not know is refused like the card it would write', async () => {
  const create = (license: string): Promise<Response> =>
    fetch(`${hub.url}/api/repos/create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `licensed-${license}`, type: 'model', license })
    })
  const refused = await create('apache2')
  assert.equal(refused.status, 400)
  assert.match(((await refused.json()) as { error: string }).error, /^"license" must be one of/)
  assert.equal((await create('mit')).status, 200)
})
