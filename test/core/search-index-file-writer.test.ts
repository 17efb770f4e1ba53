// The saved index's file writer: what it writes is byte for byte the UTF-8 and bytes it was given, whatever the sizes.
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IndexFileWriter } from "../../src/core/search/index-file-writer.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "index-writer-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeWith(body: (w: IndexFileWriter) => Promise<void>): Promise<Buffer> {
  const file = join(dir, "out.bin");
  const handle = await open(file, "w");
  const w = new IndexFileWriter(handle);
  try {
    await body(w);
    await w.flush();
  } finally {
    w.release();
    await handle.close();
  }
  return readFile(file);
}

describe("IndexFileWriter", () => {
  it("writes texts longer than its buffer as their UTF-8, never splitting a surrogate pair", async () => {
    // 1, 2, 3 and 4 (pairs) bytes per character, in a rhythm that puts every kind at the buffer's cuts.
    const unit = "a模é😀型bc🚀";
    const text = unit.repeat(700_000);
    // Texts starting at each character of the unit (never inside a pair), so the cuts fall everywhere.
    const starts = [0, 1, 2, 3, 5, 6, 7];
    const out = await writeWith(async (w) => {
      for (const i of starts) await w.text(text.slice(i));
    });
    const want = Buffer.concat(starts.map((i) => Buffer.from(text.slice(i), "utf8")));
    expect(out.length).toBe(want.length);
    expect(out.equals(want)).toBe(true);
    expect(out.includes(Buffer.from("\uFFFD"))).toBe(false);
  });

  it("keeps texts and bytes in order, small and large, and fills in lengths written before or still buffered", async () => {
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => i % 251);
    const out = await writeWith(async (w) => {
      await w.text("HEAD");
      const early = w.position;
      await w.bytes(new Uint8Array(4));
      await w.bytes(big);
      await w.text("汉字");
      const late = w.position;
      await w.bytes(new Uint8Array(4));
      await w.bytes(Uint8Array.of(7, 8, 9));
      await w.patchUInt32(early, 0x01020304);
      await w.patchUInt32(late, 0x0a0b0c0d);
    });
    const length = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      return b;
    };
    const want = Buffer.concat([Buffer.from("HEAD"), length(0x01020304), big, Buffer.from("汉字"), length(0x0a0b0c0d), Buffer.of(7, 8, 9)]);
    expect(out.equals(want)).toBe(true);
  });
});
