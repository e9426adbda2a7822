/**
 * Fake tokens for this test run. The test runner (test/run-tests.mjs) generates fresh ones per
 * run and scans all captured output for them; a test file run on its own gets fixed fallbacks.
 */
export const HF_TOKEN = process.env.HFUA_TEST_HF_TOKEN ?? 'hf_' + 'x'.repeat(34)
export const HF_TOKEN_READONLY = process.env.HFUA_TEST_HF_TOKEN_READONLY ?? 'hf_' + 'r'.repeat(34)
export const GH_TOKEN = process.env.HFUA_TEST_GH_TOKEN ?? 'ghs_' + 'x'.repeat(36)
