/** Why a route did not call a model, with what the route reports if no later model answers. */
export type Skip =
  | { reason: 'no-provider' }
  | { reason: 'cooldown' }
  | { reason: 'context-window'; contextWindow: number; estimatedTokens: number }
  | { reason: 'budget'; refusal: string };

/**
 * Thrown by a route piece that will not send the request to this model. `fallback` records it as a
 * skipped attempt and moves on; it never leaves the route, so it is no `RatchetError`.
 */
export class ModelSkipped extends Error {
  readonly skip: Skip;
  constructor(skip: Skip) {
    super(`model skipped: ${skip.reason}`);
    this.name = 'ModelSkipped';
    this.skip = skip;
  }
}
