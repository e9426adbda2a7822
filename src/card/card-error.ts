/**
 * The model card cannot be built or would be refused by the Hub. The message lists every problem
 * and says what to change (the input, the template, or the card on the Hub). Thrown before any
 * byte is pushed, so a bad card never reaches the repo.
 */
export class CardError extends Error {
  override name = 'CardError'
}
