import { z } from 'zod';

export const driverNames = ['local', 'temporal', 'restate', 'inngest'] as const;
export type DriverName = (typeof driverNames)[number];

/** The package that implements each driver; `createDriverFromConfig` imports it on demand. */
export const driverPackages: Record<DriverName, string> = {
  local: '@ratchet/driver-local',
  temporal: '@ratchet/driver-temporal',
  restate: '@ratchet/driver-restate',
  inngest: '@ratchet/driver-inngest',
};

export const configSchema = z.strictObject({
  driver: z.enum(driverNames),
  // Each driver's options are checked by that driver's own exported schema when it is created.
  /** Options for the local driver (see `localDriverOptionsSchema` in `@ratchet/driver-local`). */
  local: z.record(z.string(), z.unknown()).optional(),
  /** Options for the Temporal driver (see `temporalDriverOptionsSchema` in `@ratchet/driver-temporal`). */
  temporal: z.record(z.string(), z.unknown()).optional(),
  /** Options for the Restate driver (see `restateDriverOptionsSchema` in `@ratchet/driver-restate`). */
  restate: z.record(z.string(), z.unknown()).optional(),
  /** Options for the Inngest driver (see `inngestDriverOptionsSchema` in `@ratchet/driver-inngest`). */
  inngest: z.record(z.string(), z.unknown()).optional(),
});

export type RatchetConfig = z.input<typeof configSchema>;

/**
 * Declares `ratchet.config.ts`. The value is checked when it is loaded, so an unknown driver or
 * option is reported with the list of valid ones.
 *
 * @example
 * export default defineConfig({ driver: 'local', local: { path: '.ratchet/runs.db' } });
 */
export function defineConfig(config: RatchetConfig): RatchetConfig {
  return config;
}
