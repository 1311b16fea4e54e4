/** Every fuzz target, in the order `npm run fuzz` runs them. */
import type { FuzzTarget } from '../support.js';
import { extensionsTarget } from './extensions.js';
import { frameParserTarget } from './frame-parser.js';
import { handshakeTarget } from './handshake.js';
import { proxyTarget } from './proxy.js';
import { sessionTarget } from './session.js';

export const TARGETS: readonly FuzzTarget[] = [frameParserTarget, sessionTarget, handshakeTarget, proxyTarget, extensionsTarget];
