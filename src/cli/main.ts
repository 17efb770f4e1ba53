// The `digest-bot` command line: dispatches to one module per subcommand in src/cli/.
const SUBCOMMANDS: Record<string, { module: string; summary: string }> = {
  start: { module: "./start.js", summary: "run the bot (Discord/Telegram when tokens are set, else the local console)" },
  console: { module: "./console.js", summary: "run the local console even when tokens are set" },
  ask: { module: "./ask.js", summary: 'run one command and print the reply: ask "/story sonnet" [--json] [--locale zh|en]' },
  check: { module: "./check.js", summary: "validate digest files: check FILE|DIR… [--json]" },
  search: { module: "./search.js", summary: "search stories: search QUERY [--limit N] [--date D] [--from D] [--to D] [--section S] [--prefix] [--json]" },
  preview: { module: "./preview.js", summary: "show a daily post: preview [--date D] [--section S] [--platform console|discord|telegram] [--json]" },
  deliver: { module: "./deliver.js", summary: "deliver now: deliver [--date D] [--section S] [--target platform:id]… | --all" },
  pending: { module: "./pending.js", summary: "list pending reposts and manual deliveries: pending [--cancel RUN] [--json]" },
  backup: { module: "./backup.js", summary: "copy the SQLite state safely while the bot runs: backup FILE" },
  migrate: { module: "./migrate.js", summary: "copy an SQLite state into the PostgreSQL of DATABASE_URL: migrate --from sqlite:PATH" },
};

/** Each subcommand module exports `run(args)` resolving to the process exit code. */
interface SubcommandModule {
  run(args: string[]): Promise<number>;
}

/** Exit code of a usage error (no or an unknown command), as for every subcommand's bad usage. */
const USAGE_EXIT_CODE = 2;

function usage(): string {
  const lines = Object.entries(SUBCOMMANDS).map(([name, { summary }]) => `  ${name.padEnd(8)} ${summary}`);
  return `Usage: digest-bot <command> [options]\n       digest-bot --version\n\nCommands:\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    process.stderr.write(usage());
    return USAGE_EXIT_CODE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    // Imported here so the other commands do not pay for it.
    const { packageRoot } = await import("../core/package-root.js");
    process.stdout.write(`digest-bot ${packageRoot().version}\n`);
    return 0;
  }
  const entry = SUBCOMMANDS[name];
  if (!entry) {
    process.stderr.write(`digest-bot: unknown command "${name}"\n\n${usage()}`);
    return USAGE_EXIT_CODE;
  }
  const mod = (await import(entry.module)) as SubcommandModule;
  return mod.run(rest);
}

/**
 * `digest-bot check … | head` closes the pipe before the output ends: what nobody reads any more is dropped instead of
 * crashing with EPIPE, and the command still finishes, so its exit code (and its problems on stderr) stay its own.
 */
function dropOutputToClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
  }
}

dropOutputToClosedPipes();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`digest-bot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
