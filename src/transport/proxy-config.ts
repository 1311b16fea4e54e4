/**
 * Choosing the proxy for a target: explicit options first, then the
 * environment (`http_proxy`, `https_proxy`, `all_proxy`), with `no_proxy`
 * deciding which hosts are reached directly.
 */
import net from 'node:net';
import type tls from 'node:tls';
import { createError, type WebSocketProxyException } from '../exceptions.js';
import { checkOneOf, checkPort, checkProxyAuth, isPort, PROXY_TYPES } from '../options.js';
import { bareHost, redactUrl } from '../url.js';

/** The kinds of proxy rfc6455 tunnels through. */
export type ProxyType = (typeof PROXY_TYPES)[number];

/** A proxy to tunnel through, as `resolveProxy` chose it. */
export interface ProxyConfig {
  /** How to talk to the proxy: HTTP CONNECT (over TCP or TLS) or a SOCKS version. */
  type: ProxyType;
  /** The proxy's host name or IP address (IPv6 without brackets). */
  host: string;
  /** The proxy's port. */
  port: number;
  /** Credentials: Basic auth for HTTP(S), RFC 1929 for SOCKS5, the user id for SOCKS4 (the password is not sent). */
  auth?: [user: string, pass: string];
  /** TLS options for the connection to an `https` proxy itself. */
  tlsOptions?: tls.ConnectionOptions;
}

/** The proxy-related connect options (see ConnectOptions). */
export interface ProxyOptions {
  httpProxyHost?: string;
  httpProxyPort?: number;
  httpProxyAuth?: [user: string, pass: string];
  proxyType?: ProxyType;
  proxySslopt?: tls.ConnectionOptions;
  httpNoProxy?: string[];
}

/**
 * The connect options that send a connection through the proxy of a URL, as
 * the `--proxy` options of wsdump and wsbench give it; `insecure` skips the
 * certificate check of an https proxy (as it does for the server).
 *
 * @throws WebSocketProxyException for a URL that is not a usable proxy URL (see {@link parseProxyUrl}).
 */
export function proxyUrlOptions(value: string, source: string, insecure: boolean): ProxyOptions {
  const proxy = parseProxyUrl(value, source);
  const options: ProxyOptions = { httpProxyHost: proxy.host, httpProxyPort: proxy.port, proxyType: proxy.type };
  if (proxy.auth !== undefined) options.httpProxyAuth = proxy.auth;
  if (insecure && proxy.type === 'https') options.proxySslopt = { rejectUnauthorized: false };
  return options;
}

/** The port a proxy listens on when none is given: 80 for HTTP, 443 for HTTPS, 1080 for SOCKS. */
function defaultProxyPort(type: ProxyType): number {
  if (type === 'http') return 80;
  if (type === 'https') return 443;
  return 1080;
}

/**
 * Chooses the proxy for `target`, or null to connect directly.
 *
 * - `no_proxy` first: `options.httpNoProxy` if given, else `no_proxy`/`NO_PROXY`
 *   from `env` (comma separated). A match means no proxy, for every proxy type.
 * - Explicit options win: with `httpProxyHost`, the proxy is that host, on
 *   `httpProxyPort` (default per type, see `defaultProxyPort`), of `proxyType`
 *   (default `'http'`), with `httpProxyAuth` and, for `https`, `proxySslopt`.
 * - Otherwise the environment: `http_proxy`/`HTTP_PROXY` for `ws`,
 *   `https_proxy`/`HTTPS_PROXY` for `wss`, then `all_proxy`/`ALL_PROXY`. Each is
 *   a URL whose scheme picks the type (a value without a scheme is `http://`),
 *   with percent-decoded `user:pass`. Empty values count as unset.
 *
 * @throws WebSocketProxyException for a bad option (unknown type, bad port) or a
 *   proxy URL in the environment that cannot be used, naming the variable.
 */
export function resolveProxy(
  target: { host: string; port: number; secure: boolean },
  options: ProxyOptions,
  env: NodeJS.ProcessEnv = process.env,
): ProxyConfig | null {
  const noProxy = options.httpNoProxy ?? splitNoProxy(envValue(env, 'no_proxy') ?? '');
  if (isNoProxy(target.host, target.port, noProxy)) return null;
  if (options.httpProxyHost !== undefined && options.httpProxyHost !== '') return fromOptions(options);
  const name = target.secure ? 'https_proxy' : 'http_proxy';
  const fromScheme = envValue(env, name);
  if (fromScheme !== undefined) return parseProxyUrl(fromScheme, name);
  const fallback = envValue(env, 'all_proxy');
  return fallback === undefined ? null : parseProxyUrl(fallback, 'all_proxy');
}

function fromOptions(options: ProxyOptions): ProxyConfig {
  const type = options.proxyType ?? 'http';
  checkOneOf('proxyType', type, PROXY_TYPES, 'WS_ERR_INVALID_PROXY_OPTION');
  const port = options.httpProxyPort ?? defaultProxyPort(type);
  checkPort('httpProxyPort', port, 'WS_ERR_INVALID_PROXY_OPTION');
  const config: ProxyConfig = { type, host: bareHost(options.httpProxyHost as string), port };
  if (options.httpProxyAuth !== undefined) {
    checkProxyAuth(options.httpProxyAuth, 'WS_ERR_INVALID_PROXY_OPTION');
    config.auth = [options.httpProxyAuth[0], options.httpProxyAuth[1]];
  }
  if (type === 'https' && options.proxySslopt !== undefined) config.tlsOptions = options.proxySslopt;
  return config;
}

/** Reads `name` (lower case first, then upper case) from env; blank values count as unset. */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  for (const key of [name, name.toUpperCase()]) {
    const value = env[key]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** Splits a `no_proxy` value: comma separated, spaces ignored. */
export function splitNoProxy(value: string): string[] {
  return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/**
 * Parses a proxy URL such as `socks5h://user:p%40ss@proxy.example:1080`.
 * The scheme picks the type (none means `http`); the port defaults per type;
 * credentials are percent-decoded. `source` names where the URL came from, for messages.
 * @throws WebSocketProxyException saying what was expected and what came.
 */
export function parseProxyUrl(value: string, source = 'proxy URL'): ProxyConfig {
  const text = value.trim();
  // Never echo a password into an error message (one written unencoded may hold "/", "?", "#" or "@").
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const shown = hasScheme ? redactUrl(text) : redactUrl(`//${text}`).slice(2);
  const bad = (why: string): WebSocketProxyException =>
    createError(
      'WS_ERR_INVALID_PROXY_OPTION',
      `${source}: expected a proxy URL scheme://[user:pass@]host[:port] with scheme ${PROXY_TYPES.join(', ')}; ${why}, got '${shown}'`,
    );
  const withScheme = hasScheme ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw bad('it does not parse');
  }
  const type = url.protocol.slice(0, -1).toLowerCase() as ProxyType;
  if (!PROXY_TYPES.includes(type)) throw bad(`unknown scheme '${type}'`);
  const host = bareHost(url.hostname);
  if (host === '') throw bad('the host is missing');
  const port = url.port === '' ? defaultProxyPort(type) : Number(url.port);
  if (!isPort(port)) throw bad(`port ${port} is out of range`);
  const config: ProxyConfig = { type, host, port };
  if (url.username !== '' || url.password !== '') {
    try {
      config.auth = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
    } catch {
      throw bad('the credentials are not valid percent-encoding');
    }
  }
  return config;
}

/**
 * Whether `host:port` bypasses the proxy according to `noProxy` entries:
 * `*` (everything); an IPv4/IPv6 address or CIDR range (`10.0.0.0/8`,
 * `[2001:db8::]/32` or `2001:db8::/32`) matching an IP-literal host; a domain,
 * with or without a leading `.` or `*.`, matching that host and its subdomains
 * on label boundaries (`example.com` matches `a.example.com`, never
 * `badexample.com`); any entry followed by `:port` only for that port.
 * Host names are compared case-insensitively; no DNS lookups are made.
 */
export function isNoProxy(host: string, port: number, noProxy: readonly string[]): boolean {
  const target = normalizeHost(host);
  const family = net.isIP(target);
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === '*') return true;
    const { name, entryPort } = splitEntryPort(entry);
    if (entryPort !== undefined && entryPort !== port) return false;
    const cidr = /^(.*)\/(\d{1,3})$/.exec(name);
    if (cidr) return family !== 0 && inSubnet(target, family, bareHost(cidr[1]), Number(cidr[2]));
    const address = bareHost(name);
    if (net.isIP(address) !== 0) return family !== 0 && inSubnet(target, family, address, undefined);
    if (family !== 0) return false;
    const domain = normalizeHost(name.replace(/^\*?\./, ''));
    return domain !== '' && (target === domain || target.endsWith(`.${domain}`));
  });
}

function normalizeHost(host: string): string {
  return bareHost(host.trim().toLowerCase()).replace(/\.$/, '');
}

/** Splits `host:port`, `[v6]:port` or `cidr:port`; a bare IPv6 address has no port. */
function splitEntryPort(entry: string): { name: string; entryPort?: number } {
  const match = /^(\[[^\]]*\](?:\/\d+)?|[^:]*):(\d{1,5})$/.exec(entry);
  if (match) return { name: match[1], entryPort: Number(match[2]) };
  return { name: entry };
}

/** Whether `address` is `network` (prefix undefined) or inside `network/prefix`, same family only. */
function inSubnet(address: string, family: number, network: string, prefix: number | undefined): boolean {
  const networkFamily = net.isIP(network);
  if (networkFamily !== family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new net.BlockList();
  if (prefix === undefined) list.addAddress(network, type);
  else if (prefix > (family === 4 ? 32 : 128)) return false;
  else list.addSubnet(network, prefix, type);
  return list.check(address, type);
}
