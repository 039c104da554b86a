import assert from 'node:assert/strict';
import { globSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import madge from 'madge';

const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('imports', () => {
  // A cycle means shared types live in the wrong file (they belong in options.ts or protocol.ts),
  // and it makes a package's load order depend on which file a user imports first.
  it('no package has an import cycle, type-only imports included', async () => {
    const sources = globSync('packages/*/src', { cwd: repo }).sort();
    assert.ok(sources.length >= 8, `found ${sources.join(', ')}`);
    const graph = await madge(sources, { baseDir: repo, fileExtensions: ['ts'], detectiveOptions: { ts: { skipTypeImports: false } } });
    assert.ok(Object.keys(graph.obj()).length > 100, 'madge read the sources');
    assert.deepEqual(graph.circular(), []);
  });
});
