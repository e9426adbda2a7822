/**
 * Downloads one artifact of another workflow run with `@actions/artifact` (its `findBy` path), as
 * the zip itself (`skipDecompress`), into a folder the caller created fresh and empty. The library
 * checks the zip's digest while it streams; `extract-zip.ts` then checks every entry before it
 * extracts anything (the library's own unzip silently rewrites hostile entry names).
 *
 * `@actions/artifact` reads GITHUB_API_URL when it is first imported, so it is imported lazily,
 * after the environment is final.
 */

export interface ArtifactDownloadRequest {
  artifactId: number
  /** "sha256:<hex>" from the API, checked against the downloaded zip when present. */
  expectedDigest: string | null
  /** Fresh, empty folder to save the zip in (one file, named by the storage's Content-Disposition). */
  directory: string
  runId: number
}

export interface ArtifactDownloader {
  download(request: ArtifactDownloadRequest): Promise<{ digestMismatch: boolean }>
}

export function createArtifactDownloader(options: { token: string; owner: string; repo: string }): ArtifactDownloader {
  return {
    async download(request) {
      const { DefaultArtifactClient } = await import('@actions/artifact')
      const client = new DefaultArtifactClient()
      const result = await client.downloadArtifact(request.artifactId, {
        path: request.directory,
        expectedHash: request.expectedDigest ?? undefined,
        skipDecompress: true,
        findBy: {
          token: options.token,
          workflowRunId: request.runId,
          repositoryOwner: options.owner,
          repositoryName: options.repo
        }
      })
      return { digestMismatch: result.digestMismatch === true }
    }
  }
}
