import type * as http from 'node:http';
import type * as net from 'node:net';
import type { WebSocketServer } from 'ws';

/** Listens on 127.0.0.1, a free port; resolves with the port. */
export async function listenLocal(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Terminates every client of `wss`, closes it and its HTTP server (open connections included). */
export async function stopLocal(server: http.Server, wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
