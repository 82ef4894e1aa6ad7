/**
 * Device names for readers without RTNL (Linux 6.10+, net/core/dev.c): `netdev_rename_lock`, a
 * seqlock around every write of `dev->name`, and `netdev_copy_name()`, which copies the name and
 * retries when a rename ran in between, so a lockless reader (`netdev_get_name()`, SIOCGIFNAME,
 * an RCU dump) never sees half of the old name and half of the new one.
 *
 * The copy of a rename is not atomic in the kernel (another CPU may read between its bytes). In
 * rtnlkit only an await lets another task run, so the writer copies the name in two halves with
 * a yield of the clock in between: a reader that ignored the seqlock could see the torn name, and
 * the schedule explorer can find it (see `readNameUnlocked`).
 */
import { type Net, type Rtnetlink, SeqLock, type Task } from '@rtnlkit/core';
import { IFNAMSIZ } from './constants';
import type { NetDevice } from './netdevice';
import { linkTable } from './table';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const locks = new WeakMap<Rtnetlink, SeqLock>();

/** `netdev_rename_lock` of `rtnl` (a lock class of its environment, so lockdep sees it). */
export function netdevRenameLock(rtnl: Rtnetlink): SeqLock {
  let lock = locks.get(rtnl);
  if (!lock) {
    lock = new SeqLock(rtnl.env.lockClass('netdev_rename_lock'));
    locks.set(rtnl, lock);
  }
  return lock;
}

/** The NUL-padded bytes of `name` (at most IFNAMSIZ - 1 of them). */
function nameBytesOf(name: string): Uint8Array {
  const bytes = new Uint8Array(IFNAMSIZ);
  bytes.set(encoder.encode(name).subarray(0, IFNAMSIZ - 1));
  return bytes;
}

/** Reads the name bytes as a string, up to the first NUL. */
function decodeName(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/**
 * `strscpy(dev->name, name)` under `write_seqlock(&netdev_rename_lock)`: sets `dev.name` and
 * copies the bytes lockless readers see, in two halves with a yield in between. The caller holds
 * RTNL (so writers never race each other on one device).
 */
export async function writeDevName(rtnl: Rtnetlink, task: Task, dev: NetDevice, name: string): Promise<void> {
  const bytes = nameBytesOf(name);
  const half = IFNAMSIZ / 2;
  await netdevRenameLock(rtnl).write(task, async () => {
    dev.nameBytes.set(bytes.subarray(0, half), 0);
    await rtnl.clock.sleep(0);
    dev.nameBytes.set(bytes.subarray(half), half);
    dev.name = name;
  });
}

/** `netdev_copy_name()`: a name that some rename left whole, waiting out a rename in progress. */
export function netdevCopyName(rtnl: Rtnetlink, dev: NetDevice): Promise<string> {
  return netdevRenameLock(rtnl).read(() => decodeName(dev.nameBytes));
}

/**
 * The name bytes as they are right now, without the seqlock: what a reader that forgot
 * `netdev_copy_name()` would see. Only for demonstrations and tests (it can return a torn name).
 */
export function readNameUnlocked(dev: NetDevice): string {
  return decodeName(dev.nameBytes);
}

/**
 * `netdev_get_name()`: the name of device `ifindex` of `net`, read without RTNL: the device is
 * found under RCU (`dev_get_by_index_rcu`) and its name copied with {@link netdevCopyName}.
 * ENODEV (as undefined) when no such device is listed.
 */
export async function netdevGetName(
  rtnl: Rtnetlink,
  task: Task,
  net: Net,
  ifindex: number,
): Promise<string | undefined> {
  return rtnl.rcu.read(task, async () => {
    const dev = linkTable(net).getByIndex(ifindex);
    return dev ? await netdevCopyName(rtnl, dev) : undefined;
  });
}
