// The worker thread side of digest parsing: parses one file per message, so a slow file never stalls the bot.
import { parentPort } from "node:worker_threads";
import { DigestParseError, parseDigest } from "./parse-digest.js";
import type { ParseJob, ParseReply } from "./digest-parser.js";

const port = parentPort;
if (port) {
  port.on("message", (job: ParseJob) => {
    let reply: ParseReply;
    try {
      reply = { id: job.id, ok: true, json: JSON.stringify(parseDigest(job.source, job.file, job.options)) };
    } catch (err) {
      const typed = err instanceof DigestParseError;
      reply = { id: job.id, ok: false, typed, message: err instanceof Error ? err.message : String(err), ...(typed ? { line: err.line } : {}) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
}
