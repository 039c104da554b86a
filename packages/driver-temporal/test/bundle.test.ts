// The sandbox rule, enforced mechanically: agent modules bundle into a Temporal workflow unchanged
// (Temporal's bundler refuses Node built-ins), and a worker restart reuses the bundle it built.
import assert from 'node:assert/strict';
import { globSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, appendFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { ConfigError, type AgentDeclaration } from '@ratchet/core';
import { loadWorkflowBundle } from '../src/bundle.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const settings = { activityStartToCloseTimeoutMs: 60_000, activityHeartbeatTimeoutMs: 5_000, continueAsNewAfterEvents: 4_096, continueAsNewAfterBytes: 4_194_304, offloadsPayloads: false };

/** Every agent a module exports (an agent is what `defineAgent` returns). */
async function agentsOf(path: string): Promise<AgentDeclaration[]> {
  const exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  return Object.values(exports).filter(
    (value): value is AgentDeclaration => typeof value === 'object' && value !== null && typeof (value as AgentDeclaration).run === 'function' && Array.isArray((value as AgentDeclaration).tools),
  );
}

/** A scratch directory whose modules resolve the repo's packages (an app outside the repo would too). */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-bundle-test-'));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const agentModuleSource = (greeting: string) => `
import { z } from 'zod';
import { defineAgent } from '@ratchet/core';
export const greeter = defineAgent({
  name: 'greeter',
  input: z.object({}),
  output: z.string(),
  async run(ctx) { return ${JSON.stringify(greeting)} + (await ctx.now()).getTime(); },
});
`;

describe('workflow bundle', () => {
  // The example agents: the conformance fixtures and every example app's agent module.
  const exampleModules = [join(repo, 'conformance/fixtures/agents.ts'), ...globSync('examples/*/src/**/agent*.ts', { cwd: repo }).map((path) => join(repo, path))];
  for (const path of exampleModules) {
    it(`bundles the agents of ${path.slice(repo.length)} unchanged`, async () => {
      const agents = await agentsOf(path);
      assert.ok(agents.length > 0);
      // Two agents may share a name (a changed deploy); a worker hosts one of them at a time.
      const byName = [...new Map(agents.map((agent) => [agent.name, agent])).values()];
      const { code } = await loadWorkflowBundle({ agents: byName, agentModules: [path], settings, cacheDir: false });
      for (const agent of byName) assert.ok(code.includes(`name: '${agent.name}'`) || code.includes(`name: "${agent.name}"`), agent.name);
      assert.doesNotMatch(code, /require\("(node:)?(fs|child_process|net|http)"\)/);
    });
  }

  it('reuses a cached bundle until one of its source files changes', async () => {
    const dir = scratch();
    const module = join(dir, 'agents.ts');
    writeFileSync(module, agentModuleSource('hello '));
    const { greeter } = (await import(pathToFileURL(module).href)) as { greeter: AgentDeclaration };
    const request = { agents: [greeter], agentModules: [module], settings, cacheDir: join(dir, 'cache') };

    const built = await loadWorkflowBundle(request);
    assert.match(built.code, /hello /);
    const [key] = readdirSync(join(dir, 'cache'));
    const cachedFile = join(dir, 'cache', key!, 'bundle.js');
    appendFileSync(cachedFile, '\n// read from the cache\n');
    assert.match((await loadWorkflowBundle(request)).code, /read from the cache/);

    writeFileSync(module, agentModuleSource('goodbye '));
    const rebuilt = await loadWorkflowBundle(request);
    assert.match(rebuilt.code, /goodbye /);
    assert.doesNotMatch(rebuilt.code, /read from the cache/);
    assert.equal(readFileSync(cachedFile, 'utf8'), rebuilt.code);
  });

  it('refuses an agent module that imports a Node built-in', async () => {
    const dir = scratch();
    const module = join(dir, 'agents.ts');
    writeFileSync(module, `import { readFileSync } from 'node:fs';\n${agentModuleSource('hi')}\nexport const read = readFileSync;\n`);
    const { greeter } = (await import(pathToFileURL(module).href)) as { greeter: AgentDeclaration };
    await assert.rejects(
      loadWorkflowBundle({ agents: [greeter], agentModules: [module], settings, cacheDir: false }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, /do not bundle into a Temporal workflow[^]*node:fs/);
        return true;
      },
    );
  });

  it('names an agent that none of the agent modules exports', async () => {
    const [other] = await agentsOf(join(repo, 'conformance/fixtures/agents.ts'));
    const dir = scratch();
    const module = join(dir, 'agents.ts');
    writeFileSync(module, agentModuleSource('hi'));
    await assert.rejects(loadWorkflowBundle({ agents: [other!], agentModules: [module], settings, cacheDir: false }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, new RegExp(`Agent "${other!.name}" is not exported by any of the agentModules`));
      return true;
    });
  });
});
