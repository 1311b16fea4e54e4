/** TCP socket options applied to every socket the library opens itself. */
import type net from 'node:net';
import { WebSocketException } from '../exceptions.js';

/** Socket options (websocket-client's `sockopt`, in Node terms). */
export interface SocketOptions {
  /** Disable Nagle's algorithm (TCP_NODELAY). Default true: frames leave at once. */
  noDelay?: boolean;
  /** TCP keep-alive: true = on with a 30000 ms initial delay (the default), a number = on with that initial delay in ms, false = off. */
  keepAlive?: boolean | number;
}

/** The initial keep-alive delay used when `keepAlive` is true or unset (websocket-client's TCP_KEEPIDLE=30 s). */
export const DEFAULT_KEEPALIVE_MS = 30_000;

/**
 * Checks `sockopt` before any socket is opened.
 * @throws WebSocketException naming the field, what was expected and what came.
 */
export function checkSocketOptions(sockopt: SocketOptions | undefined): void {
  if (sockopt === undefined) return;
  if (sockopt === null || typeof sockopt !== 'object') {
    throw new WebSocketException(`sockopt: expected an object, got ${String(sockopt)}`);
  }
  const { noDelay, keepAlive } = sockopt;
  if (noDelay !== undefined && typeof noDelay !== 'boolean') {
    throw new WebSocketException(`sockopt.noDelay: expected a boolean, got ${String(noDelay)}`);
  }
  const keepAliveOk =
    keepAlive === undefined ||
    typeof keepAlive === 'boolean' ||
    (typeof keepAlive === 'number' && Number.isFinite(keepAlive) && keepAlive >= 0);
  if (!keepAliveOk) {
    throw new WebSocketException(
      `sockopt.keepAlive: expected a boolean or a number of ms >= 0, got ${String(keepAlive)}`,
    );
  }
}

/** Applies `sockopt` (with its defaults) to a connected socket. */
export function applySocketOptions(socket: net.Socket, sockopt: SocketOptions | undefined): void {
  socket.setNoDelay(sockopt?.noDelay ?? true);
  const keepAlive = sockopt?.keepAlive ?? true;
  if (keepAlive === false) socket.setKeepAlive(false);
  else socket.setKeepAlive(true, keepAlive === true ? DEFAULT_KEEPALIVE_MS : keepAlive);
}
