/**
 * The documentation as a user meets it: every relative link and anchor in
 * README.md, CONTRIBUTING.md, SECURITY.md and docs/*.md resolves, and every
 * TypeScript/JavaScript block of the README runs against local peers.
 *
 * The rules (CONTRIBUTING.md, "The documentation test", says the same):
 * - A relative link must name a file or folder that exists; its `#anchor`
 *   must be a heading of the target Markdown file, slugged as GitHub does.
 *   Links in code blocks and code spans are not links; links with a scheme
 *   (`https:`, `mailto:`) are not fetched.
 * - Each `ts`/`js` block of the README is written to a temporary `.mts` file,
 *   its `rfc6455[/subpath]` imports pointed at this checkout's sources (by
 *   package.json's exports map), and run with tsx. It must exit 0 with
 *   nothing on stderr. Before it runs, `ws://127.0.0.1:8080` becomes the URL
 *   of a `ws` echo server (permessage-deflate on) and `httpProxyPort: 3128`
 *   the port of a tinyproxy, both started here on 127.0.0.1.
 * - A block preceded by `<!-- docs-test: skip (reason) -->` is not run; at
 *   most MAX_SKIPPED blocks may be skipped. Other languages are not run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTinyproxy, type RunningServer } from './helpers/proxies.js';
import { echo, startWsServer, type WsTestServer } from './helpers/ws-server.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAX_SKIPPED = 3;
const ECHO_URL = 'ws://127.0.0.1:8080';
const PROXY_PORT = 'httpProxyPort: 3128';
const SKIP_MARK = /^<!--\s*docs-test:\s*skip\s*\((.+)\)\s*-->$/;

/** The Markdown files whose links are checked. */
function documents(): string[] {
  const docs = fs
    .readdirSync(path.join(repo, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name));
  return ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', ...docs.sort()];
}

interface Line {
  text: string;
  /** 1-based line number in the file. */
  number: number;
}

interface CodeBlock {
  language: string;
  code: string;
  /** Line number of the opening fence. */
  line: number;
  /** The reason given by a skip mark on the line before, if any. */
  skip: string | undefined;
}

/** Splits a Markdown file into prose lines (outside fences) and fenced code blocks. */
export function splitMarkdown(source: string): { prose: Line[]; blocks: CodeBlock[] } {
  const prose: Line[] = [];
  const blocks: CodeBlock[] = [];
  const lines = source.split('\n');
  let fence: { marker: string; language: string; line: number; body: string[]; skip: string | undefined } | null = null;
  let lastProse = '';
  lines.forEach((text, index) => {
    const number = index + 1;
    const opening = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(text);
    if (fence === null) {
      if (opening !== null) {
        const skip = SKIP_MARK.exec(lastProse.trim())?.[1];
        fence = { marker: opening[1]!, language: opening[2]!.toLowerCase(), line: number, body: [], skip };
      } else {
        prose.push({ text, number });
        if (text.trim() !== '') lastProse = text;
      }
      return;
    }
    const closing = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
    if (closing !== null && closing[1]![0] === fence.marker[0] && closing[1]!.length >= fence.marker.length) {
      blocks.push({ language: fence.language, code: fence.body.join('\n'), line: fence.line, skip: fence.skip });
      fence = null;
      lastProse = '';
      return;
    }
    fence.body.push(text);
  });
  if (fence !== null) throw new Error(`unclosed code fence opened at line ${(fence as { line: number }).line}`);
  return { prose, blocks };
}

/** GitHub's anchor for a heading's Markdown text (github-slugger's rules on the rendered text). */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML tags
    .replace(/`/g, '') // code spans keep their text
    .replace(/\*/g, ''); // emphasis markers
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file defines: its headings' slugs (repeats get -1, -2…) and explicit ids. */
export function anchorsOf(source: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of splitMarkdown(source).prose) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (heading !== null) {
      const base = githubSlug(heading[1]!);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  return anchors;
}

interface Link {
  target: string;
  line: number;
}

/** The links of a Markdown file's prose, code spans left out. */
export function linksOf(source: string): Link[] {
  const links: Link[] = [];
  for (const { text, number } of splitMarkdown(source).prose) {
    const withoutCode = text.replace(/(`+)[^`]*?\1/g, '');
    for (const match of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ target: match[1]!, line: number });
    for (const match of withoutCode.matchAll(/<a\s+[^>]*href="([^"]+)"/g)) links.push({ target: match[1]!, line: number });
  }
  return links;
}

/** What is wrong with one link of `file`, or null when it resolves. */
function brokenLink(file: string, link: Link): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) return null; // https:, mailto:
  const hash = link.target.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? link.target : link.target.slice(0, hash));
  const anchor = hash === -1 ? null : decodeURIComponent(link.target.slice(hash + 1));
  const target = pathPart === '' ? path.join(repo, file) : path.resolve(path.dirname(path.join(repo, file)), pathPart);
  const where = `${file}:${link.line}: ${link.target}`;
  if (!target.startsWith(repo + path.sep) && target !== repo) return `${where}: points outside the repository`;
  if (!fs.existsSync(target)) return `${where}: ${path.relative(repo, target)} does not exist`;
  if (anchor === null) return null;
  if (!target.endsWith('.md')) return `${where}: an anchor into a file that is not Markdown`;
  const anchors = anchorsOf(fs.readFileSync(target, 'utf8'));
  return anchors.has(anchor) ? null : `${where}: no heading with the anchor #${anchor} in ${path.relative(repo, target)}`;
}

describe('Markdown parsing used by this test', () => {
  it('slugs headings as GitHub does', () => {
    expect(githubSlug('Frames: `ABNF` and the frame layer')).toBe('frames-abnf-and-the-frame-layer');
    expect(githubSlug("The rfc6455 client's own results")).toBe('the-rfc6455-clients-own-results');
    expect(githubSlug('Targets and `--check`')).toBe('targets-and---check');
    expect(githubSlug('Design: synchronous, no zlib streams')).toBe('design-synchronous-no-zlib-streams');
    expect(githubSlug('max_window_bits (RFC 7692 §7.1.2)')).toBe('max_window_bits-rfc-7692-712');
    expect([...anchorsOf('# A\n## Tests\n```sh\n# not a heading\n```\n## Tests\n')]).toEqual(['a', 'tests', 'tests-1']);
  });

  it('finds links outside code only, and skip marks before blocks', () => {
    const source = 'See [a](docs/a.md#x) and `[b](nope.md)`.\n```ts\n[c](in-code.md)\n```\n<!-- docs-test: skip (needs the internet) -->\n```js\nx\n```\n';
    expect(linksOf(source)).toEqual([{ target: 'docs/a.md#x', line: 1 }]);
    expect(splitMarkdown(source).blocks.map((b) => [b.language, b.skip])).toEqual([
      ['ts', undefined],
      ['js', 'needs the internet'],
    ]);
  });
});

describe('links and anchors', () => {
  it.each(documents())('%s: every relative link and anchor resolves', (file) => {
    const source = fs.readFileSync(path.join(repo, file), 'utf8');
    const broken = linksOf(source)
      .map((link) => brokenLink(file, link))
      .filter((problem): problem is string => problem !== null);
    expect(broken).toEqual([]);
  });

  it('the README stays a front door: under 400 lines, the depth in docs/', () => {
    const lines = fs.readFileSync(path.join(repo, 'README.md'), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeLessThan(400);
  });

  it('the README links every guide in docs/', () => {
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
    const linked = new Set(linksOf(readme).map((link) => link.target.split('#')[0]));
    const guides = documents().filter((file) => file.startsWith('docs/'));
    expect(guides.filter((guide) => !linked.has(guide))).toEqual([]);
  });
});

/** `rfc6455` and its subpaths, mapped from package.json's exports to the sources. */
function importMap(): Map<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default?: string; import?: string }>;
  };
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(pkg.exports)) {
    const built = typeof value === 'string' ? value : (value.import ?? value.default);
    const match = built === undefined ? null : /^\.\/dist\/(.+)\.js$/.exec(built);
    if (match === null) continue;
    map.set(key === '.' ? 'rfc6455' : `rfc6455/${key.slice(2)}`, pathToFileURL(path.join(repo, 'src', `${match[1]}.ts`)).href);
  }
  return map;
}

/** The block as a runnable file: imports pointed at the sources, local peers in place of the placeholders. */
function prepare(code: string, echoUrl: string, proxyPort: number | null): string {
  const imports = importMap();
  let out = code.replace(/(from\s+|import\s*\(\s*|require\(\s*)(['"])(rfc6455(?:\/[\w-]+)?)\2/g, (_whole, lead: string, quote: string, name: string) => {
    const target = imports.get(name);
    if (target === undefined) throw new Error(`the block imports ${name}, which package.json does not export`);
    return `${lead}${quote}${target}${quote}`;
  });
  out = out.split(ECHO_URL).join(echoUrl);
  if (out.includes(PROXY_PORT)) {
    if (proxyPort === null) throw new Error('no proxy was started');
    out = out.split(PROXY_PORT).join(`httpProxyPort: ${proxyPort}`);
  }
  return out;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

function runFile(file: string, timeoutMs: number): Promise<Run> {
  const env = { ...process.env };
  for (const name of ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy']) {
    delete env[name];
    delete env[name.toUpperCase()];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, file], { cwd: path.dirname(file), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(file)} did not exit within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('the README code blocks', () => {
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
  const code = splitMarkdown(readme).blocks.filter((block) => ['ts', 'typescript', 'js', 'javascript'].includes(block.language));
  const runnable = code.filter((block) => block.skip === undefined);
  const skipped = code.filter((block) => block.skip !== undefined);
  let echoServer: WsTestServer;
  let proxy: RunningServer | null = null;
  let dir: string;

  beforeAll(async () => {
    echoServer = await startWsServer(echo, { perMessageDeflate: true });
    if (runnable.some((block) => block.code.includes(PROXY_PORT))) proxy = await startTinyproxy();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfc6455-docs-'));
  }, 30_000);

  afterAll(async () => {
    await echoServer?.close();
    await proxy?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`skips at most ${MAX_SKIPPED} blocks, each with its reason`, () => {
    expect(runnable.length).toBeGreaterThan(0);
    expect(skipped.map((block) => `line ${block.line}: ${block.skip}`).length).toBeLessThanOrEqual(MAX_SKIPPED);
  });

  it.each(runnable.map((block) => [block.line, block] as const))(
    'the block at line %i runs against local peers: exit 0, nothing on stderr',
    async (line, block) => {
      const file = path.join(dir, `readme-line-${line}.mts`);
      fs.writeFileSync(file, prepare(block.code, echoServer.url, proxy?.port ?? null));
      const run = await runFile(file, 60_000);
      expect({ status: run.status, stderr: run.stderr }, `stdout:\n${run.stdout}`).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).not.toBe('');
    },
    90_000,
  );
});
