import fc from 'fast-check';
import type { z } from 'zod';

interface Check {
  check: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
  format?: string;
  pattern?: RegExp;
}

interface Def {
  type: string;
  format?: string;
  checks?: { _zod: { def: Check } }[];
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
}

/**
 * Values a zod schema accepts, built from its shape, so a property test follows the schema as it
 * changes. Only the constructs Ratchet's schemas use are known; any other throws, rather than
 * generating values the schema would refuse. Values are what JSON.parse can give (no -0, which JSON
 * reads back as 0; no NaN or infinities; plain objects), since that is what a document holds.
 */
export function arbitraryOf(schema: z.ZodType): fc.Arbitrary<unknown> {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const checks = (def.checks ?? []).map((check) => check._zod.def);
  switch (def.type) {
    case 'string': {
      const pattern = checks.find((check) => check.format === 'regex')?.pattern;
      if (pattern) return fc.stringMatching(pattern);
      return fc.string({ minLength: checks.find((check) => check.check === 'min_length')?.minimum ?? 0 });
    }
    case 'number':
      return numberOf(def.format === 'safeint', checks.find((check) => check.check === 'greater_than'));
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries!));
    case 'literal':
      return fc.constantFrom(...def.values!);
    case 'unknown':
      return fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)) as unknown);
    case 'optional':
      return arbitraryOf(def.innerType!);
    case 'array':
      return fc.array(arbitraryOf(def.element!), { maxLength: 4 });
    case 'record':
      return fc.dictionary(arbitraryOf(def.keyType!) as fc.Arbitrary<string>, arbitraryOf(def.valueType!), { maxKeys: 3, noNullPrototype: true });
    case 'object': {
      const shape = def.shape!;
      const required = Object.keys(shape).filter((key) => (shape[key] as unknown as { _zod: { def: Def } })._zod.def.type !== 'optional');
      return fc.record(Object.fromEntries(Object.entries(shape).map(([key, value]) => [key, arbitraryOf(value)])), { requiredKeys: required, noNullPrototype: true });
    }
    default:
      throw new Error(`arbitraryOf: zod type "${def.type}" is not supported; add it here`);
  }
}

function numberOf(integer: boolean, bound: Check | undefined): fc.Arbitrary<number> {
  if (integer) {
    const min = bound === undefined ? Number.MIN_SAFE_INTEGER : bound.inclusive ? bound.value! : bound.value! + 1;
    return fc.integer({ min, max: Number.MAX_SAFE_INTEGER });
  }
  const double = fc.double({ noNaN: true, noDefaultInfinity: true, ...(bound ? { min: bound.value!, minExcluded: !bound.inclusive } : {}) });
  return double.map((value) => (Object.is(value, -0) ? 0 : value));
}
