export type { AppliedEffect, EffectAttempt, EffectReceipt } from './effects.ts';
export { postEffect, WorldRequestError } from './post-effect.ts';
export { startWorldService, type WorldService } from './world-service.ts';
