import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Driver } from '../driver/driver.ts';
import { ConfigError } from '../errors/errors.ts';
import { configSchema, driverPackageName, type RatchetConfig } from './define-config.ts';

/** Checks a config value, naming the bad key. */
export function parseConfig(value: unknown, source = 'config'): RatchetConfig {
  const result = configSchema.safeParse(value);
  if (result.success) return result.data as RatchetConfig;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  if (issue.path.length === 1 && issue.path[0] !== 'driver' && issue.path[0] !== 'driverPackages') {
    throw new ConfigError(`${source}: ${path} must be an object of the ${path} driver's options`, { path });
  }
  throw new ConfigError(`${source}: ${path || 'config'}: ${issue.message}`, { path });
}

/**
 * Loads and checks `ratchet.config.ts` (or the file given). Every way the file can be wrong (a
 * syntax error, an error thrown as it runs, no default export, a bad value) is a `ConfigError`
 * naming the file.
 */
export async function loadConfig(file = 'ratchet.config.ts'): Promise<RatchetConfig> {
  const path = resolve(file);
  if (!existsSync(path)) throw new ConfigError(`No config file at ${path}`, { path });
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new ConfigError(`${file} could not be loaded: ${describeLoadFailure(error, path)}`, { path });
  }
  if (module.default === undefined) {
    throw new ConfigError(`${file} has no default export: export default defineConfig({ driver: 'local' })`, { path });
  }
  return parseConfig(module.default, file);
}

/** The error with the line it names in the file, if any: a syntax error's stack starts `path:line`, a thrown error's frames hold `path:line:column`. */
function describeLoadFailure(error: unknown, path: string): string {
  if (!(error instanceof Error)) return `it threw ${String(error)}`;
  const stack = error.stack ?? '';
  const at = stack.indexOf(`${path}:`);
  const line = at === -1 ? undefined : /^\d+/.exec(stack.slice(at + path.length + 1))?.[0];
  return `${error.name}${line === undefined ? '' : ` at line ${line}`}: ${error.message}`;
}

/** Imports the configured driver's package and creates the driver with its options. */
export async function createDriverFromConfig(value: RatchetConfig): Promise<Driver> {
  const config = parseConfig(value);
  const module = await importDriverPackage(config.driver, driverPackageName(config, config.driver));
  return module.createDriver(config[config.driver] ?? {});
}

/** Imports a driver package, saying plainly when it is not installed (and not when one of its own imports fails). */
async function importDriverPackage(driver: string, packageName: string): Promise<{ createDriver: (options: unknown) => Driver }> {
  let module: { createDriver?: (options: unknown) => Driver };
  try {
    module = await import(packageName);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes(`'${packageName}'`);
    if (!missing) throw error;
    throw new ConfigError(`Driver "${driver}" needs the package ${packageName}, which is not installed (npm install ${packageName}, or name the driver's package in driverPackages)`, { driver, package: packageName });
  }
  if (typeof module.createDriver !== 'function') {
    throw new ConfigError(`${packageName} does not export createDriver`, { package: packageName });
  }
  return module as { createDriver: (options: unknown) => Driver };
}
