/**
 * `rfc6455/web`: the WHATWG WebSocket interface on rfc6455's connection, for
 * libraries that take a WebSocket constructor.
 */
export { WebSocket } from './websocket.js';
export type { BinaryType, WebSocketData } from './websocket.js';
export type { WebSocketInit } from './options.js';
export { CloseEvent, ErrorEvent, MessageEvent } from './events.js';
export type { CloseEventInit, ErrorEventInit, MessageEventInit } from './events.js';
