/**
 * The sans-I/O protocol layer, `rfc6455/protocol`: the client side of a
 * connection after the opening handshake as a state machine with no sockets
 * and no timers (RFC 6455 §5–§8), and the permessage-deflate negotiation and
 * codec (RFC 7692) it can be given.
 */
export { ClientSession } from './session.js';
export type {
  SessionState,
  WriteKind,
  SessionFailure,
  OutgoingFrame,
  SessionHandler,
  MessageCompression,
  SessionOptions,
} from './session.js';
export type { Received, ReceivedFrame } from './received.js';
export { deflateConfig, deflateOffer, acceptDeflateResponse, describeDeflateParams } from './deflate.js';
export type { DeflateOptions, DeflateConfig, DeflateParams } from './deflate.js';
export { PerMessageDeflate } from './deflate-codec.js';
export { parseExtensions } from './extension-header.js';
export type { ExtensionElement } from './extension-header.js';
