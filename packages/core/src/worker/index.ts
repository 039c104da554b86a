export * from './implementation.ts';
export * from './effect-executor.ts';
export * from './complete-on-route.ts';
export * from './model-catalog.ts';
export * from './model-cooldown.ts';
export * from './estimate-tokens.ts';
export * from './create-worker.ts';
export * from '../route/index.ts';
