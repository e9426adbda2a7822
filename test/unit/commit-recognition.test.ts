// Recognising our own commit after its answer was lost: by its message, as the Hub reports it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generatedBlock, GENERATED_BEGIN, GENERATED_END } from '../../src/card/model-card.ts'
import { sameMessage } from '../../src/hub/commit.ts'

const sent = {
  title: 'Publish 3 files from d4oit/tiny@abc1234 (run 42)',
  description: 'Notes.\n\nPublished-By: hf-upload-action\nWorkflow-Run: 42'
}

test('the Hub’s "title\\n\\ndescription" (or the description alone) is recognised; anything else is not', () => {
  assert.ok(sameMessage({ title: sent.title, message: `${sent.title}\n\n${sent.description}` }, sent))
  assert.ok(sameMessage({ title: sent.title, message: `${sent.title}\r\n\r\n${sent.description}\r\n` }, sent))
  assert.ok(sameMessage({ title: sent.title, message: sent.description }, sent))
  assert.ok(!sameMessage({ title: 'Publish from another run', message: sent.description }, sent))
  assert.ok(
    !sameMessage({ title: sent.title, message: `${sent.title}\n\n${sent.description.replace('42', '43')}` }, sent),
    'another run with the same title is not ours'
  )
  assert.ok(sameMessage({ title: 'Roll back main', message: 'Roll back main' }, { title: 'Roll back main' }))
})

test('the generated block of a card is what the card owns', () => {
  const block = `${GENERATED_BEGIN}\n\n## Metrics\n\n${GENERATED_END}`
  assert.equal(generatedBlock(`---\nlicense: mit\n---\n# Mine\n\n${block}\n\nMore of mine.\n`), block)
  assert.equal(generatedBlock(`# Only mine\n`), undefined)
  assert.equal(generatedBlock(`${GENERATED_BEGIN}\nno end`), undefined, 'markers that do not pair up')
  assert.equal(generatedBlock(`a\r\n${block.replace(/\n/g, '\r\n')}`), block, 'line endings do not matter')
})
