// The `digest-bot` command line: dispatches to one module per subcommand in src/cli/.
const SUBCOMMANDS: Record<string, { module: string; summary: string }> = {
  start: { module: "./start.ts", summary: "run the bot (Discord/Telegram when tokens are set, else the local console)" },
  console: { module: "./console.ts", summary: "run the local console even when tokens are set" },
  ask: { module: "./ask.ts", summary: 'run one command and print the reply: ask "/story sonnet" [--json] [--locale zh|en]' },
  check: { module: "./check.ts", summary: "validate digest files: check FILE|DIR… [--json]" },
  search: { module: "./search.ts", summary: "search stories: search QUERY [--limit N] [--date D] [--from D] [--to D] [--section S] [--prefix] [--json]" },
  preview: { module: "./preview.ts", summary: "show a daily post: preview [--date D] [--section S] [--platform console|discord|telegram] [--json]" },
  deliver: { module: "./deliver.ts", summary: "deliver now: deliver [--date D] [--section S] [--target platform:id]… | --all" },
  pending: { module: "./pending.ts", summary: "list pending reposts and manual deliveries: pending [--cancel RUN] [--json]" },
  backup: { module: "./backup.ts", summary: "copy the SQLite state safely while the bot runs: backup FILE" },
  migrate: { module: "./migrate.ts", summary: "copy an SQLite state into the PostgreSQL of DATABASE_URL: migrate --from sqlite:PATH" },
};

/** Each subcommand module exports `run(args)` resolving to the process exit code. */
interface SubcommandModule {
  run(args: string[]): Promise<number>;
}

function usage(): string {
  const lines = Object.entries(SUBCOMMANDS).map(([name, { summary }]) => `  ${name.padEnd(8)} ${summary}`);
  return `Usage: digest-bot <command> [options]\n\nCommands:\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const entry = SUBCOMMANDS[name];
  if (!entry) {
    process.stderr.write(`digest-bot: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  const mod = (await import(entry.module)) as SubcommandModule;
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`digest-bot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
