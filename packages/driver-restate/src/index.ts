export { restateDriver, createDriver, restateDriverOptionsSchema, type RestateDriverOptions } from './driver.ts';
export { PayloadTooLargeError } from './payload-limit.ts';
