/**
 * The server: one rtnlkit instance (links, IPv4 addresses, the IPv4 FIB) on the real clock, served
 * on a Unix stream socket. Each connection is a netlink socket with its own port id (see
 * @rtnlkit/core's `serveNetlinkStream` for the bytes on the wire).
 *
 * Who may change things: the socket file's permissions decide who can connect at all, so with the
 * default mode 0600 only the owner (and root) can, and they get CAP_NET_ADMIN. A socket file that
 * others may open (any group or other bit) gives them no admin rights unless the operator says so
 * (`admin: 'all'`). An optional public socket (mode 0666) is always read-only: dumps, lookups and
 * notifications, and EPERM for any change.
 */
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { type NetlinkStreamConnection, Rtnetlink, serveNetlinkStream } from '@rtnlkit/core';
import { devinetSubsystem, fibSubsystem, linkSubsystem } from '@rtnlkit/subsystems';
import { STRATEGIES } from './strategies';

export type AdminPolicy = 'auto' | 'all' | 'none';

export interface ServerOptions {
  /** Path of the socket file. */
  socket: string;
  /** A name of {@link STRATEGIES}; default finegrained. */
  strategy?: string;
  /** The socket file's mode; default 0o600. */
  mode?: number;
  /** `auto` (default): admin when the mode lets only the owner connect; `all`; `none`. */
  admin?: AdminPolicy;
  /** A second, read-only socket file (mode 0666). */
  publicSocket?: string;
}

export class ServerError extends Error {
  override readonly name = 'ServerError';
}

export interface RunningServer {
  readonly rtnl: Rtnetlink;
  readonly strategy: string;
  /** Whether connections to the main socket get admin rights. */
  readonly admin: boolean;
  /** Connections served so far, and those still open. */
  readonly stats: { connections: number; open: number };
  /** Requests received on every connection and not answered yet. */
  inFlight(): number;
  /**
   * Stops accepting, lets every request already received finish and its replies reach the client,
   * closes the connections and removes the socket files.
   */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const strategyName = options.strategy ?? 'finegrained';
  const create = STRATEGIES[strategyName];
  if (!create) throw new ServerError(`no strategy ${strategyName}: ${Object.keys(STRATEGIES).join(', ')}`);
  const mode = options.mode ?? 0o600;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw new ServerError(`bad mode ${mode.toString(8)}`);
  const policy = options.admin ?? 'auto';
  const admin = policy === 'all' || (policy === 'auto' && (mode & 0o077) === 0);

  const rtnl = new Rtnetlink({ strategy: create() });
  await rtnl.install(linkSubsystem());
  await rtnl.install(devinetSubsystem());
  await rtnl.install(fibSubsystem());

  const open = new Set<NetlinkStreamConnection>();
  const stats = { connections: 0, open: 0 };
  const listen = async (path: string, fileMode: number, asAdmin: boolean): Promise<Server> => {
    await removeStaleSocket(path);
    const server = createServer((stream) => {
      const connection = serveNetlinkStream(rtnl, stream, { admin: asAdmin, name: `conn${stats.connections + 1}` });
      stats.connections += 1;
      open.add(connection);
      stats.open = open.size;
      void connection.closed.then(() => {
        open.delete(connection);
        stats.open = open.size;
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, fileMode);
    return server;
  };
  const servers: [Server, string][] = [[await listen(options.socket, mode, admin), options.socket]];
  if (options.publicSocket) servers.push([await listen(options.publicSocket, 0o666, false), options.publicSocket]);

  let closing: Promise<void> | undefined;
  return {
    rtnl,
    strategy: strategyName,
    admin,
    stats,
    inFlight: () => [...open].reduce((n, c) => n + c.inFlight, 0),
    close() {
      closing ??= (async () => {
        const stopped = servers.map(([server]) => new Promise((resolve) => server.close(resolve)));
        await Promise.all([...open].map((c) => c.shutdown()));
        await Promise.all(stopped);
        for (const [, path] of servers) if (existsSync(path)) unlinkSync(path);
      })();
      return closing;
    },
  };
}

/** A socket file left by a server that died is removed; one a live server answers on is an error. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new ServerError(`${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new ServerError(`a server is already listening on ${path}`);
  unlinkSync(path);
}
