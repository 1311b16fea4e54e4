// Node 22+ and the DOM lib declare a global WebSocket; ours is a module export and does not collide.
import { WebSocket as ClientWebSocket, createConnection } from 'rfc6455';

export const globalConstructor: typeof globalThis.WebSocket = globalThis.WebSocket;
export const globalInstance: WebSocket | null = null;
export const ours: ClientWebSocket | null = null;
export const connect: (url: string) => Promise<ClientWebSocket> = (url) => createConnection(url);
// @ts-expect-error the global (WHATWG) WebSocket is not ours
export const mixedUp: ClientWebSocket | null = globalInstance as WebSocket;
