/**
 * The servers of the differential scenarios, on 127.0.0.1: one `ws` server
 * behind an HTTP server whose upgrade handler routes by path.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { WebSocketServer } from 'ws';
import type { ServerPorts } from './scenarios.js';

export interface ScenarioServers {
  ports: ServerPorts;
  stop(): Promise<void>;
}

/** A port that was free a moment ago and has no listener. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startScenarioServers(): Promise<ScenarioServers> {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
  });
  const http1 = http.createServer((_req, res) => res.writeHead(404).end());
  http1.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/forbidden') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (path === '/echo') {
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      } else if (path === '/binary') {
        ws.send(Buffer.from([1, 2, 3]));
      } else if (path === '/close') {
        ws.close(4001, 'going');
      } else if (path === '/stall') {
        // Not reading for 1 s: the client's sends pile up (it looks at 100 ms, a tenth of that).
        const raw = (ws as unknown as { _socket: net.Socket })._socket;
        raw.pause();
        setTimeout(() => raw.resume(), 1000);
      } else {
        ws.close(1008, `no such path ${path}`);
      }
    });
  });
  await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
  const { port } = http1.address() as net.AddressInfo;
  return {
    ports: { port, deadPort: await deadPort() },
    stop: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http1.closeAllConnections();
      await new Promise<void>((resolve) => http1.close(() => resolve()));
    },
  };
}
