import { setFlagsFromString } from 'node:v8'
import { run } from './main.ts'

// Node's fetch parses HTTP with llhttp compiled to WebAssembly, which V8 compiles twice: with its
// baseline compiler (Liftoff), then again in the background with the optimizing one. That second
// compile peaks at ~20 MiB and keeps ~6 MiB, to parse a few KB of JSON per Hub call (uploads go
// through node:http, whose parser is native). Liftoff alone is enough; nothing else here is wasm.
setFlagsFromString('--liftoff-only')

await run()
// Whatever a library left running (a request the deadline could not abort) must not hold the step
// open: the run has said everything it will say. A normal exit happens first (the timer is unref'd).
setTimeout(() => process.exit(), 2000).unref()
