#!/usr/bin/env node
/** `rtnlkit-server`: serves rtnlkit on a Unix socket until SIGINT or SIGTERM. */
import { Command, InvalidArgumentError } from 'commander';
import { type AdminPolicy, ServerError, startServer } from './server';
import { STRATEGIES } from './strategies';

const program = new Command('rtnlkit-server')
  .description('serve one rtnlkit instance on a Unix stream socket (one netlink socket per connection)')
  .option('-s, --socket <path>', 'the socket file', 'rtnlkit.sock')
  .option('--strategy <name>', `the locking strategy: ${Object.keys(STRATEGIES).join(', ')}`, 'finegrained')
  .option('--mode <octal>', "the socket file's permissions", parseMode, 0o600)
  .option('--admin <policy>', 'admin rights: auto (when only the owner may connect), all, none', parsePolicy, 'auto')
  .option('--public <path>', 'also serve read-only on this socket file (mode 0666)')
  .showHelpAfterError();

function parseMode(value: string): number {
  if (!/^0?[0-7]{3}$/.test(value)) throw new InvalidArgumentError('an octal mode such as 600 or 0660');
  return Number.parseInt(value, 8);
}

function parsePolicy(value: string): AdminPolicy {
  if (value !== 'auto' && value !== 'all' && value !== 'none') throw new InvalidArgumentError('auto, all or none');
  return value;
}

const flags = program
  .parse()
  .opts<{ socket: string; strategy: string; mode: number; admin: AdminPolicy; public?: string }>();
try {
  const server = await startServer({
    socket: flags.socket,
    strategy: flags.strategy,
    mode: flags.mode,
    admin: flags.admin,
    ...(flags.public && { publicSocket: flags.public }),
  });
  console.log(
    `rtnlkit-server: ${server.strategy} on ${flags.socket} (mode ${flags.mode.toString(8).padStart(4, '0')}, ` +
      `${server.admin ? 'admin' : 'no admin rights'})${flags.public ? `, read-only on ${flags.public}` : ''}`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`rtnlkit-server: ${signal}, answering ${server.inFlight()} requests in flight`);
    void server.close().then(() => {
      console.log(`rtnlkit-server: stopped after ${server.stats.connections} connections`);
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if (!(error instanceof ServerError) && !(error instanceof Error && 'code' in error)) throw error;
  console.error(`rtnlkit-server: ${error.message}`);
  process.exit(1);
}
