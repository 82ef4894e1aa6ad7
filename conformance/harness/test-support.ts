/**
 * For the harness's own tests: the kernel captures in packages/core/src/wire/fixtures as
 * exchange records, ways to rewrite them (another port, other MACs, a changed attribute), and an
 * rtnlkit world whose dump handlers replay them.
 */
import { readFileSync } from 'node:fs';
import {
  type AttrNode,
  type DumpCallback,
  decodeMessage,
  encodeMessage,
  messagesOf,
  NLM_F,
  NLMSG,
  RTM,
  type RtnlMessage,
  writeHeader,
} from '@rtnlkit/core';
import type { ExchangeRecord } from './client';
import type { StrategyVariant } from './strategies';
import { createWorld, type RtnlkitWorld } from './world';

export interface Fixture {
  scenario: string;
  request: string;
  replies: string[];
}

export function fixture(name: string): Fixture {
  const url = new URL(`../../packages/core/src/wire/fixtures/kernel-${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Fixture;
}

export const FIXTURE_PORT = 4242;

export function record(datagrams: readonly string[], port = FIXTURE_PORT): ExchangeRecord {
  return { port, datagrams: [...datagrams], timedOut: false, socketErrors: [] };
}

/** Every message of every datagram, as bytes. */
export function messagesIn(datagrams: readonly string[]): Uint8Array[] {
  return datagrams.flatMap((hex) => [...messagesOf(Buffer.from(hex, 'hex'))].map((m) => new Uint8Array(m.bytes)));
}

/** A message followed by its padding to 4 bytes, as it sits in a datagram. */
export function padded(message: Uint8Array): Buffer {
  return Buffer.concat([message, Buffer.alloc((4 - (message.length % 4)) % 4)]);
}

/** The same messages, each datagram rewritten message by message. */
export function mapMessages(
  datagrams: readonly string[],
  change: (message: Uint8Array, index: number) => Uint8Array,
): string[] {
  let index = 0;
  return datagrams.map((hex) =>
    Buffer.concat(
      [...messagesOf(Buffer.from(hex, 'hex'))].map((m) => padded(change(new Uint8Array(m.bytes), index++))),
    ).toString('hex'),
  );
}

/** A copy of `message` with another `nlmsg_seq` and/or `nlmsg_pid`. */
export function restamp(message: Uint8Array, fields: { seq?: number; pid?: number }): Uint8Array {
  // A copy in a buffer of its own (a Buffer's `slice` would share the pool).
  const copy = new Uint8Array(message);
  const view = new DataView(copy.buffer);
  writeHeader(copy, 0, {
    len: view.getUint32(0, true),
    type: view.getUint16(4, true),
    flags: view.getUint16(6, true),
    seq: fields.seq ?? view.getUint32(8, true),
    pid: fields.pid ?? view.getUint32(12, true),
  });
  return copy;
}

/** A copy of `message` whose top-level attribute `name` went through `change`. */
export function editAttr(message: Uint8Array, name: string, change: (node: AttrNode) => AttrNode): Uint8Array {
  const tree: RtnlMessage = decodeMessage(message);
  let found = false;
  tree.attrs = tree.attrs.map((node) => {
    if (node.name !== name) return node;
    found = true;
    return change(node);
  });
  if (!found) return message;
  return encodeMessage(tree);
}

export const withData = (data: Uint8Array) => (node: AttrNode) => ({ ...node, data });

/** The messages of a dump fixture without its NLMSG_DONE. */
export function dumpParts(name: string): Uint8Array[] {
  return messagesIn(fixture(name).replies).filter((m) => new DataView(m.buffer).getUint16(4, true) !== NLMSG.DONE);
}

/**
 * An rtnlkit world whose GETLINK, GETADDR and GETROUTE dumps replay the given messages (the
 * kernel captures by default), addressed to the requester, as many per pass as fit.
 */
export function replayWorld(
  parts: { links?: Uint8Array[]; addresses?: Uint8Array[]; routes?: Uint8Array[] } = {},
): (variant: StrategyVariant) => Promise<RtnlkitWorld> {
  const links = parts.links ?? dumpParts('getlink-dump');
  const addresses = parts.addresses ?? dumpParts('getaddr-dump');
  const routes = parts.routes ?? dumpParts('getroute-dump');
  return async (variant) => {
    const world = await createWorld(variant);
    const replay = (family: number, type: number, messages: Uint8Array[], answerFlags = 0) => ({
      family,
      type,
      name: `replay ${type}`,
      dumpit(cb: DumpCallback) {
        cb.answerFlags = answerFlags;
        for (let i = cb.cursor.at ?? 0; i < messages.length; i += 1) {
          const message = restamp(messages[i] as Uint8Array, { seq: cb.header.seq, pid: cb.socket.portId });
          if (!cb.put(message)) {
            cb.cursor.at = i;
            return true;
          }
        }
        cb.cursor.at = messages.length;
        return false;
      },
    });
    // The replays stand in for whatever handlers the installed subsystems have for these types.
    world.rtnl.handlers.unregister(0, RTM.GETLINK);
    world.rtnl.handlers.unregister(2, RTM.GETADDR);
    world.rtnl.handlers.unregister(2, RTM.GETROUTE);
    world.rtnl.handlers.registerMany([
      replay(0, RTM.GETLINK, links),
      replay(2, RTM.GETADDR, addresses),
      // The route capture was a filtered dump (strict checking, main table): its NLMSG_DONE says so.
      replay(2, RTM.GETROUTE, routes, NLM_F.DUMP_FILTERED),
    ]);
    return world;
  };
}
