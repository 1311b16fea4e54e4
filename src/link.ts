/**
 * The socket and protocol session of a WebSocket's current connection: the
 * one record the parts of a WebSocket (receiving, writing, closing) share, so
 * that each sees the same connection without reaching into the others.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { ClientSession } from './protocol/session.js';

/** The current connection of a WebSocket, replaced whole by each `connect()`. */
export class Link {
  socket: net.Socket | tls.TLSSocket | null = null;
  session: ClientSession | null = null;
  /** True until a connection opens, and again once its socket has closed. */
  socketClosed = true;

  /** The socket while it is open, else null. */
  get openSocket(): net.Socket | tls.TLSSocket | null {
    return this.socketClosed ? null : this.socket;
  }
}
