#!/usr/bin/env node
/**
 * wsbench: measure a WebSocket server's message throughput and latency
 * (closed or open loop, from one machine or many merged). See `wsbench --help`.
 */
import { wsbench } from '../bench/main.js';

wsbench(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
}).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`wsbench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
