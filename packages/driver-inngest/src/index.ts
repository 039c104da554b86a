export { inngestDriver, createDriver, inngestDriverOptionsSchema, type InngestDriverOptions } from './driver.ts';
export { startInngestServer, type InngestServer, type InngestServerOptions } from './server.ts';
