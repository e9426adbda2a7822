import { run } from './main.ts'

await run()
// Whatever a library left running (a request the deadline could not abort) must not hold the step
// open: the run has said everything it will say. A normal exit happens first (the timer is unref'd).
setTimeout(() => process.exit(), 2000).unref()
