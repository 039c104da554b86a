export { temporalDriver, createDriver, temporalDriverOptionsSchema, type TemporalDriverOptions } from './driver.ts';
export { startTemporalServer, defaultTemporalBinary, temporalCliVersion, type TemporalServer, type TemporalServerOptions } from './server.ts';
