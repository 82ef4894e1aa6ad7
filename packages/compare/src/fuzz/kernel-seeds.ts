/**
 * Captured kernel traffic as fuzzing seeds: every request and every reply message of core's wire
 * fixtures (`packages/core/src/wire/fixtures/*.json`, real Linux bytes), split into messages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the fixtures are in the workspace, seen from this source file. */
export const KERNEL_FIXTURES_DIR = fileURLToPath(new URL('../../../core/src/wire/fixtures/', import.meta.url));

const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** Splits a datagram at its nlmsghdr lengths (4-byte aligned). */
function splitMessages(datagram: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let off = 0;
  while (off + 16 <= datagram.length) {
    const len = view.getUint32(off, true);
    if (len < 16 || off + len > datagram.length) break;
    out.push(datagram.slice(off, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

/** Every message of every fixture in `dir`: requests and replies alike. */
export function loadKernelSeeds(dir: string = KERNEL_FIXTURES_DIR): Uint8Array[] {
  const seeds: Uint8Array[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { request: string; replies: string[] };
    seeds.push(...splitMessages(fromHex(fixture.request)));
    for (const reply of fixture.replies) seeds.push(...splitMessages(fromHex(reply)));
  }
  if (seeds.length === 0) throw new Error(`no kernel fixtures in ${dir}`);
  return seeds;
}
