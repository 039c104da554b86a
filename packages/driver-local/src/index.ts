export { localDriver, createDriver, localDriverOptionsSchema, type LocalDriverOptions } from './driver.ts';
