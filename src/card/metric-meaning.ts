/**
 * What the common evaluation metrics mean and which way is better, so that the card can say "FID,
 * lower is better" instead of leaving a reader to guess. One small table, looked up by the metric's
 * type or the last key of its report path; a metric that is not in it gets no direction and no
 * meaning (the card then says nothing rather than something wrong). Pure.
 */

export type Better = 'lower' | 'higher'

export interface KnownMetric {
  /** How the card names the metric when the report's key is exactly one of `keys`. */
  name: string
  /** Which values are better; absent for counts such as training steps, which are not scores. */
  better?: Better
  /** A count such as training steps: shown with the metrics, but not a result of an evaluation. */
  count?: true
  /** One line for the card; for a generative task `generative` replaces it when given. */
  meaning?: string
  /** The meaning for a generative model, where precision and recall measure fidelity and diversity. */
  generative?: string
}

interface Entry extends KnownMetric {
  /** Metric types as metricTypeFor writes them: lower-case, `[a-z0-9_]`. */
  keys: readonly string[]
}

const ROUGE = 'overlap of n-grams (ROUGE-1, -2) or of the longest common subsequence (ROUGE-L) with references'

const TABLE: readonly Entry[] = [
  {
    keys: ['fid', 'frechet_inception_distance'],
    name: 'FID',
    better: 'lower',
    meaning: 'Fréchet Inception Distance, how far the Inception-v3 features of generated images are from real ones'
  },
  {
    keys: ['kid', 'kernel_inception_distance'],
    name: 'KID',
    better: 'lower',
    meaning: 'Kernel Inception Distance, like FID without its bias on small sample sets'
  },
  {
    keys: ['is', 'inception_score'],
    name: 'Inception Score',
    better: 'higher',
    meaning: 'how confidently and how diversely an Inception-v3 classifier labels the generated images'
  },
  {
    keys: ['precision'],
    name: 'Precision',
    better: 'higher',
    generative: 'fidelity, the share of generated samples that fall within the distribution of real data'
  },
  {
    keys: ['recall'],
    name: 'Recall',
    better: 'higher',
    generative: 'diversity, the share of the real data distribution that generated samples cover'
  },
  { keys: ['loss'], name: 'Loss', better: 'lower', meaning: 'the objective the model was trained to minimise' },
  {
    keys: ['accuracy', 'acc', 'top1', 'top_1'],
    name: 'Accuracy',
    better: 'higher',
    meaning: 'the share of correct predictions'
  },
  {
    keys: ['top5', 'top_5', 'top5_accuracy', 'top_5_accuracy'],
    name: 'Top-5 accuracy',
    better: 'higher',
    meaning: 'the share of examples whose true label is among the five highest-scored'
  },
  { keys: ['f1', 'f1_score'], name: 'F1', better: 'higher', meaning: 'harmonic mean of precision and recall' },
  {
    keys: ['perplexity', 'ppl'],
    name: 'Perplexity',
    better: 'lower',
    meaning: 'exponential of the mean negative log-likelihood per token'
  },
  {
    keys: ['wer'],
    name: 'WER',
    better: 'lower',
    meaning: 'word error rate, the substituted, deleted and inserted words per reference word'
  },
  { keys: ['cer'], name: 'CER', better: 'lower', meaning: 'character error rate' },
  { keys: ['bleu', 'sacrebleu'], name: 'BLEU', better: 'higher', meaning: 'n-gram overlap with reference texts' },
  { keys: ['rouge1'], name: 'ROUGE-1', better: 'higher', meaning: ROUGE },
  { keys: ['rouge2'], name: 'ROUGE-2', better: 'higher', meaning: ROUGE },
  { keys: ['rougel', 'rouge_l', 'rougelsum'], name: 'ROUGE-L', better: 'higher', meaning: ROUGE },
  {
    keys: ['psnr'],
    name: 'PSNR',
    better: 'higher',
    meaning: 'peak signal-to-noise ratio against the reference, in dB'
  },
  {
    keys: ['ssim'],
    name: 'SSIM',
    better: 'higher',
    meaning: 'structural similarity with the reference (1: identical)'
  },
  { keys: ['lpips'], name: 'LPIPS', better: 'lower', meaning: 'learned perceptual distance to the reference' },
  { keys: ['mse'], name: 'MSE', better: 'lower', meaning: 'mean squared error' },
  { keys: ['rmse'], name: 'RMSE', better: 'lower', meaning: 'root mean squared error' },
  { keys: ['mae'], name: 'MAE', better: 'lower', meaning: 'mean absolute error' },
  { keys: ['auc', 'roc_auc', 'auroc'], name: 'ROC AUC', better: 'higher', meaning: 'area under the ROC curve' },
  { keys: ['map'], name: 'mAP', better: 'higher', meaning: 'mean average precision' },
  {
    keys: ['clip_score', 'clipscore'],
    name: 'CLIP score',
    better: 'higher',
    meaning: 'agreement between image and text, as CLIP embeds them'
  },
  // Counts, not scores: a readable name, no direction, and no place among the model-index results.
  { keys: ['steps', 'step', 'global_step', 'train_steps'], name: 'Training steps', count: true },
  { keys: ['epochs', 'epoch'], name: 'Epochs', count: true }
]

const BY_KEY = new Map(TABLE.flatMap((entry) => entry.keys.map((key) => [key, entry] as const)))

/** "eval_loss", "val_fid": the split a value was measured on, in front of the metric's own name. */
const SPLIT_PREFIX = /^(eval|evaluation|val|valid|validation|test|train|training)_/
/** "fid_50k", "is_10k": the number of samples a value was measured on, after it. */
const SAMPLES_SUFFIX = /_?\d+k$/

/**
 * The table's entry for a metric, tried on each key in turn (the metric type, then the last key of
 * its report path, both lower-cased to `[a-z0-9_]`). `exact` says the key is the table's own (so the
 * card may use the table's name); otherwise a split prefix or a sample-count suffix was dropped
 * ("eval_loss", "fid_50k"), which keeps the direction and meaning but not the name.
 */
export function knownMetric(keys: readonly string[]): { metric: KnownMetric; exact: boolean } | undefined {
  for (const key of keys) {
    const entry = BY_KEY.get(key)
    if (entry) return { metric: entry, exact: true }
  }
  for (const key of keys) {
    const entry = BY_KEY.get(key.replace(SPLIT_PREFIX, '').replace(SAMPLES_SUFFIX, ''))
    if (entry) return { metric: entry, exact: false }
  }
  return undefined
}

/** Tasks whose models generate data: there precision and recall measure fidelity and diversity of samples. */
const GENERATIVE_TASK = /generation$|^text-to-(image|video|audio|speech|3d)$|^image-to-(image|video|3d)$/

/** The meaning for this task, or undefined when the table has none that fits it. */
export function meaningFor(metric: KnownMetric, pipelineTag: string | undefined): string | undefined {
  const generative = pipelineTag !== undefined && GENERATIVE_TASK.test(pipelineTag)
  return (generative ? metric.generative : undefined) ?? metric.meaning
}
