/** RFC 6455 §5.2 opcodes and §5.5's control frame limit, shared by every layer. */

export const OPCODE_CONT = 0x0;
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/** Opcode -> name, as websocket-client spells them; reserved opcodes have none. */
export const OPCODE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [OPCODE_CONT]: 'cont',
  [OPCODE_TEXT]: 'text',
  [OPCODE_BINARY]: 'binary',
  [OPCODE_CLOSE]: 'close',
  [OPCODE_PING]: 'ping',
  [OPCODE_PONG]: 'pong',
});

/** RFC 6455 §5.5: a control frame (close, ping, pong) carries at most 125 payload bytes. */
export const MAX_CONTROL_PAYLOAD = 125;
