/**
 * wsdump's terminal side: reads lines from stdin and prints received frames.
 * Interactive mode prefixes them with `< ` (blue, or yellow for control
 * frames, when stdout is a terminal) and keeps a `> ` prompt with line editing
 * when both ends are terminals; raw mode prints each frame alone on a line.
 */
import readline from 'node:readline';

/** Whether a printed frame carries data or is a control frame (ping, pong, close). */
export type FrameKind = 'data' | 'control';

/** What the console is attached to. */
export interface ConsoleOptions {
  raw: boolean;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Environment, for NO_COLOR (https://no-color.org). */
  env: NodeJS.ProcessEnv;
}

/** The reactions to what the user does. */
export interface ConsoleEvents {
  line(text: string): void;
  /** stdin ended. */
  end(): void;
  /** Ctrl+C typed at the prompt (a terminal in raw mode gets no SIGINT signal). */
  interrupt(): void;
}

const BLUE = '\x1b[34m';
const YELLOW = '\x1b[33m';
const DEFAULT_COLOUR = '\x1b[39m';
const CLEAR_LINE = '\r\x1b[2K';

export class WsdumpConsole {
  private readonly options: ConsoleOptions;
  private readonly colour: boolean;
  private readonly terminal: boolean;
  private reader: readline.Interface | null = null;
  private stopped = false;

  constructor(options: ConsoleOptions) {
    this.options = options;
    const outputIsTerminal = options.output.isTTY === true;
    this.colour = !options.raw && outputIsTerminal && !options.env.NO_COLOR;
    this.terminal = !options.raw && outputIsTerminal && options.input.isTTY === true;
  }

  /** Interactive mode's greeting (nothing in raw mode). */
  greet(): void {
    if (!this.options.raw) this.options.output.write('Press Ctrl+C to quit\n');
  }

  /** Starts reading stdin line by line. */
  start(events: ConsoleEvents): void {
    const reader = readline.createInterface({
      input: this.options.input,
      output: this.terminal ? this.options.output : undefined,
      terminal: this.terminal,
      prompt: '> ',
      crlfDelay: Infinity,
    });
    this.reader = reader;
    reader.on('line', (line) => {
      events.line(line);
      if (this.terminal && !this.stopped) reader.prompt();
    });
    reader.on('close', () => {
      if (!this.stopped) events.end();
    });
    reader.on('SIGINT', () => events.interrupt());
    if (this.terminal) reader.prompt();
  }

  /** Prints one received frame (already formatted), redrawing the prompt and the line being typed. */
  print(text: string, kind: FrameKind): void {
    if (this.options.raw) {
      this.options.output.write(`${text}\n`);
      return;
    }
    const line = `< ${text}`;
    const shown = this.colour ? `${kind === 'data' ? BLUE : YELLOW}${line}${DEFAULT_COLOUR}` : line;
    if (this.terminal && this.reader !== null && !this.stopped) {
      this.options.output.write(`${CLEAR_LINE}${shown}\n`);
      this.reader.prompt(true);
      return;
    }
    this.options.output.write(`${shown}\n`);
  }

  /** Stops reading stdin (without reporting it as the end of input). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.terminal) this.options.output.write('\n');
    this.reader?.close();
  }
}
