/**
 * The self-contained HTML report: a summary per agent, the case matrix (a row per case, a
 * column per agent, coloured by verdict) and each case's detail in a collapsible block, open
 * for the cases that are not OK.
 * No external asset, no script.
 */
import type { Behavior, CaseResult, WirelogEntry } from './types.js';

const BEHAVIORS: Behavior[] = ['OK', 'NON-STRICT', 'FAILED', 'INFORMATIONAL', 'UNIMPLEMENTED'];
const CLASS: Record<Behavior, string> = {
  OK: 'ok',
  'NON-STRICT': 'nonstrict',
  FAILED: 'failed',
  INFORMATIONAL: 'info',
  UNIMPLEMENTED: 'unimpl',
};
const WIRELOG_SHOWN = 60;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function anchor(agent: string, id: string): string {
  return `c-${agent.replace(/[^A-Za-z0-9]+/g, '_')}-${id.replace(/\./g, '_')}`;
}

function wirelogLine(e: WirelogEntry): string {
  if (e.dir === 'timer') return `${String(e.at).padStart(6)} ms  ${e.note ?? ''}`;
  const flags = `op=${e.opcode} fin=${e.fin ? 1 : 0} rsv=${e.rsv}${e.masked ? ' masked' : ''}`;
  return `${String(e.at).padStart(6)} ms  ${e.dir === 'tx' ? 'sent    ' : 'received'} ${flags} len=${e.length}${e.note ? ` (${e.note})` : ''}  ${e.payload ?? ''}`;
}

function detail(agent: string, r: CaseResult): string {
  const d = r.detail;
  const rows: Array<[string, string]> = [
    ['Description', r.description],
    ['Expectation', d?.expectation ?? ''],
    ['Verdict', `${r.behavior} / close ${r.behaviorClose}`],
    ['What happened', r.reason],
    ...(d !== undefined && d.notes.length > 0 ? [['Stricter than Autobahn', d.notes.join('\n')] as [string, string]] : []),
    ['Duration', `${r.durationMs} ms`],
    ['Close codes', `sent ${r.localCloseCode ?? 'none'}, received ${r.remoteCloseCode ?? 'none'}${d?.remoteCloseReason ? ` "${d.remoteCloseReason}"` : ''}`],
  ];
  if (d !== undefined) {
    rows.push(['Connection end', `closed by ${d.closedByMe ? 'the tester' : 'the peer'}; TCP dropped by ${d.droppedByMe ? 'the tester' : 'the peer'}; ${d.wasClean ? 'clean' : `not clean (${d.wasNotCleanReason ?? 'unknown'})`}`]);
    rows.push(['Expected', Object.entries(d.expected).map(([b, ev]) => `${b}: ${ev.map((e) => `${e.kind} ${e.payload}`).join(', ') || 'nothing'}`).join('\n')]);
    rows.push(['Received', `${d.received.map((e) => `${e.kind} ${e.payload}`).join('\n') || 'nothing'}${d.receivedCount > d.received.length ? `\n… ${d.receivedCount} events in all` : ''}`]);
  }
  const table = rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td><pre>${esc(v)}</pre></td></tr>`).join('');
  let log = '';
  if (d !== undefined) {
    const lines = d.wirelog.entries.slice(0, WIRELOG_SHOWN).map(wirelogLine);
    const more = d.wirelog.entries.length - Math.min(WIRELOG_SHOWN, d.wirelog.entries.length) + d.wirelog.omitted;
    if (more > 0) lines.push(`… ${more} more entries (see the case's JSON report)`);
    log = `<h4>Wire log</h4><pre class="log">${esc(lines.join('\n'))}</pre>`;
  }
  return (
    `<details id="${anchor(agent, r.id)}"${r.behavior === 'OK' && r.behaviorClose === 'OK' && (d?.notes.length ?? 0) === 0 ? '' : ' open'}><summary><span class="${CLASS[r.behavior]}">${esc(r.behavior)}</span> ` +
    `${esc(agent)} — case ${esc(r.id)}</summary><table class="kv">${table}</table>${log}</details>`
  );
}

/** Renders the whole report as one HTML document. */
export function renderHtmlReport(results: ReadonlyMap<string, readonly CaseResult[]>, title: string): string {
  const agents = [...results.keys()].sort();
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const agent of agents) for (const r of results.get(agent)!) if (!seen.has(r.id)) seen.add(r.id), ids.push(r.id);
  const byAgent = new Map(agents.map((a) => [a, new Map(results.get(a)!.map((r) => [r.id, r]))]));

  const summary = agents
    .map((agent) => {
      const rs = results.get(agent)!;
      const counts = BEHAVIORS.map((b) => [b, rs.filter((r) => r.behavior === b).length] as const).filter(([, n]) => n > 0);
      return `<tr><th>${esc(agent)}</th>${counts.map(([b, n]) => `<td class="${CLASS[b]}">${n} ${esc(b)}</td>`).join('')}</tr>`;
    })
    .join('');

  let lastSection = '';
  const matrix = ids
    .map((id) => {
      const section = id.split('.')[0]!;
      const head = section !== lastSection ? `<tr class="section"><th colspan="${agents.length + 1}">Section ${esc(section)}</th></tr>` : '';
      lastSection = section;
      const cells = agents
        .map((agent) => {
          const r = byAgent.get(agent)!.get(id);
          if (r === undefined) return '<td class="missing">missing</td>';
          const close = r.behaviorClose === 'OK' ? String(r.remoteCloseCode ?? '') : r.behaviorClose;
          const time = id.startsWith('9.') ? ` ${r.durationMs} ms` : '';
          const closeClass = r.behaviorClose === 'OK' || r.behaviorClose === 'INFORMATIONAL' ? '' : ' class="closebad"';
          const notes = r.detail?.notes ?? [];
          const noted = notes.length === 0 ? '' : ' <small class="noted">note</small>';
          const title = [r.reason, ...notes.map((n) => `note: ${n}`)].join('\n');
          return `<td class="${CLASS[r.behavior]}" title="${esc(title)}"><a href="#${anchor(agent, id)}">${esc(r.behavior)}</a> <small${closeClass}>${esc(close)}${time}</small>${noted}</td>`;
        })
        .join('');
      return `${head}<tr><th class="id">${esc(id)}</th>${cells}</tr>`;
    })
    .join('\n');

  const details = agents.map((agent) => results.get(agent)!.map((r) => detail(agent, r)).join('\n')).join('\n');

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.ok{background:#c8f0c8}.nonstrict{background:#f0e6a0}.failed{background:#f4b0b0}.info{background:#c8dcf4}.unimpl{background:#ddd}.missing{background:#fff;color:#999}
tr.section th{background:#333;color:#fff} th.id{font-weight:normal;font-family:monospace}
td a{color:inherit;font-weight:600;text-decoration:none} small{color:#444} small.closebad{background:#c0392b;color:#fff;padding:0 4px;border-radius:3px} small.noted{background:#7a5c00;color:#fff;padding:0 4px;border-radius:3px}
details{border:1px solid #ddd;margin:4px 0;padding:4px 8px} summary{cursor:pointer;font-family:monospace}
summary span{padding:0 6px} table.kv th{width:130px;vertical-align:top;background:#f6f6f6}
pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:12px} pre.log{background:#f8f8f8;padding:6px;border:1px solid #eee}
</style></head><body>
<h1>${esc(title)}</h1>
<p>Generated ${esc(new Date().toISOString())} by rfc6455 wstest. Verdicts as Autobahn|Testsuite defines them: OK, NON-STRICT (a SHOULD not met), FAILED (a MUST broken), INFORMATIONAL, UNIMPLEMENTED. The small text is the close code received, or the close verdict (red) when it is not OK. A case marked "note" broke a rule of the RFCs that Autobahn's verdicts do not count (wstest --strict fails it). Click a verdict for the case's detail and wire log.</p>
<table>${summary}</table>
<h2>Cases</h2>
<table class="matrix"><tr><th>case</th>${agents.map((a) => `<th>${esc(a)}</th>`).join('')}</tr>
${matrix}
</table>
<h2>Details</h2>
${details}
</body></html>
`;
}
