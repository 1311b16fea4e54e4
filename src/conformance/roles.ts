/**
 * Case texts are written from the tester-as-server side ("Server sends …; the client echoes …").
 * In the server suite the tester is the client, so the roles in the text are swapped.
 */
import type { CaseDefinition } from './run.js';

const SWAP: Record<string, string> = { Server: 'Tester', server: 'tester', Client: 'Server', client: 'server' };

/** The text with the tester as the client: "Server"/"server" become "Tester"/"tester", "client" becomes "server". */
export function asClientText(text: string): string {
  return text.replace(/\b(Server|server|Client|client)\b(?!_)/g, (word) => SWAP[word]!);
}

/** Description and expectation of a case as the server suite shows them. */
export function serverSuiteTexts(definition: CaseDefinition): { description: string; expectation: string } {
  return definition.asClient ?? { description: asClientText(definition.description), expectation: asClientText(definition.expectation) };
}
