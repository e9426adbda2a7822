/** Everything a run found out, gathered in one object so outputs and summary come from one place. */
import type { DownloadedArtifact } from '../artifacts/download-artifacts.ts'
import type { PlannedFile } from '../hub/upload-plan.ts'

export interface RunResult {
  repo: { type: 'model' | 'dataset' | 'space'; name: string; url: string }
  branch: string
  dryRun: boolean
  changed: boolean
  commit?: { oid: string; url: string }
  files: readonly PlannedFile[]
  bytesUploaded: number
  createdRepo: boolean
  /** The Train run the files came from, when there was one. */
  trainRun?: { id: number; url: string }
  artifacts?: readonly DownloadedArtifact[]
  /** The failure issue this success closed. */
  closedIssueUrl?: string
}
