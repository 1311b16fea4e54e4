/** TCP socket options applied to every socket the library opens itself. */
import type net from 'node:net';

/** Socket options (websocket-client's `sockopt`, in Node terms). */
export interface SocketOptions {
  /** Disable Nagle's algorithm (TCP_NODELAY). Default true: frames leave at once. */
  noDelay?: boolean;
  /** TCP keep-alive: true = on with a 30000 ms initial delay (the default), a number = on with that initial delay in ms, false = off. */
  keepAlive?: boolean | number;
}

/** The initial keep-alive delay used when `keepAlive` is true or unset (websocket-client's TCP_KEEPIDLE=30 s). */
export const DEFAULT_KEEPALIVE_MS = 30_000;

/** Applies `sockopt` (with its defaults) to a connected socket. */
export function applySocketOptions(socket: net.Socket, sockopt: SocketOptions | undefined): void {
  socket.setNoDelay(sockopt?.noDelay ?? true);
  const keepAlive = sockopt?.keepAlive ?? true;
  if (keepAlive === false) socket.setKeepAlive(false);
  else socket.setKeepAlive(true, keepAlive === true ? DEFAULT_KEEPALIVE_MS : keepAlive);
}
