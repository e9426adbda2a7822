/** A tiny PNG encoder for sample images in demos and tests (RGB, 8-bit, no filtering). */
import { crc32, deflateSync } from 'node:zlib'

export function encodePng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number]
): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1) // each scanline starts with filter type 0
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 3)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // bit depth 8, colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** A soft "cat-coloured" gradient with a seed-dependent tint, so each sample differs. */
export function samplePng(seed: number, size = 64): Buffer {
  return encodePng(size, size, (x, y) => {
    const d = Math.hypot(x - size / 2, y - size / 2) / (size / 2)
    const base = Math.max(0, 1 - d)
    return [
      Math.round(200 * base + 40 + seed * 7) % 256,
      Math.round(140 * base + 30 + seed * 13) % 256,
      Math.round(90 * base + 20 + seed * 3) % 256
    ]
  })
}
