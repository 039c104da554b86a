import type { DriverUnderTest } from '../harness/driver-under-test.ts';
import { inngest } from './inngest.ts';
import { local } from './local.ts';
import { restate } from './restate.ts';
import { temporal } from './temporal.ts';

/** Every driver in the matrix. A driver that cannot pass a scenario fails the build: no skip lists. */
export const allDrivers: DriverUnderTest[] = [local, temporal, restate, inngest];
