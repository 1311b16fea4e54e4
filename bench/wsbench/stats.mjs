// The stats protocol of the side-by-side servers: the port on the first stdout
// line, then one JSON line per "stats" line read on stdin: messages echoed so
// far and the process's CPU time in µs (user + system, and each).
import { createInterface } from 'node:readline';

export function serveStats(port, messages) {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  createInterface({ input: process.stdin }).on('line', () => {
    const cpu = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ messages: messages(), cpuMicros: cpu.user + cpu.system, userMicros: cpu.user, systemMicros: cpu.system })}\n`);
  });
  process.stdin.on('end', () => process.exit(0));
}
