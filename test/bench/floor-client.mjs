// The benchmark's floor, as its own process (like the action, so the emulator in the benchmark's
// process does not share an event loop with the sender): a streamed SHA-256 of every file with
// node:crypto, then one raw streamed PUT of all their bytes to a presigned storage URL.
//
//   node floor-client.mjs <list file: one path per line> <upload href> <total bytes>
//
// Prints {"hash_s": …, "put_s": …} on stdout.
import { createHash } from 'node:crypto'
import { createReadStream, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { Readable } from 'node:stream'

const [listFile, href, size] = process.argv.slice(2)
const paths = readFileSync(listFile, 'utf8').split('\n').filter(Boolean)
const read = (path) => createReadStream(path, { highWaterMark: 1024 * 1024 })

let started = performance.now()
for (const path of paths) {
  const hash = createHash('sha256')
  for await (const chunk of read(path)) hash.update(chunk)
  hash.digest('hex')
}
const hashSeconds = (performance.now() - started) / 1000

started = performance.now()
await new Promise((resolve, reject) => {
  const req = request(href, { method: 'PUT', headers: { 'content-length': size } }, (res) => {
    res.resume()
    res.on('end', () =>
      res.statusCode < 300 ? resolve() : reject(new Error(`the floor's PUT was answered ${res.statusCode}`))
    )
  })
  req.on('error', reject)
  Readable.from(
    (async function* () {
      for (const path of paths) yield* read(path)
    })()
  ).pipe(req)
})
const putSeconds = (performance.now() - started) / 1000
console.log(JSON.stringify({ hash_s: hashSeconds, put_s: putSeconds }))
