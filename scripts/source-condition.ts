// Inside the repo every Node process resolves @ratchet/* to its TypeScript sources through the
// `@ratchet/source` export condition (.npmrc sets it for npm scripts); this adds it for a script
// started with plain `node`, so its children agree with it.
export const sourceConditionFlag = '--conditions=@ratchet/source';

export function sourceCondition(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const options = env.NODE_OPTIONS ?? '';
  return options.includes(sourceConditionFlag) ? env : { ...env, NODE_OPTIONS: `${options} ${sourceConditionFlag}`.trim() };
}
