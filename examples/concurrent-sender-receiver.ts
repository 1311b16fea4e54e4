/**
 * A sender and a receiver running at the same time on one connection
 * (websocket-client's guide, "Connection State Management", where they are
 * threads): the main task closes the connection while both are busy, and
 * each loop ends on WebSocketConnectionClosedException.
 *
 *   npx tsx examples/concurrent-sender-receiver.ts ws://127.0.0.1:8080/
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { WebSocket, WebSocketConnectionClosedException } from '../src/index.js';

export interface ConcurrentOptions {
  /** Messages the sender tries to send (default 10). */
  count?: number;
  /** ms between two sends (default 1000). */
  interval?: number;
  /** ms after which the main task closes the connection (default 3000). */
  closeAfter?: number;
}

export interface ConcurrentResult {
  sent: string[];
  received: string[];
  /** How each loop ended. */
  sender: 'finished' | 'closed';
  receiver: 'closed';
  lines: string[];
}

async function messageSender(ws: WebSocket, count: number, interval: number, sent: string[], lines: string[]): Promise<'finished' | 'closed'> {
  try {
    for (let i = 0; i < count; i++) {
      await sleep(interval);
      const message = `Message ${i}`;
      await ws.send(message);
      sent.push(message);
      lines.push(`Sent message ${i}`);
    }
    return 'finished';
  } catch (error) {
    if (!(error instanceof WebSocketConnectionClosedException)) throw error;
    lines.push('Connection closed while sending');
    return 'closed';
  }
}

async function messageReceiver(ws: WebSocket, received: string[], lines: string[]): Promise<'closed'> {
  try {
    for (;;) {
      const message = String(await ws.recv());
      received.push(message);
      lines.push(`Received: ${message}`);
    }
  } catch (error) {
    if (!(error instanceof WebSocketConnectionClosedException)) throw error;
    lines.push('Connection closed while receiving');
    return 'closed';
  }
}

export async function main(url: string, options: ConcurrentOptions = {}): Promise<ConcurrentResult> {
  const { count = 10, interval = 1000, closeAfter = 3000 } = options;
  const lines: string[] = [];
  const sent: string[] = [];
  const received: string[] = [];
  // enableMultithread is accepted for parity: concurrent use is always safe.
  const ws = new WebSocket({ enableMultithread: true });
  await ws.connect(url, { timeout: 5000 });
  const sender = messageSender(ws, count, interval, sent, lines);
  const receiver = messageReceiver(ws, received, lines);
  // Simulate an interruption while both loops run.
  await sleep(closeAfter);
  await ws.close();
  const [senderEnd, receiverEnd] = await Promise.all([sender, receiver]);
  lines.push('All tasks completed');
  return { sent, received, sender: senderEnd, receiver: receiverEnd, lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { lines } = await main(process.argv[2] ?? 'ws://127.0.0.1:8080/');
  for (const line of lines) console.log(line);
}
