/**
 * How a request names a namespace by a file or a process (`get_net_ns_by_fd()`,
 * `get_net_ns_by_pid()`): IFLA_NET_NS_FD and IFLA_NET_NS_PID resolve in the requesting
 * process. rtnlkit's sockets belong to no process, so one table per rtnetlink instance stands for
 * the process that owns them all: the namespace files it has open (`/run/netns/NAME` opened as fd
 * 3, …) and the processes whose namespaces it may name. Users bind them explicitly.
 */
import { Errno, ErrnoError, type Net, type Rtnetlink } from '@rtnlkit/core';

export class NsFiles {
  private readonly fds = new Map<number, Net>();
  private readonly pids = new Map<number, Net>();

  /** Makes `fd` an open file of namespace `net` (replacing what it was). */
  bindFd(fd: number, net: Net): void {
    if (!(Number.isInteger(fd) && fd >= 0)) throw new RangeError(`not a file descriptor: ${fd}`);
    this.fds.set(fd, net);
  }

  closeFd(fd: number): void {
    this.fds.delete(fd);
  }

  /** Makes process `pid` live in namespace `net`. */
  bindPid(pid: number, net: Net): void {
    if (!(Number.isInteger(pid) && pid > 0)) throw new RangeError(`not a process id: ${pid}`);
    this.pids.set(pid, net);
  }

  /** `get_net_ns_by_fd()`: EBADF for a descriptor that is not open. */
  byFd(fd: number): Net {
    const net = this.fds.get(fd);
    if (!net) throw new ErrnoError(Errno.EBADF);
    return net;
  }

  /** `get_net_ns_by_pid()`: ESRCH for an unknown process. */
  byPid(pid: number): Net {
    const net = this.pids.get(pid);
    if (!net) throw new ErrnoError(Errno.ESRCH);
    return net;
  }

  /** Forgets every file and process of a namespace that went away. */
  forget(net: Net): void {
    for (const [fd, bound] of this.fds) if (bound === net) this.fds.delete(fd);
    for (const [pid, bound] of this.pids) if (bound === net) this.pids.delete(pid);
  }
}

const tables = new WeakMap<Rtnetlink, NsFiles>();

/** The namespace files and processes of `rtnl`, empty at first. */
export function nsFiles(rtnl: Rtnetlink): NsFiles {
  let files = tables.get(rtnl);
  if (!files) {
    files = new NsFiles();
    tables.set(rtnl, files);
  }
  return files;
}
