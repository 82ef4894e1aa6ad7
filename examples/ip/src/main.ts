#!/usr/bin/env node
/**
 * `rtnlkit-ip`: an ip(8)-like client for an rtnlkit netlink server (examples/netlink-server).
 *
 *   rtnlkit-ip [-j|-json] [-p|-pretty] [-S|--socket PATH] { link | addr | route } COMMAND ...
 *
 * The socket is --socket, else $RTNLKIT_SOCKET, else ./rtnlkit.sock. Errors print as iproute2
 * prints them ("RTNETLINK answers: File exists", "Error: <extack>.") with its exit codes.
 */
import { Command } from 'commander';
import { addr } from './addr';
import { IpError } from './errors';
import { link } from './link';
import type { Output } from './print';
import { route } from './route';
import { Session } from './session';
import { Words } from './words';

const OBJECTS: Readonly<Record<string, typeof link>> = {
  link,
  l: link,
  address: addr,
  addr,
  a: addr,
  route,
  r: route,
  ro: route,
};

/** iproute2 spells long options with one dash (`-json`); commander wants two. */
const argv = process.argv.map((arg, i) => (i >= 2 && /^-(json|pretty|socket)$/.test(arg) ? `-${arg}` : arg));

const program = new Command('rtnlkit-ip')
  .description('ip(8) for an rtnlkit server: link, addr and route')
  .option('-j, --json', 'print JSON, as ip -json does')
  .option('-p, --pretty', 'indent the JSON')
  .option('-S, --socket <path>', 'the server socket', process.env.RTNLKIT_SOCKET ?? 'rtnlkit.sock')
  .argument('<object>', 'link, addr or route')
  .argument('[command]', 'show, add, del, set, get ... (default show)')
  .argument('[args...]', 'what the command takes, as for ip(8)')
  .passThroughOptions()
  .showHelpAfterError();

program.action(async (object: string, command: string | undefined, args: string[]) => {
  const flags = program.opts<{ json?: boolean; pretty?: boolean; socket: string }>();
  const handler = OBJECTS[object];
  let session: Session | undefined;
  try {
    if (!handler) throw new IpError(`Object "${object}" is unknown, try "ip help".`);
    session = await Session.open(flags.socket);
    const out: Output = {
      json: flags.json === true,
      pretty: flags.pretty === true,
      write: (text) => process.stdout.write(text),
    };
    await handler(session, command ?? 'show', new Words(args), out);
  } catch (error) {
    if (!(error instanceof IpError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.exitCode;
  } finally {
    await session?.close();
  }
});

await program.parseAsync(argv);
