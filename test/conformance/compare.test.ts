/**
 * `wstest compare`'s core: two runs' index.json compared case by case (verdict, close verdict,
 * close code), in Autobahn's case order, with the format errors named.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPARED_FIELDS, IndexFormatError, compareCaseIds, compareIndexes, formatComparison, identical, parseIndex } from '../../src/conformance/compare.js';

const BEHAVIORS = ['OK', 'NON-STRICT', 'FAILED', 'INFORMATIONAL', 'UNIMPLEMENTED'] as const;
const CLOSES = ['OK', 'FAILED', 'WRONG CODE', 'UNCLEAN', 'FAILED BY CLIENT', 'INFORMATIONAL', 'UNIMPLEMENTED'] as const;

const entry = fc.record({
  behavior: fc.constantFrom(...BEHAVIORS),
  behaviorClose: fc.constantFrom(...CLOSES),
  remoteCloseCode: fc.option(fc.constantFrom(1000, 1002, 1007, 3000), { nil: null }),
  duration: fc.nat(100_000),
  reportfile: fc.constant('x.json'),
});
const caseId = fc.tuple(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 })).map((p) => p.join('.'));
const index = fc.dictionary(fc.constantFrom('ws', 'tornado', 'aiohttp'), fc.dictionary(caseId, entry, { minKeys: 1, maxKeys: 8 }), { minKeys: 1, maxKeys: 3 });

describe('wstest compare', () => {
  it('finds a run identical to itself, through a JSON round trip, whatever the durations', () => {
    fc.assert(
      fc.property(index, fc.nat(1000), (run, extra) => {
        const again = parseIndex(JSON.stringify(run), 'b');
        for (const cases of Object.values(again)) for (const e of Object.values(cases)) (e as { duration?: number }).duration = extra;
        const c = compareIndexes(parseIndex(JSON.stringify(run), 'a'), again);
        expect(identical(c)).toBe(true);
        expect(c.compared).toBe(Object.values(run).reduce((n, cases) => n + Object.keys(cases).length, 0));
      }),
    );
  });

  it('reports exactly the field that was changed, and a case on one side only', () => {
    fc.assert(
      fc.property(index, fc.nat(), fc.constantFrom(...COMPARED_FIELDS), (run, pick, field) => {
        const agents = Object.keys(run);
        const agent = agents[pick % agents.length]!;
        const ids = Object.keys(run[agent]!);
        const id = ids[pick % ids.length]!;
        const changed = structuredClone(run);
        const e = changed[agent]![id]!;
        const before = String(e[field]);
        if (field === 'behavior') e.behavior = e.behavior === 'OK' ? 'FAILED' : 'OK';
        else if (field === 'behaviorClose') e.behaviorClose = e.behaviorClose === 'OK' ? 'UNCLEAN' : 'OK';
        else e.remoteCloseCode = e.remoteCloseCode === 1000 ? 1002 : 1000;
        const c = compareIndexes(run, changed);
        expect(c.differences).toEqual([{ agent, id, field, a: before, b: String(e[field]) }]);
        delete changed[agent]![id];
        const missing = compareIndexes(run, changed);
        expect(missing.onlyInA).toEqual([`${agent} ${id}`]);
        expect(identical(missing)).toBe(false);
      }),
    );
  });

  it('pairs the only agent of each run when their names differ, and lists unpaired agents', () => {
    const one = { behavior: 'OK', behaviorClose: 'OK', remoteCloseCode: 1000 } as const;
    const c = compareIndexes({ ws: { '1.1.1': one } }, { 'ws-jobs1': { '1.1.1': { ...one, remoteCloseCode: null } } });
    expect(c.differences).toEqual([{ agent: 'ws ↔ ws-jobs1', id: '1.1.1', field: 'remoteCloseCode', a: '1000', b: 'null' }]);
    const two = compareIndexes({ ws: { '1.1.1': one }, x: { '2.1': one } }, { ws: { '1.1.1': one }, y: { '2.1': one } });
    expect(two).toMatchObject({ compared: 1, onlyInA: ['x 2.1'], onlyInB: ['y 2.1'] });
    expect(formatComparison(two, 'a/', 'b/').split('\n')).toEqual(['  only in a/: x 2.1', '  only in b/: y 2.1', '1 cases compared: 0 differ, 2 on one side only']);
  });

  it("orders cases as Autobahn does and prints one line per difference", () => {
    expect(['10.1.1', '9.2.1', '6.10.1', '6.4.2', '9.2', '12.1.10', '12.1.9'].sort(compareCaseIds)).toEqual(['6.4.2', '6.10.1', '9.2', '9.2.1', '10.1.1', '12.1.9', '12.1.10']);
    const ok = { behavior: 'OK', behaviorClose: 'OK', remoteCloseCode: 1000 } as const;
    const c = compareIndexes({ ws: { '3.2': ok, '13.2.1': ok } }, { ws: { '3.2': { ...ok, behavior: 'NON-STRICT' }, '13.2.1': { ...ok, behavior: 'FAILED', remoteCloseCode: null } } });
    expect(formatComparison(c, 'a', 'b').split('\n')).toEqual([
      '  ws 3.2       behavior        OK  ->  NON-STRICT',
      '  ws 13.2.1    behavior        OK  ->  FAILED',
      '  ws 13.2.1    remoteCloseCode 1000  ->  null',
      '2 cases compared: 2 differ',
    ]);
    expect(formatComparison(compareIndexes({ ws: { '3.2': ok } }, { ws: { '3.2': ok } }), 'a', 'b')).toBe('1 cases compared: identical (verdict, close verdict and close code)');
  });

  it('names what is wrong with an index.json that is not in Autobahn\'s format', () => {
    expect(() => parseIndex('{', 'x/index.json')).toThrow(IndexFormatError);
    expect(() => parseIndex('{', 'x/index.json')).toThrow(/^x\/index\.json: expected JSON, got a parse error/);
    expect(() => parseIndex('[]', 'f')).toThrow('f: expected an object {agent: {case: {...}}}, got []');
    expect(() => parseIndex('{"ws": 3}', 'f')).toThrow('f: expected agent "ws" to hold an object of cases, got 3');
    expect(() => parseIndex('{"ws": {"1.1.1": {"behaviorClose": "OK"}}}', 'f')).toThrow('f: agent "ws", case 1.1.1: expected "behavior" to be a string, got nothing');
    expect(() => parseIndex('{"ws": {"1.1.1": {"behavior": "OK", "behaviorClose": "OK", "remoteCloseCode": "1000"}}}', 'f')).toThrow(
      'expected "remoteCloseCode" to be a number or null, got "1000"',
    );
  });
});
