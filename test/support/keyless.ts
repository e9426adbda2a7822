/**
 * The Trusted Publisher the README's "Keyless publishing" section configures for the seed repo
 * (plus an environment), as the keyless tests register it on the Hub emulator: the claims a job's
 * OIDC ID token must carry to be exchanged for a token to that repo.
 */
export const KEYLESS_REPO = 'd4oit/tiny-cats-model'
export const WORKFLOW_REF = `${KEYLESS_REPO}/.github/workflows/upload-hub.yml@refs/heads/main`
export const PUBLISHER_CLAIMS = {
  repository: KEYLESS_REPO,
  ref: 'refs/heads/main',
  workflow_ref: WORKFLOW_REF,
  job_workflow_ref: WORKFLOW_REF,
  environment: 'hub'
}
