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
  /** Options for the local driver (see `@ratchet/driver-local`). */
  local: z.strictObject({ path: z.string().min(1).optional(), leaseMs: z.number().positive().optional(), pollIntervalMs: z.number().positive().optional() }).optional(),
  temporal: z.record(z.string(), z.unknown()).optional(),
  restate: z.record(z.string(), z.unknown()).optional(),
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
