/**
 * The ip command as a function: `runIp(args, io)` parses an ip(8) command line, runs it against
 * the server and resolves with the exit code, writing to `io` what ip would print. `main.ts` is
 * this with the process's streams; tests call it in-process.
 */
import { Command, CommanderError } from 'commander';
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

export interface IpIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The socket when --socket is not given; default ./rtnlkit.sock. */
  defaultSocket?: string;
}

export async function runIp(args: readonly string[], io: IpIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('rtnlkit-ip')
    .description('ip(8) for an rtnlkit server: link, addr and route')
    .option('-j, --json', 'print JSON, as ip -json does')
    .option('-p, --pretty', 'indent the JSON')
    .option('-S, --socket <path>', 'the server socket', io.defaultSocket ?? 'rtnlkit.sock')
    .argument('<object>', 'link, addr or route')
    .argument('[command]', 'show, add, del, set, get ... (default show)')
    .argument('[args...]', 'what the command takes, as for ip(8)')
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();
  program.action(async (object: string, command: string | undefined, rest: string[]) => {
    const flags = program.opts<{ json?: boolean; pretty?: boolean; socket: string }>();
    const handler = OBJECTS[object];
    let session: Session | undefined;
    try {
      if (!handler) throw new IpError(`Object "${object}" is unknown, try "ip help".`);
      session = await Session.open(flags.socket);
      const out: Output = { json: flags.json === true, pretty: flags.pretty === true, write: io.stdout };
      await handler(session, command ?? 'show', new Words(rest), out);
    } catch (error) {
      if (!(error instanceof IpError)) throw error;
      io.stderr(`${error.message}\n`);
      exitCode = error.exitCode;
    } finally {
      await session?.close();
    }
  });
  // iproute2 spells long options with one dash (`-json`); commander wants two.
  const argv = args.map((arg) => (/^-(json|pretty|socket)$/.test(arg) ? `-${arg}` : arg));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    throw error;
  }
  return exitCode;
}
