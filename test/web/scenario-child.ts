/**
 * Child process of the differential test: `node --import tsx scenario-child.ts
 * <global|rfc6455> '<ports json>'` runs every scenario with Node's global
 * WebSocket or with rfc6455/web and prints the results as one JSON line.
 */
import { WebSocket as RfcWebSocket } from '../../src/web/index.js';
import { runAll, type ServerPorts, type WebSocketClass } from './scenarios.js';

const [implementation, portsJson] = process.argv.slice(2);
const ports = JSON.parse(portsJson) as ServerPorts;
const globalWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
let WS: WebSocketClass;
if (implementation === 'global') {
  if (typeof globalWebSocket !== 'function') throw new Error(`Node ${process.version} has no global WebSocket`);
  WS = globalWebSocket as WebSocketClass;
} else if (implementation === 'rfc6455') {
  WS = RfcWebSocket as unknown as WebSocketClass;
} else {
  throw new Error(`expected implementation 'global' or 'rfc6455', got ${JSON.stringify(implementation)}`);
}
const results = await runAll(WS, ports);
process.stdout.write(`${JSON.stringify({ node: process.version, implementation, results })}\n`);
