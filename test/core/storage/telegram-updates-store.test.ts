// The telegram_updates table on both backends: one claim wins, a re-delivery is done or busy, a dead instance's claim is taken again, old rows go.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { createTelegramUpdateStore, TELEGRAM_UPDATE_STALE_MS, TELEGRAM_UPDATE_TTL_MS } from "../../../src/core/storage/telegram-updates-store.js";
import type { Storage, StorageDialect } from "../../../src/core/storage/types.js";
import { storageOpener, testBackends } from "./backends.js";

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function open(backend: StorageDialect): Promise<Storage> {
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-updates-"));
  const o = storageOpener(backend, dir);
  const s = await o.open();
  cleanups.push(async () => {
    await s.close();
    await o.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

const rows = async (s: Storage) => Number((await s.db.selectFrom("telegram_updates").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()).n);

describe.each(testBackends())("on %s", (backend) => {
  it("of many claims of one update id at once exactly one handles it; after it is done a re-delivery is done, before it busy", async () => {
    const s = await open(backend);
    const stores = [createTelegramUpdateStore(s.db), createTelegramUpdateStore(s.db)];
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.claim("42", 9)));
    expect(claims.filter((c) => c === "handle")).toHaveLength(1);
    expect(claims.filter((c) => c === "busy")).toHaveLength(9);
    await stores[0]!.markDone("42", 9);
    expect(await stores[1]!.claim("42", 9)).toBe("done");
    // Another bot on the same database has its own update ids.
    expect(await stores[1]!.claim("43", 9)).toBe("handle");
  });

  it("a claim never marked done (its instance died) is taken again once stale, by one claimer; old rows are deleted", async () => {
    const s = await open(backend);
    let now = new Date("2026-02-18T08:00:00Z");
    const clock = () => now;
    const a = createTelegramUpdateStore(s.db, { clock });
    const b = createTelegramUpdateStore(s.db, { clock });
    expect(await a.claim("42", 1)).toBe("handle");
    now = new Date(now.getTime() + TELEGRAM_UPDATE_STALE_MS - 1000);
    expect(await b.claim("42", 1)).toBe("busy");
    now = new Date(now.getTime() + 2000);
    const retaken = await Promise.all([b.claim("42", 1), a.claim("42", 1)]);
    expect(retaken.sort()).toEqual(["busy", "handle"]);
    now = new Date(now.getTime() + TELEGRAM_UPDATE_TTL_MS + 1000);
    expect(await createTelegramUpdateStore(s.db, { clock }).claim("42", 2)).toBe("handle");
    expect(await rows(s)).toBe(1);
  });
});
