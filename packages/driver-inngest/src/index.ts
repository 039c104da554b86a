export { inngestDriver, createDriver, inngestDriverOptionsSchema, type InngestDriverOptions } from './driver.ts';
export { EngineLimitError, type EngineLimit } from './errors.ts';
export { startInngestServer, type InngestServer, type InngestServerOptions } from './server.ts';
