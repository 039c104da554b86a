import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  canonicalJson,
  digest,
  formatPortableJournal,
  JournalDocumentError,
  parsePortableJournal,
  portableJournalSchema,
  structureDigest,
  type JournalDocumentProblem,
  type JournalEntry,
  type PortableJournal,
} from '../src/index.ts';
import { arbitraryOf } from './zod-arbitrary.ts';

/** A document the schema accepts, made whole as an exporter writes it: positions in order, counts and digests right. */
const validJournal = (arbitraryOf(portableJournalSchema) as fc.Arbitrary<PortableJournal>).map((draft): PortableJournal => {
  let position = -1;
  // A migrated run hands over positions 0..n; any other may have gaps (a step still in flight beside them).
  const entries = draft.entries.map((entry) => ({ ...entry, position: (position += draft.run.status === 'migrated' ? 1 : 1 + (entry.position % 3)) }));
  const { digest: _ignored, ...body } = { ...draft, entries, entryCount: entries.length, structure: structureDigest(entries as JournalEntry[]) };
  return { ...body, digest: digest(body) };
});

type Path = (string | number)[];

/** Every place in a JSON value, parents before children. */
function pathsIn(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [path, ...pathsIn(child, path)];
  });
}

/** A copy of `value` with the place at `path` replaced (or removed, for `undefined`). */
function changedAt(value: unknown, path: Path, replacement: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string | number, unknown>;
  const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((node, key) => node[key] as Record<string | number, unknown>, copy);
  const last = path.at(-1)!;
  if (replacement !== undefined) parent[last] = replacement;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy;
}

const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** The refusal, asserted to be a `JournalDocumentError`: anything else thrown, or no refusal at all, fails. */
function refusal(document: unknown): JournalDocumentError {
  try {
    parsePortableJournal(document);
  } catch (error) {
    if (error instanceof JournalDocumentError) return error;
    assert.fail(`expected a JournalDocumentError, got ${(error as Error)?.stack ?? String(error)}`);
  }
  assert.fail('expected the document to be refused');
}

describe('portable journal properties', () => {
  it('reads back every valid document as it was written, from its text and as a value', () => {
    fc.assert(
      fc.property(validJournal, (journal) => {
        // As written, but for `__proto__` keys in error data, which zod leaves out of what it returns.
        const expected = portableJournalSchema.parse(journal);
        assert.deepEqual(parsePortableJournal(formatPortableJournal(journal)), expected);
        assert.deepEqual(parsePortableJournal(journal), expected);
      }),
    );
  });

  it('reads a document whose error data holds a `__proto__` key as genuine, and sets no prototype from it', () => {
    const base = fc.sample(validJournal.filter((journal) => journal.entries.length > 0), { numRuns: 1, seed: 7 })[0]!;
    const error = JSON.parse('{"name":"ToolError","kind":"tool","message":"refused","retryable":false,"data":{"__proto__":{"polluted":true},"code":7}}');
    const entries = base.entries.map((entry, index) => (index === 0 ? { ...entry, status: 'failed' as const, error } : entry));
    const { digest: _ignored, ...body } = { ...base, entries, structure: structureDigest(entries as JournalEntry[]) };
    const text = formatPortableJournal({ ...body, digest: digest(body) } as PortableJournal);
    assert.match(text, /"__proto__"/);
    const read = parsePortableJournal(text);
    assert.deepEqual(read.entries[0]!.error!.data, { code: 7 });
    assert.equal(Object.getPrototypeOf(read.entries[0]!.error!.data), Object.prototype);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  it('refuses any other JSON value with a JournalDocumentError', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void refusal(value)));
  });

  it('refuses any text that is not a journal with a JournalDocumentError', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (text) => void refusal(text)));
  });

  it('refuses a document\'s text cut at any byte as truncated', () => {
    fc.assert(
      fc.property(validJournal, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (journal, fraction) => {
        const bytes = Buffer.from(formatPortableJournal(journal).trimEnd());
        const cut = bytes.subarray(0, Math.floor(fraction * bytes.length)).toString('utf8');
        const error = refusal(cut);
        assert.equal(error.problem, 'truncated' satisfies JournalDocumentProblem, error.message);
      }),
    );
  });

  it('refuses a document with any field changed or removed', () => {
    const changed = validJournal.chain((journal) =>
      fc.record({
        journal: fc.constant(journal),
        path: fc.constantFrom(...pathsIn(journal)),
        replacement: fc.oneof(fc.constant(undefined), fc.jsonValue()),
      }),
    );
    fc.assert(
      fc.property(changed, ({ journal, path, replacement }) => {
        const document = changedAt(journal, path, replacement);
        fc.pre(canonicalJson(document) !== canonicalJson(journal));
        refusal(document);
        refusal(JSON.stringify(document));
      }),
    );
  });

  it('names the field that holds a value of the wrong type', () => {
    const wrong = validJournal.chain((journal) =>
      fc.constantFrom(...pathsIn(journal)).chain((path) => {
        const original = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], journal);
        return fc.record({
          journal: fc.constant(journal),
          path: fc.constant(path),
          replacement: fc.jsonValue().filter((value) => jsonType(value) !== jsonType(original)),
        });
      }),
    );
    fc.assert(
      fc.property(wrong, ({ journal, path, replacement }) => {
        const document = changedAt(journal, path, replacement);
        const error = refusal(document);
        // A field the schema leaves open (an input, an output) is covered by the digest instead.
        if (error.problem === 'tampered' && portableJournalSchema.safeParse(document).success) return;
        assert.equal(error.problem, 'malformed', error.message);
        assert.ok(error.message.includes(path.join('.')) || (path[0] === 'format' && /not a Ratchet journal/.test(error.message)), error.message);
      }),
    );
  });
});
