// Failed writes to DATA_DIR (a full disk, a read-only mount): one error naming DATA_DIR and the fix while they fail, one line once a write works again.
import type { Logger } from "./logger.js";

/** What the writers of DATA_DIR (story ids, parse cache, search index) tell about their writes. */
export interface DataDirWrites {
  /** A write of `file` failed; logged as an error once while writes keep failing the same way, else at debug. */
  failed(file: string, err: unknown): void;
  /** A write succeeded: after failures, says once that DATA_DIR can be written again. */
  succeeded(): void;
}

/** How long a writer waits before it tries again what a failed write could not save. */
export const DATA_DIR_RETRY_MS = 3000;

const SAVED = "story ids, the parse cache and the search index are not saved";

/** The error line for `code`: what is wrong with DATA_DIR, and what to do. */
export function describeWriteFailure(dataDir: string, code: string | undefined): string {
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
      return `DATA_DIR=${dataDir} is full (${code}): ${SAVED}; free space on its disk — the bot keeps answering and saves them once there is room`;
    case "EROFS":
      return `DATA_DIR=${dataDir} is on a read-only file system (EROFS): ${SAVED}; remount it read-write — the bot keeps answering and saves them once it can write`;
    case "EACCES":
    case "EPERM":
      return `DATA_DIR=${dataDir} cannot be written (${code}): ${SAVED}; give the bot's user write access to it — the bot keeps answering and saves them once it can write`;
    default:
      return `DATA_DIR=${dataDir} cannot be written (${code ?? "error"}): ${SAVED}; check its disk — the bot keeps answering and saves them once it can write`;
  }
}

/**
 * One reporter for every writer of DATA_DIR, so a full disk is one error line, not one warning per digest saved
 * (each edit writes a parse, an id file and the index), and the operator is told when it is over.
 *
 * @example
 * const writes = createDataDirWrites(config.DATA_DIR, logger);
 * const ids = openStoryIdStore({ dir, logger, writes });
 */
export function createDataDirWrites(dataDir: string, logger: Logger): DataDirWrites {
  let failing: string | undefined;
  return {
    failed(file, err) {
      const code = (err as NodeJS.ErrnoException)?.code;
      const message = describeWriteFailure(dataDir, code);
      if (message === failing) {
        logger.debug({ file, err }, message);
        return;
      }
      failing = message;
      logger.error({ file, code }, message);
    },
    succeeded() {
      if (failing === undefined) return;
      failing = undefined;
      logger.info({ dataDir }, `DATA_DIR=${dataDir} can be written again`);
    },
  };
}
