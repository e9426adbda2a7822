/**
 * The Hub's limits on a repo's shape, checked on the paths a publish would write, before anything
 * is hashed or uploaded (hub-protocol.md §14, the Hub's storage-limits docs). Pure.
 */

/** The Hub refuses a folder with more entries (files and subfolders) than this. */
export const MAX_FOLDER_ENTRIES = 10_000

/**
 * Folders that `paths` (repo paths of the files to publish) would fill beyond `max` entries, with
 * their counts. The repo root is "" (shown as "/"). Only the files given are counted: a folder that
 * the repo already fills with other files can still be refused by the Hub, atomically.
 */
export function crowdedFolders(
  paths: readonly string[],
  max = MAX_FOLDER_ENTRIES
): Array<{ folder: string; files: number; folders: number }> {
  const entries = new Map<string, { files: Set<string>; folders: Set<string> }>()
  const add = (folder: string, kind: 'files' | 'folders', name: string) => {
    let entry = entries.get(folder)
    if (!entry) entries.set(folder, (entry = { files: new Set(), folders: new Set() }))
    entry[kind].add(name)
  }
  for (const path of paths) {
    const parts = path.split('/')
    for (let i = 0; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/')
      add(folder, i === parts.length - 1 ? 'files' : 'folders', parts[i]!)
    }
  }
  return [...entries]
    .map(([folder, e]) => ({ folder, files: e.files.size, folders: e.folders.size }))
    .filter((e) => e.files + e.folders > max)
    .sort((a, b) => a.folder.localeCompare(b.folder))
}

/** The error text for crowded folders: what is wrong and what to do. */
export function describeCrowdedFolders(crowded: ReturnType<typeof crowdedFolders>, max = MAX_FOLDER_ENTRIES): string {
  const lines = crowded.map(
    (c) => `- ${c.folder || '/'}: ${c.files + c.folders} entries (${c.files} files, ${c.folders} folders)`
  )
  return (
    `The files input would put more than ${max.toLocaleString('en-US')} entries into one folder of the repo, ` +
    `which the Hub refuses (nothing was uploaded):\n${lines.join('\n')}\n` +
    'Split such a folder into subfolders (map parts of it to different destinations), or pack its files ' +
    'into archives or shards (tar, zip, Parquet, WebDataset).'
  )
}

/** The error text for a commit that would carry more files than `max-commit-files`. */
export function describeOversizedCommit(files: number, max: number): string {
  return (
    `This publish would add, update or delete ${files} files in one commit, more than max-commit-files ` +
    `(${max}); nothing was uploaded. The Hub checks every file of a commit within a 60 s request timeout ` +
    'and recommends 50-100 files per commit, so a larger commit risks timing out. Pack small files into ' +
    'archives or shards (tar, zip, Parquet, WebDataset), publish fewer of them per run, or raise ' +
    'max-commit-files if this Hub is known to take it.'
  )
}
