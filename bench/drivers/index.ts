import type { BenchDriver } from '../harness/bench-driver.ts';
import { inngest } from './inngest.ts';
import { local } from './local.ts';
import { restate } from './restate.ts';
import { temporal } from './temporal.ts';

/**
 * Every engine the bench measures, one entry each. An engine joins once its driver passes the
 * conformance suite and its entry here supplies the bare side (the engine's own SDK doing the same work).
 */
export const allBenchDrivers: BenchDriver[] = [local, temporal, restate, inngest];
