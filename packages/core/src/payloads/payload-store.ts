/**
 * Where payloads too large for the journal go (the claim check): the journal keeps a reference and
 * the digest, the store the bytes. Keys are the bytes' SHA-256 (hex), so a put is idempotent and
 * two runs journaling the same payload share it. Implement it for S3, GCS or the like;
 * `filePayloadStore` is the one Ratchet ships.
 */
export interface PayloadStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes stored under `key`, or `undefined` when there are none. */
  get(key: string): Promise<Uint8Array | undefined>;
}

/**
 * A folder as a payload store: one file per payload under `dir/<2 hex>/<key>`, written to a
 * temporary name and renamed, so a reader never sees half a payload. Every client and worker of a
 * deployment must see the same folder (a shared volume); for more than one machine, use an object
 * store behind `PayloadStore`.
 *
 * @example
 * const driver = localDriver({ offload: { store: filePayloadStore('.ratchet/payloads'), thresholdBytes: 256 * 1024 } });
 */
export function filePayloadStore(dir: string): PayloadStore {
  // Taken at call time, not imported: core's entry bundles into Temporal's workflow sandbox, which
  // refuses Node built-ins; this only ever runs outside it.
  const fs = () => process.getBuiltinModule('node:fs/promises');
  const path = process.getBuiltinModule('node:path');
  const fileOf = (key: string) => path.join(dir, key.slice(0, 2), key);
  return {
    async put(key, bytes) {
      const file = fileOf(key);
      await fs().mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await fs().writeFile(temporary, bytes);
      await fs().rename(temporary, file);
    },
    async get(key) {
      try {
        return new Uint8Array(await fs().readFile(fileOf(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
