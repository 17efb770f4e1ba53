// The local console: the embedded default. Prints what is loaded and scheduled, then answers commands typed on stdin.
import type { App, InvocationContext } from "../app.js";
import type { Locale } from "../core/config.js";
import type { ArchiveChange } from "../core/digest/archive.js";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatInZone } from "../core/dates.js";
import { listSeparator, t } from "../core/i18n.js";
import { renderReplyText } from "../core/render-text.js";
import type { Reply } from "../core/reply.js";
import { createConsoleAlerts } from "./console-alerts.js";
import { CONSOLE_TARGET, createConsolePublisher } from "./console-publisher.js";
import { CONSOLE_HISTORY_FILE, openRepl } from "./repl.js";
import { Writable } from "node:stream";

export interface ConsoleOptions {
  app: App;
  /** Where commands are read from, one per line; the console ends when it ends. Default process.stdin. */
  input?: NodeJS.ReadableStream;
  /** Where replies and daily posts are written. Default process.stdout. */
  output?: NodeJS.WritableStream;
  /** Show a `> ` prompt; default: when output is a terminal. */
  prompt?: boolean;
  /** Start scheduled delivery (the console publisher prints posts); default true. */
  schedule?: boolean;
  /** Line editing, history and completion (readline `terminal`); default: when input and output are terminals. */
  terminal?: boolean;
  /** Called once the console reads commands, with a function that ends it (a signal's stop calls it). */
  onReady?: (quit: () => void) => void;
  /** Routes log lines through the REPL (above the prompt) while it runs; see createConsoleLogger. */
  redirectLogs?: (write: ((text: string) => void) | undefined) => void;
}

/** In DATA_DIR: present once the console has subscribed itself (first run). */
export const CONSOLE_MARKER_FILE = "console-subscribed";

/** The console user is the local operator: an admin, in the console's one "channel". */
export const CONSOLE_INVOCATION: InvocationContext = { platform: "console", isAdmin: true, target: { ...CONSOLE_TARGET }, user: { platform: "console", id: "local" } };

/** Lines describing what the app loaded: digest dates, story counts, files with problems. */
export function describeLoaded(app: App, locale: Locale): string[] {
  const digests = app.archive.all();
  const lines: string[] = [];
  if (digests.length === 0) lines.push(t(locale, "console.loadedNone", { dir: app.config.DIGEST_DIR }));
  else lines.push(t(locale, "console.loaded", { count: digests.length, dates: digests.map((d) => d.date).join(listSeparator(locale)) }));
  for (const d of digests.slice(-7)) {
    const stories = d.sections.reduce((n, s) => n + s.stories.length, 0);
    lines.push(`  ${t(locale, "console.stories", { date: d.date, sections: d.sections.length, stories })}`);
  }
  const problems = app.archive.problems();
  if (problems.length > 0) {
    lines.push(t(locale, "console.problems"));
    for (const p of problems) lines.push(`  ${p.message.startsWith(p.file) ? p.message : `${p.file}: ${p.message}`}`);
  }
  return lines;
}

/** Lines describing what delivery will do on schedule: the next run of each enabled target. */
export async function describeSchedule(app: App, locale: Locale): Promise<string[]> {
  const { targets } = await app.delivery.status();
  const enabled = targets.filter((target) => target.enabled);
  if (enabled.length === 0) return [t(locale, "console.scheduleNone")];
  return enabled.map((target) =>
    t(locale, "console.schedule", {
      target: `${target.platform}:${target.targetId}`,
      nextRun: target.nextRun ? formatInZone(target.nextRun, target.timezone) : "—",
      cron: target.cron,
      timezone: target.timezone,
    }),
  );
}

/**
 * Runs the console until `input` ends: registers the console publisher (scheduled posts print here),
 * subscribes the console once, starts delivery, prints a summary, then answers one command per line.
 *
 * @example
 * const app = await createApp({ config, logger });
 * await runConsole({ app });   // returns on Ctrl+D
 * await app.close();
 */
export async function runConsole(options: ConsoleOptions): Promise<void> {
  const { app } = options;
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const locale = app.config.BOT_LOCALE;
  const showPrompt = options.prompt ?? (output as NodeJS.WriteStream).isTTY === true;
  const terminal = options.terminal ?? ((input as NodeJS.ReadStream).isTTY === true && (output as NodeJS.WriteStream).isTTY === true);
  const write = (text: string) => output.write(text.endsWith("\n") ? text : `${text}\n`);
  // Until the editor is open, "above the prompt" is just the output.
  let printAbove: (text: string) => void = (text) => void write(text);
  const above = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      printAbove(String(chunk).replace(/^\n+|\n+$/g, ""));
      callback();
    },
  });

  if (options.schedule !== false) {
    app.delivery.registerPublisher(createConsolePublisher({ output: above, locale }));
    app.delivery.registerAlertPublisher(createConsoleAlerts({ output: above }));
    // Subscribe the console on its first run only, so a later /unsubscribe sticks across restarts.
    const marker = join(app.config.DATA_DIR, CONSOLE_MARKER_FILE);
    if (!existsSync(marker)) {
      await app.delivery.subscribe({ ...CONSOLE_TARGET });
      writeFileSync(marker, "The local console subscribed itself once; delete this file to subscribe it again on next start.\n", { mode: 0o600 });
    }
  }
  write(describeLoaded(app, locale).join("\n"));
  write((await describeSchedule(app, locale)).join("\n"));
  write(t(locale, "console.paths", { digestDir: app.config.DIGEST_DIR, dataDir: app.config.DATA_DIR }));
  write(t(locale, "console.help"));
  await app.ready;

  const repl = openRepl({
    input,
    output,
    terminal,
    prompt: showPrompt,
    registry: app.registry,
    historyFile: join(app.config.DATA_DIR, CONSOLE_HISTORY_FILE),
  });
  // Iterated from now on: lines typed while catch-up delivery runs below are kept, not lost.
  const lines = repl.rl[Symbol.asyncIterator]();
  printAbove = (text) => repl.printAbove(text);
  options.redirectLogs?.((text) => repl.printAbove(text));
  // The archive reloads while the console runs: say so above the prompt.
  const stopWatching = app.archive.onChange((change) => {
    const text = describeChange(locale, change);
    repl.printAbove(text);
  });
  options.onReady?.(() => repl.close());
  if (options.schedule !== false) await app.start();

  repl.prompt();
  try {
    for await (const line of { [Symbol.asyncIterator]: () => lines }) {
      const text = line.trim();
      if (text !== "") {
        const reply: Reply | undefined = await app.runText(text, CONSOLE_INVOCATION);
        write(reply ? renderReplyText(reply, locale) : t(locale, "console.notCommand"));
        write("");
      }
      repl.prompt();
    }
  } finally {
    stopWatching();
    options.redirectLogs?.(undefined);
    printAbove = (text) => void write(text);
  }
  if (showPrompt || terminal) write(`\n${t(locale, "console.bye")}`);
}

/** The archive's change in one line of the UI language: what was loaded or revised, in numbers. */
export function describeChange(locale: Locale, change: ArchiveChange): string {
  if (change.type === "remove") return t(locale, "console.removed", { date: change.date, file: change.file });
  const sum = change.summary;
  if (!sum || sum.kind === "removed") return t(locale, "console.reloaded", { date: change.digest.date, file: change.file });
  const counts = { date: sum.date, file: change.file, sections: sum.sections, stories: sum.stories };
  return sum.kind === "loaded"
    ? t(locale, "console.loadedOne", counts)
    : t(locale, "console.revised", { ...counts, changed: sum.changed, added: sum.added, removed: sum.removed });
}
