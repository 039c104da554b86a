export { restateDriver, createDriver, restateDriverOptionsSchema, type RestateDriverOptions } from './driver.ts';
