// Loaded into the action's process by the benchmark (`node --import <this> dist/index.js`): when the
// process exits it writes its peak RSS (VmHWM) and the bytes it read through read(2) and friends
// (`rchar`) to the file named by HFUA_BENCH_PROBE. Exact at exit, where polling from outside would
// miss the end. Linux only; nothing else is changed in the process.
import { readFileSync, writeFileSync } from 'node:fs'

const out = process.env.HFUA_BENCH_PROBE
if (out) {
  process.on('exit', () => {
    const status = readFileSync('/proc/self/status', 'utf8')
    const io = readFileSync('/proc/self/io', 'utf8')
    const field = (text, name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN)
    writeFileSync(out, JSON.stringify({ vmHwmKiB: field(status, 'VmHWM'), rchar: field(io, 'rchar') }))
  })
}
