// Writes a file from strings and byte views through one reused buffer, so saving the index allocates no memory per piece.
import type { FileHandle } from "node:fs/promises";

/** Bytes encoded per write (one write per event-loop turn, at most). */
const SCRATCH_BYTES = 2 * 1024 * 1024;
/**
 * Buffers of finished writes, reused by the next. A `Buffer.from` per piece of JSON (~1 MiB each, tens per save)
 * was native memory that V8 frees only at its next full collection; the allocator kept the high-water mark as RSS.
 */
const spare: Buffer[] = [];

/** A sequential writer of one file: `text` (UTF-8) and `bytes`, then `flush` and `release`. Not for overlapping calls. */
export class IndexFileWriter {
  private readonly scratch: Buffer;
  private fill = 0;
  private written = 0;

  constructor(private readonly handle: FileHandle) {
    this.scratch = spare.pop() ?? Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  }

  /** Bytes put so far (written or waiting in the buffer). */
  get position(): number {
    return this.written + this.fill;
  }

  /** Appends `text` as UTF-8, a few MiB per write. */
  async text(text: string): Promise<void> {
    const scratch = this.scratch;
    for (let i = 0; i < text.length; ) {
      // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair: 4 bytes for two units).
      let end = Math.min(text.length, i + Math.floor((scratch.length - this.fill) / 3));
      // A pair is never split: both halves go in the same write (a lone half would become U+FFFD).
      if (end < text.length && end > i && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      if (end <= i) {
        await this.flush();
        continue;
      }
      this.fill += scratch.write(end - i === text.length ? text : text.slice(i, end), this.fill, "utf8");
      i = end;
    }
  }

  /** Appends `bytes`: copied into the buffer when small, written as they are when large (no copy). */
  async bytes(bytes: Uint8Array): Promise<void> {
    if (bytes.length <= this.scratch.length - this.fill) {
      this.scratch.set(bytes, this.fill);
      this.fill += bytes.length;
      return;
    }
    await this.flush();
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, this.written);
      done += bytesWritten;
      this.written += bytesWritten;
    }
  }

  /** Overwrites 4 bytes at `at` (already written or buffered) with `value`, little-endian. */
  async patchUInt32(at: number, value: number): Promise<void> {
    if (at >= this.written) {
      this.scratch.writeUInt32LE(value, at - this.written);
      return;
    }
    const word = Buffer.alloc(4);
    word.writeUInt32LE(value);
    await this.handle.write(word, 0, 4, at);
  }

  /** Writes what is buffered. */
  async flush(): Promise<void> {
    let done = 0;
    while (done < this.fill) {
      const { bytesWritten } = await this.handle.write(this.scratch, done, this.fill - done, this.written);
      done += bytesWritten;
      this.written += bytesWritten;
    }
    this.fill = 0;
  }

  /** Gives the buffer back for the next writer (once, when done, whether or not the writes succeeded). */
  release(): void {
    this.fill = 0;
    spare.push(this.scratch);
  }
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
