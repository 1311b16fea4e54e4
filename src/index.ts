export {
  WebSocketException,
  WebSocketProtocolException,
  WebSocketPayloadException,
  WebSocketConnectionClosedException,
  WebSocketTimeoutException,
  WebSocketProxyException,
  WebSocketAddressException,
  WebSocketBadStatusException,
} from './exceptions.js';
export type { WebSocketExceptionOptions } from './exceptions.js';
