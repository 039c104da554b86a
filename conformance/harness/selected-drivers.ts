import { allDrivers } from '../drivers/index.ts';
import type { DriverUnderTest } from './driver-under-test.ts';

/** The drivers to run: all of them, or those named in RATCHET_DRIVERS (comma-separated). */
export function selectedDrivers(): DriverUnderTest[] {
  const wanted = process.env.RATCHET_DRIVERS?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!wanted?.length) return allDrivers;
  const unknown = wanted.filter((name) => !allDrivers.some((driver) => driver.name === name));
  if (unknown.length) {
    throw new Error(`Unknown driver(s) in RATCHET_DRIVERS: ${unknown.join(', ')}. In the matrix: ${allDrivers.map((d) => d.name).join(', ')}`);
  }
  return allDrivers.filter((driver) => wanted.includes(driver.name));
}
