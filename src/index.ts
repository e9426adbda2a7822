import { setFlagsFromString } from 'node:v8'
import { run } from './main.ts'

// Node's fetch parses HTTP with llhttp compiled to WebAssembly, which V8 compiles twice: with its
// baseline compiler (Liftoff), then again in the background with the optimizing one. That second
// compile peaks at ~20 MiB and keeps ~6 MiB, to parse a few KB of JSON per Hub call (uploads go
// through node:http, whose parser is native). Liftoff alone is enough; nothing else here is wasm.
setFlagsFromString('--liftoff-only')
// V8 lets the old generation grow to a multiple of what survived the last full collection before it
// collects again. A publish of many files allocates ~75 KB of short-lived objects per upload request
// (the request, its answer, their headers and promises), a part of which lives long enough to be
// promoted: with 10,000 LFS files the heap grew to 140 MiB for ~35 MiB of live objects, and the
// process to 210 MiB. Favouring size keeps the growth conservative (and the young generation as it
// is): the same run peaks at ~120 MiB. The work is native (hashing, file and socket I/O), so the
// extra collections cost no measurable time (README, Performance).
setFlagsFromString('--optimize-for-size')

await run()
// Whatever a library left running (a request the deadline could not abort) must not hold the step
// open: the run has said everything it will say. A normal exit happens first (the timer is unref'd).
setTimeout(() => process.exit(), 2000).unref()
