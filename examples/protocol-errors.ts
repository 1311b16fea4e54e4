/**
 * Protocol errors (websocket-client's guide, "Protocol Error Handling"):
 * `validate()` refuses a frame that breaks RFC 6455 (a reserved bit with no
 * extension, invalid UTF-8 in a text frame) — yet `sendFrame` will send such a
 * frame on purpose, to see how a server reacts.
 *
 *   npx tsx examples/protocol-errors.ts ws://127.0.0.1:8080/
 */
import { pathToFileURL } from 'node:url';
import {
  ABNF,
  WebSocket,
  WebSocketConnectionClosedException,
  WebSocketPayloadException,
  WebSocketProtocolException,
} from '../src/index.js';

export interface ProtocolErrorsResult {
  /** validate() of a text frame with rsv1 set. */
  reservedBit: string;
  /** validate() of a text frame whose payload is not UTF-8. */
  invalidUtf8: string;
  /** What came back after sending the rsv1 frame anyway. */
  serverReaction: string;
  lines: string[];
}

function describeError(error: unknown): string {
  const e = error as Error;
  return `${e.name}: ${e.message}`;
}

export async function main(url: string, timeout = 5000): Promise<ProtocolErrorsResult> {
  const lines: string[] = [];
  const ws = new WebSocket();
  await ws.connect(url, { timeout });

  // A frame with a reserved bit set: invalid without a negotiated extension.
  const invalidFrame = new ABNF({ fin: 1, rsv1: 1, opcode: ABNF.OPCODE_TEXT, data: 'test' });
  let reservedBit = 'accepted';
  try {
    invalidFrame.validate();
  } catch (error) {
    if (!(error instanceof WebSocketProtocolException)) throw error;
    reservedBit = describeError(error);
    lines.push(`Protocol violation: ${error.message}`);
  }

  // Invalid UTF-8 in a text frame. (A JavaScript string always encodes to valid
  // UTF-8, so ws.send(string) cannot produce it: build the frame from bytes.)
  const invalidUtf8Frame = new ABNF({ opcode: ABNF.OPCODE_TEXT, data: Buffer.from([0xff, 0xfe]) });
  let invalidUtf8 = 'accepted';
  try {
    invalidUtf8Frame.validate();
  } catch (error) {
    if (!(error instanceof WebSocketPayloadException)) throw error;
    invalidUtf8 = describeError(error);
    lines.push(`Payload error: ${error.message}`);
  }

  // format() and sendFrame() encode what validate() refuses: send it and
  // watch the server fail the connection (RFC 6455 §7.1.7: close code 1002).
  await ws.sendFrame(invalidFrame);
  let serverReaction: string;
  try {
    const reply = await ws.recv();
    serverReaction = `server answered ${JSON.stringify(reply.toString())}`;
  } catch (error) {
    if (!(error instanceof WebSocketConnectionClosedException)) throw error;
    serverReaction = describeError(error);
  }
  lines.push(`After sending the invalid frame: ${serverReaction}`);
  await ws.close();
  return { reservedBit, invalidUtf8, serverReaction, lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { lines } = await main(process.argv[2] ?? 'ws://127.0.0.1:8080/');
  for (const line of lines) console.log(line);
}
