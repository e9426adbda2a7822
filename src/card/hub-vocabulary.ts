/**
 * The ids the Hub accepts in a model card's `license` and `pipeline_tag`.
 *
 * Hard-coded rather than imported: `@huggingface/tasks` (where PIPELINE_TYPES lives) is only a
 * transitive dependency, and importing it would pull about 300 KB of task data into dist/ for 57
 * strings. test/unit/model-card.test.ts compares PIPELINE_TAGS with the installed
 * `@huggingface/tasks`, so an update of @huggingface/hub that adds a task fails the tests here.
 */

/**
 * License ids, from https://huggingface.co/docs/hub/repositories-licenses (the same list as the
 * `License` type of @huggingface/hub 2.17). "other" is for a license not in the list, described by
 * `license_name` and `license_link`.
 */
export const LICENSES: ReadonlySet<string> = new Set([
  'apache-2.0', 'mit', 'openrail', 'bigscience-openrail-m', 'creativeml-openrail-m', 'bigscience-bloom-rail-1.0',
  'bigcode-openrail-m', 'afl-3.0', 'artistic-2.0', 'bsl-1.0', 'bsd', 'bsd-2-clause', 'bsd-3-clause',
  'bsd-3-clause-clear', 'c-uda', 'cc', 'cc0-1.0', 'cc-by-2.0', 'cc-by-2.5', 'cc-by-3.0', 'cc-by-4.0', 'cc-by-sa-3.0',
  'cc-by-sa-4.0', 'cc-by-nc-2.0', 'cc-by-nc-3.0', 'cc-by-nc-4.0', 'cc-by-nd-4.0', 'cc-by-nc-nd-3.0', 'cc-by-nc-nd-4.0',
  'cc-by-nc-sa-2.0', 'cc-by-nc-sa-3.0', 'cc-by-nc-sa-4.0', 'cdla-sharing-1.0', 'cdla-permissive-1.0',
  'cdla-permissive-2.0', 'wtfpl', 'ecl-2.0', 'epl-1.0', 'epl-2.0', 'etalab-2.0', 'eupl-1.1', 'agpl-3.0', 'gfdl', 'gpl',
  'gpl-2.0', 'gpl-3.0', 'lgpl', 'lgpl-2.1', 'lgpl-3.0', 'isc', 'lppl-1.3c', 'ms-pl', 'mpl-2.0', 'odc-by', 'odbl',
  'openrail++', 'osl-3.0', 'postgresql', 'ofl-1.1', 'ncsa', 'unlicense', 'zlib', 'pddl', 'lgpl-lr',
  'deepfloyd-if-license', 'llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.3', 'gemma', 'apple-ascl', 'apple-amlr',
  'unknown', 'other'
])

/** Task ids, as PIPELINE_TYPES in @huggingface/tasks 0.21 (https://huggingface.co/tasks). */
export const PIPELINE_TAGS: ReadonlySet<string> = new Set([
  'text-classification', 'token-classification', 'table-question-answering', 'question-answering',
  'zero-shot-classification', 'translation', 'summarization', 'feature-extraction', 'text-generation', 'fill-mask',
  'sentence-similarity', 'text-to-speech', 'text-to-audio', 'automatic-speech-recognition', 'audio-to-audio',
  'audio-classification', 'audio-text-to-text', 'voice-activity-detection', 'depth-estimation', 'image-classification',
  'object-detection', 'image-segmentation', 'text-to-image', 'image-to-text', 'image-to-image', 'image-to-video',
  'unconditional-image-generation', 'video-classification', 'reinforcement-learning', 'robotics',
  'tabular-classification', 'tabular-regression', 'tabular-to-text', 'table-to-text', 'multiple-choice', 'text-ranking',
  'text-retrieval', 'time-series-forecasting', 'text-to-video', 'image-text-to-text', 'image-text-to-image',
  'image-text-to-video', 'visual-question-answering', 'document-question-answering', 'zero-shot-image-classification',
  'graph-ml', 'mask-generation', 'zero-shot-object-detection', 'text-to-3d', 'image-to-3d', 'image-feature-extraction',
  'video-text-to-text', 'keypoint-detection', 'visual-document-retrieval', 'any-to-any', 'video-to-video', 'other'
])
