export { restateDriver, createDriver, restateDriverOptionsSchema, type RestateDriverOptions } from './driver.ts';
export { requestIdentityPublicKey } from './request-identity.ts';
