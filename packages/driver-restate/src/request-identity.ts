import { createPrivateKey, createPublicKey } from 'node:crypto';
import { ConfigError } from '@ratchet/core';

/** Bitcoin's base58 alphabet, which Restate's v1 key format uses. */
const base58Alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/**
 * The public key, in Restate's `publickeyv1_…` form, of the ed25519 private key (PKCS#8 PEM) that
 * restate-server signs its requests with (`request-identity-private-key-pem-file`): what a worker's
 * `identityKeys` lists to accept requests from that server only. The same string the server logs at
 * start (`Loaded request identity key`). Base58 is written out here: 32 bytes, one fixed alphabet.
 */
export function requestIdentityPublicKey(privateKeyPem: string): string {
  let key;
  try {
    key = createPublicKey(createPrivateKey(privateKeyPem));
  } catch (error) {
    throw new ConfigError(`The request identity private key is not a PEM private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError(`The request identity private key is ${key.asymmetricKeyType}; Restate signs with ed25519`);
  const raw = key.export({ type: 'spki', format: 'der' }).subarray(-32);
  let value = BigInt(`0x${raw.toString('hex')}`);
  let encoded = '';
  while (value > 0n) {
    encoded = base58Alphabet[Number(value % 58n)] + encoded;
    value /= 58n;
  }
  for (const byte of raw) {
    if (byte !== 0) break;
    encoded = `1${encoded}`;
  }
  return `publickeyv1_${encoded}`;
}
