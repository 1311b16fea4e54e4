/**
 * Autobahn's fuzzingclient.json (the server suite's config file): `outdir`, `options`,
 * `servers: [{agent, url, options, origin, protocols}]`, `cases`, `exclude-cases`,
 * `exclude-agent-cases`. Checked field by field; an error names the field, what was
 * expected and what came.
 */

export interface ServerEntry {
  /** report name of the server; when missing, the server's `Server` header (else "UnknownServer"). */
  agent?: string;
  url: string;
  failByDrop?: boolean;
  origin?: string;
  protocols?: string[];
}

export interface FuzzingClientConfig {
  outdir: string;
  servers: ServerEntry[];
  cases: string[];
  excludeCases: string[];
  excludeAgentCases: Record<string, string[]>;
  /** Autobahn options this tool does not use (they are reported, not applied). */
  ignoredOptions: string[];
}

/** A config file that does not have the expected shape. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new ConfigError(`expected "${field}" to be a list of strings, got ${describe(value)}`);
  return value as string[];
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`expected "${field}" to be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/** Autobahn options read from `options`; the rest are listed in `ignoredOptions`. */
function readOptions(value: unknown, field: string, ignored: string[]): { failByDrop?: boolean } {
  if (value === undefined) return {};
  const options = record(value, field);
  const out: { failByDrop?: boolean } = {};
  for (const [key, v] of Object.entries(options)) {
    if (key === 'failByDrop') {
      if (typeof v !== 'boolean') throw new ConfigError(`expected "${field}.failByDrop" to be true or false, got ${describe(v)}`);
      out.failByDrop = v;
    } else ignored.push(`${field}.${key}`);
  }
  return out;
}

/** The config file's top-level object: JSON text that parses to an object. */
function parseTop(text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`expected JSON, got a parse error: ${(error as Error).message}`);
  }
  return record(json, 'the config');
}

/** Parses the JSON text of a fuzzingclient.json. */
export function parseFuzzingClientConfig(text: string): FuzzingClientConfig {
  const top = parseTop(text);
  const ignoredOptions: string[] = [];
  const global = readOptions(top.options, 'options', ignoredOptions);
  if (!Array.isArray(top.servers) || top.servers.length === 0)
    throw new ConfigError(`expected "servers" to be a non-empty list of {agent, url}, got ${describe(top.servers)}`);
  const servers = top.servers.map((raw, i): ServerEntry => {
    const field = `servers[${i}]`;
    const s = record(raw, field);
    if (typeof s.url !== 'string' || !/^wss?:\/\//i.test(s.url))
      throw new ConfigError(`expected "${field}.url" to be a ws:// or wss:// URL, got ${describe(s.url)}`);
    if (s.agent !== undefined && (typeof s.agent !== 'string' || s.agent.trim() === ''))
      throw new ConfigError(`expected "${field}.agent" to be a non-empty string, got ${describe(s.agent)}`);
    if (s.origin !== undefined && typeof s.origin !== 'string') throw new ConfigError(`expected "${field}.origin" to be a string, got ${describe(s.origin)}`);
    const own = readOptions(s.options, `${field}.options`, ignoredOptions);
    const entry: ServerEntry = { url: s.url, ...global, ...own };
    if (typeof s.agent === 'string') entry.agent = s.agent;
    if (typeof s.origin === 'string') entry.origin = s.origin;
    if (s.protocols !== undefined) entry.protocols = stringList(s.protocols, `${field}.protocols`);
    return entry;
  });
  const excludeAgentCases: Record<string, string[]> = {};
  if (top['exclude-agent-cases'] !== undefined) {
    for (const [agent, patterns] of Object.entries(record(top['exclude-agent-cases'], 'exclude-agent-cases')))
      excludeAgentCases[agent] = stringList(patterns, `exclude-agent-cases.${agent}`);
  }
  if (top.outdir !== undefined && typeof top.outdir !== 'string') throw new ConfigError(`expected "outdir" to be a path, got ${describe(top.outdir)}`);
  return {
    outdir: (top.outdir as string | undefined) ?? './reports/servers',
    servers,
    cases: top.cases === undefined ? ['*'] : stringList(top.cases, 'cases'),
    excludeCases: top['exclude-cases'] === undefined ? [] : stringList(top['exclude-cases'], 'exclude-cases'),
    excludeAgentCases,
    ignoredOptions,
  };
}

/** Autobahn's fuzzingserver.json (the client suite's config file). */
export interface FuzzingServerConfig {
  host: string;
  port: number;
  outdir: string;
  cases: string[];
  excludeCases: string[];
  excludeAgentCases: Record<string, string[]>;
  /** paths of the PEM certificate and key for wss://. */
  cert?: string;
  key?: string;
}

/** Parses the JSON text of a fuzzingserver.json: `url` (ws:// or wss:// address to listen on), `outdir`, `cases`, `exclude-cases`, `exclude-agent-cases`, `cert`/`key`. */
export function parseFuzzingServerConfig(text: string): FuzzingServerConfig {
  const top = parseTop(text);
  const url = top.url ?? 'ws://127.0.0.1:9001';
  if (typeof url !== 'string' || !/^wss?:\/\//i.test(url)) throw new ConfigError(`expected "url" to be a ws:// or wss:// URL, got ${describe(url)}`);
  const parsed = new URL(url);
  for (const field of ['cert', 'key', 'outdir'] as const) {
    if (top[field] !== undefined && typeof top[field] !== 'string') throw new ConfigError(`expected "${field}" to be a path, got ${describe(top[field])}`);
  }
  if (parsed.protocol === 'wss:' && (top.cert === undefined || top.key === undefined))
    throw new ConfigError(`expected "cert" and "key" for the wss:// url ${url}`);
  const excludeAgentCases: Record<string, string[]> = {};
  if (top['exclude-agent-cases'] !== undefined) {
    for (const [agent, patterns] of Object.entries(record(top['exclude-agent-cases'], 'exclude-agent-cases')))
      excludeAgentCases[agent] = stringList(patterns, `exclude-agent-cases.${agent}`);
  }
  const config: FuzzingServerConfig = {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? (parsed.protocol === 'wss:' ? 443 : 80) : Number(parsed.port),
    outdir: (top.outdir as string | undefined) ?? './reports/clients',
    cases: top.cases === undefined ? ['*'] : stringList(top.cases, 'cases'),
    excludeCases: top['exclude-cases'] === undefined ? [] : stringList(top['exclude-cases'], 'exclude-cases'),
    excludeAgentCases,
  };
  if (parsed.protocol === 'wss:') {
    config.cert = top.cert as string;
    config.key = top.key as string;
  }
  return config;
}
