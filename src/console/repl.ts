// The console's line editor: readline on a terminal (editing, history in DATA_DIR, tab completion) and output above the prompt.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import type { CommandRegistry } from "../core/command-registry.js";

/** In DATA_DIR: the console's command history, one line each, oldest first. */
export const CONSOLE_HISTORY_FILE = "console-history";
/** Lines of history kept (in memory and in the file). */
export const CONSOLE_HISTORY_SIZE = 500;

export interface ReplOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Line editing with escape sequences (a terminal); false reads plain lines, as from a pipe. */
  terminal: boolean;
  /** Show the `> ` prompt. */
  prompt: boolean;
  registry: CommandRegistry;
  /** History file; none when undefined. */
  historyFile?: string;
}

export interface Repl {
  readonly rl: Interface;
  /** Prints text above the prompt, then redraws the prompt and what was typed so far. */
  printAbove(text: string): void;
  /** Shows the prompt (after a reply). */
  prompt(): void;
  close(): void;
}

/** Completions of a partial line: command names for the first word, then that command's option names (`section:`). */
export function completeLine(line: string, registry: CommandRegistry): [string[], string] {
  const first = /^\s*(\/\S*)$/.exec(line);
  if (first) {
    const typed = first[1]!;
    const names = registry.commands.map((c) => `/${c.name}`).filter((n) => n.startsWith(typed));
    return [names.map((n) => `${n} `), typed];
  }
  const m = /^\s*\/(\S+)\s.*?(\S*)$/.exec(line);
  const def = m ? registry.get(m[1]!) : undefined;
  if (!m || !def) return [[], line];
  const word = m[2]!;
  if (word.includes(":")) return [[], word];
  const options = def.options.map((o) => `${o.name}:`).filter((o) => o.startsWith(word));
  return [options, word];
}

function loadHistory(file: string | undefined): string[] {
  if (!file || !existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  // readline wants the newest first.
  return lines.slice(-CONSOLE_HISTORY_SIZE).reverse();
}

/**
 * Opens the line editor. On a terminal, Ctrl+C clears a typed line and closes on an empty one (like a shell).
 *
 * @example
 * const repl = openRepl({ input: process.stdin, output: process.stdout, terminal: true, prompt: true, registry });
 * repl.printAbove("a log line"); // the prompt and the half-typed command are redrawn below it
 */
export function openRepl(options: ReplOptions): Repl {
  const { output, terminal } = options;
  const rl = createInterface({
    input: options.input,
    output: terminal ? output : undefined,
    terminal,
    crlfDelay: Infinity,
    historySize: CONSOLE_HISTORY_SIZE,
    history: terminal ? loadHistory(options.historyFile) : [],
    removeHistoryDuplicates: true,
    ...(terminal ? { completer: (line: string) => completeLine(line, options.registry) } : {}),
  });
  rl.setPrompt(options.prompt ? "> " : "");
  let closed = false;
  rl.on("close", () => (closed = true));
  if (terminal && options.historyFile) {
    const file = options.historyFile;
    // Appended as typed, so a crash keeps the history; trimmed to the kept size at the next start.
    const kept = loadHistory(file).reverse();
    if (kept.length > 0) writeFileSync(file, `${kept.join("\n")}\n`, { mode: 0o600 });
    rl.on("line", (line) => {
      if (line.trim()) appendFileSync(file, `${line.replace(/\n/g, " ")}\n`, { mode: 0o600 });
    });
  }
  if (terminal) {
    rl.on("SIGINT", () => {
      if (rl.line.length > 0) {
        // Clear what was typed and start over, as a shell does.
        output.write("^C\n");
        rl.write(null, { ctrl: true, name: "e" });
        rl.write(null, { ctrl: true, name: "u" });
        rl.prompt();
        return;
      }
      output.write("^C");
      rl.close();
    });
  }
  const write = (text: string) => output.write(text.endsWith("\n") ? text : `${text}\n`);
  return {
    rl,
    printAbove(text) {
      if (closed || !terminal) {
        write(text);
        return;
      }
      clearLine(output, 0);
      cursorTo(output, 0);
      write(text);
      rl.prompt(true);
    },
    prompt() {
      if (terminal) {
        if (!closed) rl.prompt();
      } else if (options.prompt) output.write("> ");
    },
    close() {
      if (!closed) rl.close();
    },
  };
}
