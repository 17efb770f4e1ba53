// The story-id store lets go of a date's assignments only when its file holds them: a look-up by an old id still finds them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openStoryIdStore } from "../../../src/core/digest/story-id-store.js";
import type { DateIds } from "../../../src/core/digest/story-ids.js";
import { createLogger } from "../../../src/core/logger.js";

const logger = createLogger({ level: "silent" });
const DATE = "2026-02-18";
const idsOf = (title: string): DateIds => ({
  stories: new Map([[`20260218-${title.toLowerCase()}`, { title, text: `About ${title}.`, links: [] }]]),
  positions: new Map([["20260218-1-1", `20260218-${title.toLowerCase()}`]]),
});
let root: string;
let dir: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "story-id-store-"));
  dir = path.join(root, "story-ids");
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("story-id store", () => {
  it("lets go of a date's ids once its file holds them, and reads them back from it", async () => {
    const store = openStoryIdStore({ dir, logger });
    const ids = idsOf("Alpha");
    store.save(DATE, ids);
    await store.flush();
    store.forget(DATE, ids);
    const back = store.loadNow(DATE);
    expect(back).not.toBe(ids);
    expect(back).toEqual(ids);
  });

  it("keeps the ids a read-only store was given (the CLI next to a running bot): its file holds older ones", async () => {
    const writer = openStoryIdStore({ dir, logger });
    writer.save(DATE, idsOf("Alpha"));
    await writer.flush();
    const store = openStoryIdStore({ dir, logger, readOnly: true });
    const beta = idsOf("Beta");
    store.save(DATE, beta);
    store.forget(DATE, beta);
    expect(store.loadNow(DATE)).toBe(beta);
  });

  it("keeps ids whose write failed (DATA_DIR not writable) or is still under way", async () => {
    fs.writeFileSync(path.join(root, "not-a-dir"), "");
    const broken = openStoryIdStore({ dir: path.join(root, "not-a-dir", "story-ids"), logger });
    const alpha = idsOf("Alpha");
    broken.save(DATE, alpha);
    await broken.flush();
    broken.forget(DATE, alpha);
    expect(broken.loadNow(DATE)).toBe(alpha);

    // The rename that puts the file in place held back: the write is under way, the file not there yet.
    let release = (): void => undefined;
    const rename = fs.promises.rename.bind(fs.promises);
    const held = vi.spyOn(fs.promises, "rename").mockImplementation(async (from, to) => {
      await new Promise<void>((resolve) => (release = resolve));
      return rename(from, to);
    });
    const store = openStoryIdStore({ dir, logger });
    const beta = idsOf("Beta");
    store.save(DATE, beta);
    await vi.waitFor(() => expect(held).toHaveBeenCalled());
    store.forget(DATE, beta);
    expect(store.loadNow(DATE)).toBe(beta);
    release();
    await store.flush();
    expect(fs.existsSync(path.join(dir, `${DATE}.json`))).toBe(true);
  });
});
