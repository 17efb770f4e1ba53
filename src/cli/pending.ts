// `digest-bot pending [--cancel RUN] [--json]`: reposts and manual deliveries not yet fully sent, and cancelling one.
import { parseArgs } from "node:util";
import { readCommandArgs } from "./command-args.js";
import { loadConfig } from "../core/config.js";
import { openStorage } from "../core/storage/open-storage.js";
import type { PendingRun } from "../core/storage/types.js";
import { reportStorageErrors, type StateCliIo } from "./state-cli.js";

const USAGE = `Usage: digest-bot pending [--cancel RUN] [--json]

Lists reposts and manual deliveries (digest-bot deliver, /repost) with messages not yet sent: the running bot sends
them on its next tick, or at its next start. Scheduled posts of subscriptions are not listed (see /status).
  --cancel RUN   give up the unsent messages of run RUN (they are never sent; the ledger keeps them as skipped)
  --json         print [{ runId, kind, digestDate, platform, targetId, open, parts, createdAt, requestedBy, lastError }]

Exit code: 0 listed or cancelled, 1 no such pending run or the state cannot be opened, 2 bad usage.
`;

export async function run(args: string[]): Promise<number> {
  return runPending(args, { config: loadConfig(), stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}

function describe(run: PendingRun): string {
  const by = run.requestedBy ? ` by ${run.requestedBy}` : "";
  const error = run.lastError ? `\n    last error: ${run.lastError}` : "";
  return `${run.runId}  ${run.kind}  ${run.digestDate} → ${run.platform}:${run.targetId}  ${run.open}/${run.parts} messages left  (planned ${run.createdAt}${by})${error}\n`;
}

export async function runPending(args: string[], io: StateCliIo): Promise<number> {
  const parsed = readCommandArgs(io, "pending", USAGE, () =>
    parseArgs({ args, options: { cancel: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } }),
  );
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  return reportStorageErrors("pending", io, async () => {
    const storage = await openStorage({ dataDir: io.config.DATA_DIR, databaseUrl: io.config.DATABASE_URL });
    try {
      if (values.cancel !== undefined) {
        const runId = values.cancel.trim();
        if (runId === "") {
          io.stderr(`digest-bot pending: --cancel needs a run id (digest-bot pending lists them)\n\n${USAGE}`);
          return 2;
        }
        const now = (io.now ?? new Date()).toISOString();
        const cancelled = await storage.ledger.cancelRun(runId, "cancelled by an admin (digest-bot pending --cancel)", now);
        if (cancelled === 0) {
          io.stderr(`digest-bot pending: no pending repost or manual run "${runId}"; digest-bot pending lists them\n`);
          return 1;
        }
        io.stderr(`digest-bot pending: cancelled run ${runId}: ${cancelled} message${cancelled === 1 ? "" : "s"} will not be sent\n`);
        return 0;
      }
      const runs = await storage.ledger.pendingRuns();
      if (values.json) io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
      else if (runs.length === 0) io.stdout("No pending reposts or manual deliveries.\n");
      else for (const r of runs) io.stdout(describe(r));
      return 0;
    } finally {
      await storage.close();
    }
  });
}
