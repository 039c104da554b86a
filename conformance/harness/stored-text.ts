import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir`, read as latin1 (bytes one to one) and joined: what a grep of the folder sees. */
export function filesAsText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile())
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

/**
 * A JSON value as text, with every array of byte values (how Restate's SQL API and Temporal's
 * history show stored payloads) spelled out as the text it holds, and base64 strings decoded beside.
 */
export function bytesSpelledOut(value: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      if (node.length > 0 && node.every((item) => Number.isInteger(item) && item >= 0 && item <= 255)) parts.push(Buffer.from(node as number[]).toString('latin1'));
      else node.forEach(walk);
    } else if (typeof node === 'object' && node !== null) {
      Object.values(node).forEach(walk);
    } else if (typeof node === 'string') {
      parts.push(node);
      if (/^[A-Za-z0-9+/]{8,}={0,2}$/.test(node)) parts.push(Buffer.from(node, 'base64').toString('latin1'));
    }
  };
  walk(value);
  return parts.join('\n');
}
