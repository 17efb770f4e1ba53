// `digest-bot search QUERY [--limit N] [--date D] [--from D] [--to D] [--section S] [--prefix] [--json]`: ranked stories from the archive.
import { checkStoragePaths } from "../core/storage-paths.js";
import { parseArgs } from "node:util";
import pino from "pino";
import { createArchive } from "../core/digest/archive.js";
import { type Config, loadConfig } from "../core/config.js";
import { DateInputError, resolveDate } from "../core/dates.js";
import { createLogger } from "../core/logger.js";
import { createStorySearch, type SearchOptions } from "../core/search.js";

/** Results shown without `--limit`. */
export const DEFAULT_CLI_LIMIT = 10;

const USAGE = `Usage: digest-bot search QUERY [--limit N] [--date D] [--from D] [--to D] [--section S] [--prefix] [--json]

  QUERY          words to find; Chinese, English, model names (glm-5, qwen 3.5), typos and traditional characters work
  --limit N      show at most N stories (default ${DEFAULT_CLI_LIMIT})
  --date D       only this day (2026-02-18, 02-18, today, yesterday)
  --from D       only from this day on;  --to D  only up to this day
  --section S    only sections matching S loosely (agent, 安全, 2)
  --prefix       complete the last word as a prefix (what autocomplete does)
  --json         print [{ id, date, section, title, score }]

Exit code: 0 with results, 1 when nothing matches, 2 on a usage error.
`;

/** Where the command writes; tests pass their own. */
export interface SearchCliIo {
  config: Config;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now?: Date;
}

class UsageError extends Error {}

function readOptions(args: string[], config: Config, now: Date): { query: string; options: SearchOptions; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        limit: { type: "string" },
        date: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        section: { type: "string" },
        prefix: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError("");
  const query = positionals.join(" ").trim();
  if (!query) throw new UsageError("search: give a QUERY, e.g. digest-bot search \"glm-5\"");
  const limit = values.limit === undefined ? DEFAULT_CLI_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`search: --limit must be a whole number of 1 or more (got "${values.limit}")`);
  const day = (flag: string, input: string | undefined) => {
    if (input === undefined) return undefined;
    try {
      return resolveDate(input, now, config.POST_TIMEZONE);
    } catch (err) {
      if (err instanceof DateInputError) throw new UsageError(`search: --${flag} ${err.message.replace(/^dates: /, "")}`);
      throw err;
    }
  };
  const options: SearchOptions = { limit };
  const date = day("date", values.date);
  const from = day("from", values.from);
  const to = day("to", values.to);
  if (date) options.date = date;
  if (from) options.from = from;
  if (to) options.to = to;
  const start = [date, from].filter((d) => d !== undefined).sort().at(-1);
  const end = [date, to].filter((d) => d !== undefined).sort().at(0);
  if (start !== undefined && end !== undefined && start > end) {
    throw new UsageError(`search: no day is both on/after ${start} and on/before ${end}; check --date, --from and --to`);
  }
  if (values.section !== undefined) options.section = values.section;
  if (values.prefix) options.prefix = true;
  return { query, options, json: values.json === true };
}

/** Runs the search with explicit settings and output; returns the exit code. */
export async function runSearch(args: string[], io: SearchCliIo): Promise<number> {
  let request;
  try {
    request = readOptions(args, io.config, io.now ?? new Date());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(err.message ? `${err.message}\n\n${USAGE}` : USAGE);
    return err.message ? 2 : 0;
  }
  const verbose = io.config.LOG_LEVEL === "debug" || io.config.LOG_LEVEL === "trace";
  // Logs go to stderr so `--json` output stays machine-readable.
  const logger = createLogger({ level: verbose ? io.config.LOG_LEVEL : "warn", pretty: false, destination: pino.destination(2) });
  checkStoragePaths(io.config);
  const archive = await createArchive({ dir: io.config.DIGEST_DIR, logger, watch: false });
  try {
    for (const p of archive.problems()) io.stderr(`warning: ${p.message}\n`);
    const search = await createStorySearch({ archive, dataDir: io.config.DATA_DIR, logger });
    await search.ready;
    const hits = search.search(request.query, request.options);
    await search.close();
    if (request.json) {
      io.stdout(`${JSON.stringify(hits.map(({ id, date, section, title, score }) => ({ id, date, section, title, score: Math.round(score * 1000) / 1000 })), null, 2)}\n`);
    } else if (hits.length === 0) {
      const count = archive.dates().length;
      io.stdout(`No stories match "${request.query}" among ${count} ${count === 1 ? "digest" : "digests"}.\n`);
    } else {
      const lines = hits.map(
        (h, i) => `${String(i + 1).padStart(2)}. ${h.title}\n    ${h.id} · ${h.date} · ${h.section} · score ${h.score.toFixed(2)}`,
      );
      io.stdout(`${lines.join("\n")}\n`);
    }
    return hits.length > 0 ? 0 : 1;
  } finally {
    await archive.close();
  }
}

export async function run(args: string[]): Promise<number> {
  return runSearch(args, {
    config: loadConfig(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
