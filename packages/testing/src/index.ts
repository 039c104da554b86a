export * from './model-server/index.ts';
export * from './process/index.ts';
export * from './world/index.ts';
