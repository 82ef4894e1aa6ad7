#!/usr/bin/env node
/**
 * `rtnlkit-ip`: an ip(8)-like client for an rtnlkit netlink server (examples/netlink-server).
 *
 *   rtnlkit-ip [-j|-json] [-p|-pretty] [-S|--socket PATH] { link | addr | route } COMMAND ...
 *
 * The socket is --socket, else $RTNLKIT_SOCKET, else ./rtnlkit.sock. Errors print as iproute2
 * prints them ("RTNETLINK answers: File exists", "Error: <extack>.") with its exit codes.
 */
import { runIp } from './ip';

process.exitCode = await runIp(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  ...(process.env.RTNLKIT_SOCKET && { defaultSocket: process.env.RTNLKIT_SOCKET }),
});
