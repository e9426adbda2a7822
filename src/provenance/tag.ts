/** The `tag` input: a Hub tag name per publish, with placeholders filled from the run. Pure. */

export interface TagValues {
  run_number: string
  run_id: string
  short_sha: string
  sha: string
  date: string
}

export const TAG_PLACEHOLDERS: ReadonlyArray<keyof TagValues> = ['run_number', 'run_id', 'short_sha', 'sha', 'date']

/** Fills `{run_number}`, `{run_id}`, `{short_sha}`, `{sha}` and `{date}`; other braces stay as written. */
export function renderTag(template: string, values: TagValues): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) =>
    (TAG_PLACEHOLDERS as readonly string[]).includes(key) ? values[key as keyof TagValues] : whole
  )
}
