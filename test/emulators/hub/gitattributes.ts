// The `.gitattributes` a new Hub repo starts with, and the LFS-pattern matching the preupload
// endpoint uses to decide `uploadMode`.
import type { RepoType } from './types.ts'

const LFS_ATTRS = 'filter=lfs diff=lfs merge=lfs -text'

// Patterns of the Hub's default `.gitattributes` for new repos.
const COMMON_LFS_PATTERNS = [
  '*.7z',
  '*.arrow',
  '*.bin',
  '*.bz2',
  '*.ckpt',
  '*.ftz',
  '*.gz',
  '*.h5',
  '*.joblib',
  '*.lfs.*',
  '*.mlmodel',
  '*.model',
  '*.msgpack',
  '*.npy',
  '*.npz',
  '*.onnx',
  '*.ot',
  '*.parquet',
  '*.pb',
  '*.pickle',
  '*.pkl',
  '*.pt',
  '*.pth',
  '*.rar',
  '*.safetensors',
  'saved_model/**/*',
  '*.tar.*',
  '*.tar',
  '*.tflite',
  '*.tgz',
  '*.wasm',
  '*.xz',
  '*.zip',
  '*.zst',
  '*tfevents*'
]

// Dataset repos additionally track media files.
const DATASET_MEDIA_SECTIONS: Array<[string, string[]]> = [
  ['Audio files - uncompressed', ['*.pcm', '*.sam', '*.raw']],
  ['Audio files - compressed', ['*.aac', '*.flac', '*.mp3', '*.ogg', '*.wav']],
  ['Image files - uncompressed', ['*.bmp', '*.gif', '*.png', '*.tiff']],
  ['Image files - compressed', ['*.jpg', '*.jpeg', '*.webp']],
  ['Video files - compressed', ['*.mp4', '*.webm']]
]

export function defaultGitAttributes(type: RepoType): string {
  const lines = COMMON_LFS_PATTERNS.map((pattern) => `${pattern} ${LFS_ATTRS}`)
  if (type === 'dataset') {
    lines.splice(COMMON_LFS_PATTERNS.indexOf('*.joblib') + 1, 0, `*.lz4 ${LFS_ATTRS}`, `*.mds ${LFS_ATTRS}`)
    for (const [title, patterns] of DATASET_MEDIA_SECTIONS) {
      lines.push(`# ${title}`, ...patterns.map((pattern) => `${pattern} ${LFS_ATTRS}`))
    }
  }
  return lines.join('\n') + '\n'
}

interface FilterRule {
  matches: (path: string) => boolean
  lfs: boolean
}

/** Parses the `filter` attribute of each line; later lines win, as in git. */
export function parseLfsRules(gitattributes: string): FilterRule[] {
  const rules: FilterRule[] = []
  for (const rawLine of gitattributes.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (!line || line.startsWith('#')) continue
    const [pattern, ...attrs] = line.split(/\s+/)
    if (!pattern) continue
    const filter = attrs.find((attr) => /^[-!]?filter(=|$)/.test(attr))
    if (!filter) continue
    rules.push({ matches: globMatcher(pattern), lfs: filter === 'filter=lfs' })
  }
  return rules
}

export function isLfsTracked(path: string, rules: FilterRule[]): boolean {
  let lfs = false
  for (const rule of rules) if (rule.matches(path)) lfs = rule.lfs
  return lfs
}

// gitattributes globs: a pattern without '/' matches the file name at any depth, otherwise it is
// anchored at the repo root; '*' and '?' never cross '/', '**' does.
function globMatcher(pattern: string): (path: string) => boolean {
  const anchored = pattern.includes('/')
  const source = (pattern.startsWith('/') ? pattern.slice(1) : pattern)
    .split(/(\*\*\/|\/\*\*$|\*\*|\*|\?|\[[^\]]*\])/)
    .map((token) => {
      if (token === '**/') return '(?:.*/)?'
      if (token === '/**') return '/.*'
      if (token === '**') return '.*'
      if (token === '*') return '[^/]*'
      if (token === '?') return '[^/]'
      if (token.startsWith('[') && token.endsWith(']') && token.length > 2) return token.replace('[!', '[^')
      return token.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    })
    .join('')
  const regex = new RegExp(`^${source}$`)
  return anchored ? (path) => regex.test(path) : (path) => regex.test(path.slice(path.lastIndexOf('/') + 1))
}
