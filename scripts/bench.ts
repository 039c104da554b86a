// `npm run bench`: the benchmark lives in the @ratchet/bench workspace (bench/); see bench/run.ts.
// Not part of `npm test`: it takes minutes and its figures are measurements, not assertions.
await import('../bench/run.ts');
