// `digest-bot ask "/story sonnet" [--json] [--locale en]`: runs one command through the console path and prints the reply.
import { createApp } from "../app.js";
import { LOCALES, loadConfig, type Locale } from "../core/config.js";
import { renderReplyText } from "../core/render-text.js";
import { createConsolePublisher } from "../console/console-publisher.js";
import { CONSOLE_INVOCATION } from "../console/run-console.js";
import { createTerminalLogger } from "./terminal-logger.js";

const USAGE = `Usage: digest-bot ask "/command options…" [--json] [--locale zh|en]

Runs one command as the local operator (admin) and prints the reply.
  --json          print the reply model as JSON instead of text
  --locale zh|en  answer in this UI language (default: BOT_LOCALE)
Exit code: 0 answered, 1 the reply is an error, 2 bad usage.
`;

export async function run(args: string[]): Promise<number> {
  let json = false;
  let locale: Locale | undefined;
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--locale") {
      const value = args[++i];
      if (!value || !(LOCALES as readonly string[]).includes(value)) {
        process.stderr.write(`digest-bot ask: --locale needs zh or en${value ? `, got "${value}"` : ""}\n`);
        return 2;
      }
      locale = value as Locale;
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(USAGE);
      return 0;
    } else words.push(arg);
  }
  // `ask "/story sonnet" extra args`: the quoted command is the whole line; joining the extras would change the query.
  if (words.length > 1 && /\s/.test(words[0]!.trim())) {
    process.stderr.write(
      `digest-bot ask: unexpected "${words.slice(1).join(" ")}" after the quoted command; put the whole command in one argument, e.g. digest-bot ask "/story sonnet"\n`,
    );
    return 2;
  }
  const line = words.join(" ").trim();
  if (!line) {
    process.stderr.write(`digest-bot ask: say which command to run, e.g. digest-bot ask "/story sonnet"\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const logger = createTerminalLogger(config);
  const app = await createApp({ config, logger, watch: false });
  try {
    // `/repost` from a shell prints the post here, as the console would.
    app.delivery.registerPublisher(createConsolePublisher({ output: process.stdout, locale: locale ?? config.BOT_LOCALE }));
    await app.ready;
    const text = line.startsWith("/") || line.startsWith("／") ? line : `/${line}`;
    const reply = await app.runText(text, { ...CONSOLE_INVOCATION, ...(locale ? { locale } : {}) });
    if (!reply) {
      process.stderr.write(`digest-bot ask: "${line}" is not a command; try digest-bot ask "/help"\n`);
      return 2;
    }
    process.stdout.write(json ? `${JSON.stringify(reply, null, 2)}\n` : `${renderReplyText(reply, locale ?? config.BOT_LOCALE)}\n`);
    return reply.type === "error" ? 1 : 0;
  } finally {
    await app.close();
  }
}
