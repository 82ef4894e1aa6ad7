/**
 * Namespace ids (net/core/net_namespace.c, `net->netns_ids`): each namespace numbers the other
 * namespaces it has to name in messages (IFLA_LINK_NETNSID of a veth whose peer lives elsewhere,
 * IFLA_TARGET_NETNSID of a request). An id is allocated on first need (`peernet2id_alloc`: the
 * lowest free one from 0) and forgotten when the peer goes away.
 *
 * Not modelled: RTM_NEWNSID / RTM_GETNSID / RTM_DELNSID and their RTNLGRP_NSID notifications.
 */
import type { Net } from '@rtnlkit/core';

/** `NETNSA_NSID_NOT_ASSIGNED`. */
export const NETNSA_NSID_NOT_ASSIGNED = -1;

const IDS: object = Object.freeze({ name: 'netns_ids' });

/** `net->netns_ids`: peer → id. */
function idsOf(net: Net): Map<Net, number> {
  let ids = net.getGeneric<Map<Net, number>>(IDS);
  if (!ids) {
    ids = new Map();
    net.setGeneric(IDS, ids);
  }
  return ids;
}

/** `peernet2id()`: the id `net` knows `peer` by, or NETNSA_NSID_NOT_ASSIGNED. */
export function peernet2id(net: Net, peer: Net): number {
  return idsOf(net).get(peer) ?? NETNSA_NSID_NOT_ASSIGNED;
}

/** `peernet2id_alloc()`: the id `net` knows `peer` by, allocating the lowest free one if it has none. */
export function peernet2idAlloc(net: Net, peer: Net): number {
  const ids = idsOf(net);
  const known = ids.get(peer);
  if (known !== undefined) return known;
  const used = new Set(ids.values());
  let id = 0;
  while (used.has(id)) id += 1;
  ids.set(peer, id);
  return id;
}

/** `get_net_ns_by_id()`: the namespace `net` calls `id`, if any. */
export function getNetNsById(net: Net, id: number): Net | undefined {
  if (id < 0) return undefined;
  for (const [peer, known] of idsOf(net)) if (known === id) return peer;
  return undefined;
}

/** `unhash_nsid()`: every namespace in `nets` forgets `dying`, and `dying` forgets them all. */
export function unhashNsid(dying: Net, nets: readonly Net[]): void {
  for (const net of nets) idsOf(net).delete(dying);
  dying.deleteGeneric(IDS);
}
