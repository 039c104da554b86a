export * from './implementation.ts';
export * from './effect-executor.ts';
