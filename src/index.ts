export {
  WebSocketException,
  WebSocketProtocolException,
  WebSocketPayloadException,
  WebSocketConnectionClosedException,
  WebSocketTimeoutException,
  WebSocketProxyException,
  WebSocketAddressException,
  WebSocketBadStatusException,
  ERROR_CODES,
} from './exceptions.js';
export type {
  ErrorCode,
  WebSocketExceptionOptions,
  WebSocketProxyExceptionOptions,
  WebSocketConnectionClosedExceptionOptions,
  WebSocketBadStatusExceptionOptions,
} from './exceptions.js';
export { CloseCode } from './frame/close-codes.js';
export { ABNF } from './frame/abnf.js';
export type { ABNFInit, Bit } from './frame/abnf.js';
export { WebSocket, createConnection } from './websocket.js';
export type { WebSocketOptions, ConnectOptions } from './websocket.js';
export type { DeflateOptions } from './protocol/deflate.js';
export { setDefaultTimeout, getDefaultTimeout } from './defaults.js';
export { enableTrace } from './trace.js';
export { WebSocketApp } from './app.js';
export type { WebSocketAppOptions, WebSocketAppCallbacks, RunForeverOptions, AppCloseOptions, AppHeader } from './app.js';
