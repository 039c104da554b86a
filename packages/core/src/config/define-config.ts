import { z } from 'zod';

/**
 * A driver's name: the suffix of its package, `@ratchet/driver-<name>` (`local` → `@ratchet/driver-local`).
 * Core lists no driver, so a driver someone else publishes is configured the same way.
 */
export const driverNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'a driver name is lower-case letters, digits and dashes, like "local" or "temporal"');

export const configSchema = z
  .object({
    /** The driver runs start on; its options are the section of the same name. */
    driver: driverNameSchema,
    /** Where a driver's package is not `@ratchet/driver-<name>`: `{ dbos: 'ratchet-driver-dbos' }`. */
    driverPackages: z.record(driverNameSchema, z.string().min(1)).optional(),
  })
  // Every other key is one driver's options, checked by that driver's own exported schema when it is
  // created. Sections of drivers not selected are kept, so moving to an engine changes one line and
  // `ratchet migrate --to <driver>` finds the target's options in the same file.
  .catchall(z.record(z.string(), z.unknown()));

/** `ratchet.config.ts`: the driver, and one section of options per driver (`local: { path }`). */
export interface RatchetConfig {
  driver: string;
  driverPackages?: Record<string, string>;
  [section: string]: unknown;
}

/** The package that implements `driver` under this config. */
export function driverPackageName(config: Pick<RatchetConfig, 'driverPackages'>, driver: string): string {
  return config.driverPackages?.[driver] ?? `@ratchet/driver-${driver}`;
}

/**
 * Declares `ratchet.config.ts`. The value is checked when it is loaded, and the selected driver's
 * options by the driver itself, so an unknown option is reported with the list of valid ones.
 *
 * @example
 * export default defineConfig({ driver: 'local', local: { path: '.ratchet/runs.db' } });
 */
export function defineConfig(config: RatchetConfig): RatchetConfig {
  return config;
}
