// Watcher benchmark: latency from a save to the watcher's first event, per save style, for the watch strategies
// considered (issue 10 item 2). Run: `npx tsx bench/watcher-bench.ts`; to include the libraries, install them
// outside the project and point WATCHER_LIBS at that node_modules (`npm i --prefix /tmp/wb chokidar@4.0.3
// @parcel/watcher@2.6.0`, then `WATCHER_LIBS=/tmp/wb/node_modules npx tsx bench/watcher-bench.ts`).
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { watchDigestDir } from "../src/core/digest/dir-watcher.js";
import { createLogger } from "../src/core/logger.js";
import { prepareFor, SAVE_STYLES } from "./save-styles.js";

const RUNS = 5;
/** A save not reported within this long counts as missed (the archive's safety-net rescan would catch it later). */
const MISSED_MS = 2000;

interface Candidate {
  name: string;
  start(dir: string, onEvent: () => void): Promise<() => Promise<void> | void>;
}

async function loadLib(name: string): Promise<unknown> {
  const libs = process.env.WATCHER_LIBS;
  if (!libs) return undefined;
  try {
    const resolved = createRequire(path.join(libs, "noop.js")).resolve(name);
    return await import(pathToFileURL(resolved).href);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function candidates(): Promise<Candidate[]> {
  const list: Candidate[] = [
    {
      name: "fs.watch recursive (before)",
      async start(dir, onEvent) {
        const w = fs.watch(dir, { recursive: true, persistent: false }, onEvent);
        return () => w.close();
      },
    },
    {
      name: "per-directory fs.watch (chosen)",
      async start(dir, onEvent) {
        const w = watchDigestDir({ dir, onChange: onEvent, debounceMs: 0, maxWaitMs: 0, logger: createLogger({ level: "silent", pretty: false }) });
        return () => w.close();
      },
    },
  ];
  const chokidar = (await loadLib("chokidar")) as { watch(dir: string, o: object): { on(e: string, f: () => void): unknown; close(): Promise<void> } } | undefined;
  if (chokidar) {
    list.push({
      name: "chokidar 4.0.3",
      async start(dir, onEvent) {
        const w = chokidar.watch(dir, { ignoreInitial: true });
        await new Promise<void>((r) => w.on("ready", r));
        w.on("all", onEvent);
        return () => w.close();
      },
    });
  }
  const parcel = (await loadLib("@parcel/watcher")) as { subscribe(dir: string, f: (err: unknown, events: unknown[]) => void): Promise<{ unsubscribe(): Promise<void> }> } | undefined;
  if (parcel) {
    list.push({
      name: "@parcel/watcher 2.6.0",
      async start(dir, onEvent) {
        const sub = await parcel.subscribe(dir, () => onEvent());
        return () => sub.unsubscribe();
      },
    });
  }
  return list;
}

async function measure(candidate: Candidate): Promise<Record<string, string>> {
  const row: Record<string, string> = {};
  for (const style of SAVE_STYLES) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "watch-bench-"));
    const dir = path.join(root, "digests");
    const outside = path.join(root, "outside");
    fs.mkdirSync(dir);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(dir, "2026-03-01.md"), "x");
    let last = 0;
    const stop = await candidate.start(dir, () => {
      last = performance.now();
    });
    const times: number[] = [];
    // One unmeasured run first: the old watcher's failure shows only from the second atomic save on.
    for (let i = 0; i <= RUNS; i++) {
      prepareFor(style, dir, i);
      await sleep(150);
      last = 0;
      const t0 = performance.now();
      style.run(dir, outside, i);
      while (last === 0 && performance.now() - t0 < MISSED_MS) await sleep(1);
      if (i > 0) times.push(last === 0 ? Infinity : last - t0);
    }
    await stop();
    fs.rmSync(root, { recursive: true, force: true });
    times.sort((a, b) => a - b);
    const missed = times.filter((t) => t === Infinity).length;
    const median = times[Math.floor(times.length / 2)] as number;
    row[style.name] = missed ? `${missed}/${RUNS} missed` + (median === Infinity ? "" : `, p50 ${median.toFixed(1)} ms`) : `${median.toFixed(1)} ms`;
  }
  return row;
}

for (const candidate of await candidates()) {
  const row = await measure(candidate);
  console.log(`\n${candidate.name}`);
  for (const [style, value] of Object.entries(row)) console.log(`  ${style.padEnd(28)} ${value}`);
}
