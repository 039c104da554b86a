import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, type AgentDeclaration } from '@ratchet/core';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowSettings } from './protocol.ts';

// This package runs from its TypeScript sources inside the Ratchet repo (the `@ratchet/source`
// export condition) and from dist/ when installed; the bundle takes the workflow module and the
// Ratchet packages from the same place as the worker, so it never mixes the two.
const fromSource = import.meta.url.endsWith('.ts');
const workflowModule = fileURLToPath(new URL(fromSource ? './workflow.ts' : './workflow.js', import.meta.url));
// The generated entry lives in the cache, outside any package: the SDK's own entrypoint imports
// `@temporalio/workflow`, so webpack must also look where this package finds it.
const sdkModulesDir = dirname(dirname(dirname(fileURLToPath(import.meta.resolve('@temporalio/workflow/package.json')))));
// Part of the cache key: a bundle made by another SDK version is never reused.
const sdkVersion = (JSON.parse(readFileSync(new URL(import.meta.resolve('@temporalio/worker/package.json')), 'utf8')) as { version: string }).version;

export interface WorkflowBundleRequest {
  /** The worker's agents: each must be exported by one of `agentModules`. */
  agents: readonly AgentDeclaration[];
  /** Paths of the modules that declare them (relative paths resolve from the working directory). */
  agentModules: readonly string[];
  settings: WorkflowSettings;
  /** Where built bundles are kept, or false to build every time. */
  cacheDir: string | false;
}

interface Manifest {
  files: { path: string; mtimeMs: number; size: number }[];
}

/**
 * The workflow code for a worker's agents: a generated entry that imports each agent from the
 * module that declares it (unchanged: no source rewriting) and exports `defineAgentWorkflow` over
 * them, bundled by Temporal's bundler, which refuses Node built-ins and non-workflow packages.
 *
 * The bundle is cached under `cacheDir` by the entry's text, with a manifest of every source file
 * it was built from; a cached bundle is used only while all of them are unchanged, so a restarted
 * worker starts in well under a second instead of re-running webpack.
 */
export async function loadWorkflowBundle(request: WorkflowBundleRequest): Promise<{ code: string }> {
  const entry = await generateEntry(request);
  const key = createHash('sha256').update(`${sdkVersion}\n${entry}`).digest('hex').slice(0, 24);
  const dir = request.cacheDir === false ? mkdtempSync(join(tmpdir(), 'ratchet-workflow-')) : join(request.cacheDir, key);
  mkdirSync(dir, { recursive: true });
  const cached = readCached(dir);
  if (cached) return { code: cached };

  const entryPath = join(dir, 'entry.ts');
  writeFileSync(entryPath, entry);
  const { code } = await bundle(entryPath);
  const manifest: Manifest = { files: bundledSources(code).map((path) => ({ path, ...fileStamp(path) })) };
  if (request.cacheDir === false || manifest.files.length === 0) return { code };
  // Written under temporary names and renamed, so a concurrent reader never sees half a bundle.
  const suffix = `.${process.pid}.tmp`;
  writeFileSync(join(dir, `bundle.js${suffix}`), code);
  writeFileSync(join(dir, `manifest.json${suffix}`), JSON.stringify(manifest));
  renameSync(join(dir, `bundle.js${suffix}`), join(dir, 'bundle.js'));
  renameSync(join(dir, `manifest.json${suffix}`), join(dir, 'manifest.json'));
  return { code };
}

/** The entry module's source; exported for tests. */
export async function generateEntry(request: WorkflowBundleRequest): Promise<string> {
  if (request.agentModules.length === 0) {
    throw new ConfigError(
      'The Temporal driver needs agentModules: the paths of the modules that export your agents, so they can be bundled into the workflow',
      { option: 'agentModules' },
    );
  }
  const modules = request.agentModules.map((path) => resolve(path));
  const found = new Map<AgentDeclaration, { path: string; exportName: string }>();
  for (const path of modules) {
    const exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(exports)) {
      const agent = request.agents.find((candidate) => candidate === value);
      if (agent && !found.has(agent)) found.set(agent, { path, exportName });
    }
  }
  const imports: string[] = [];
  request.agents.forEach((agent, index) => {
    const source = found.get(agent);
    if (!source) {
      throw new ConfigError(
        `Agent "${agent.name}" is not exported by any of the agentModules (${modules.join(', ')}): add the module that declares it`,
        { agent: agent.name, agentModules: modules },
      );
    }
    imports.push(`import { ${source.exportName} as agent${index} } from ${JSON.stringify(source.path)};`);
  });
  return [
    `// Generated by @ratchet/driver-temporal for the agents ${request.agents.map((agent) => agent.name).join(', ')}.`,
    `import { defineAgentWorkflow } from ${JSON.stringify(workflowModule)};`,
    ...imports,
    `export default defineAgentWorkflow([${request.agents.map((_, index) => `agent${index}`).join(', ')}], ${JSON.stringify(request.settings)});`,
    '',
  ].join('\n');
}

/**
 * Runs Temporal's bundler on the entry. Its webpack report is kept out of the console; when the
 * build fails, its errors (a Node built-in imported by an agent module, say) go into the thrown one.
 */
async function bundle(entryPath: string): Promise<{ code: string }> {
  const reports: string[] = [];
  try {
    return await bundleWorkflowCode({
      workflowsPath: entryPath,
      logger: new DefaultLogger('WARN', (entry) => reports.push(entry.message)),
      webpackConfigHook: (config) => ({
        ...config,
        resolve: {
          ...config.resolve,
          modules: [...(config.resolve?.modules ?? ['node_modules']), sdkModulesDir],
          // webpack's defaults, with the sources' condition first (setting the list drops the defaults).
          ...(fromSource ? { conditionNames: ['@ratchet/source', 'import', 'require', 'module', 'webpack', 'development', 'browser'] } : {}),
        },
      }),
    });
  } catch (error) {
    const errors = reports.flatMap((report) => report.match(/ERROR in [^\n]*\n[^\n]*/g) ?? []);
    if (errors.length === 0) throw error;
    throw new ConfigError(
      `The agent modules do not bundle into a Temporal workflow, whose sandbox allows no Node built-ins and no non-workflow packages:\n${errors.join('\n')}`,
      { errors },
    );
  }
}

function readCached(dir: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    for (const file of manifest.files) {
      const stamp = fileStamp(file.path);
      if (stamp.mtimeMs !== file.mtimeMs || stamp.size !== file.size) return undefined;
    }
    return readFileSync(join(dir, 'bundle.js'), 'utf8');
  } catch {
    return undefined;
  }
}

function fileStamp(path: string): { mtimeMs: number; size: number } {
  const stat = statSync(path);
  return { mtimeMs: stat.mtimeMs, size: stat.size };
}

/** Every file the bundle was built from, read from its inline source map (absolute paths). */
function bundledSources(code: string): string[] {
  const marker = 'sourceMappingURL=data:application/json;charset=utf-8;base64,';
  const at = code.lastIndexOf(marker);
  if (at < 0) return [];
  const map = JSON.parse(Buffer.from(code.slice(at + marker.length).trim(), 'base64').toString('utf8')) as { sources: string[] };
  // The SDK's own entrypoint is virtual (in memory): only files on disk can change.
  return [...new Set(map.sources.filter((source) => isAbsolute(source) && existsSync(source)))];
}
