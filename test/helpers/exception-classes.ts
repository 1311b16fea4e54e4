import {
  WebSocketAddressException,
  WebSocketConnectionClosedException,
  WebSocketPayloadException,
  WebSocketProtocolException,
  WebSocketProxyException,
  WebSocketTimeoutException,
} from '../../src/index.js';

/** The subclasses of WebSocketException that take `(message, options?)`, in the order of src/exceptions.ts (BadStatus, with its own signature, is left out). */
export const EXCEPTION_SUBCLASSES = [
  WebSocketProtocolException,
  WebSocketPayloadException,
  WebSocketConnectionClosedException,
  WebSocketTimeoutException,
  WebSocketProxyException,
  WebSocketAddressException,
] as const;
