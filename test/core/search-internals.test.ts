// The search module reads minisearch 7.2's private fields: the exact pin, and a clear error at start when they change.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { createIndex } from "../../src/core/search/index-options.js";
import { internalsOf, MINISEARCH_LAYOUT_VERSION, MiniSearchInternalsError } from "../../src/core/search/minisearch-internals.js";
import { StoryScorer } from "../../src/core/search/scorer.js";
import { createMemoryArchive, loadRelevanceDigests } from "./search-relevance-archive.js";

const message = (fields: string) =>
  `search: the installed minisearch does not have the 7.2.0 private fields the scorer and saved index read (${fields}); ` +
  "run `npm ci` to install the pinned minisearch 7.2.0, or, when upgrading on purpose, update src/core/search/minisearch-internals.ts and its callers to the new layout";

afterEach(() => {
  vi.doUnmock("minisearch");
  vi.resetModules();
});

describe("minisearch internals", () => {
  it("package.json pins minisearch to exactly the layout version, and that version is installed", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.minisearch).toBe(MINISEARCH_LAYOUT_VERSION);
    const installed = JSON.parse(readFileSync("node_modules/minisearch/package.json", "utf8")) as { version: string };
    expect(installed.version).toBe(MINISEARCH_LAYOUT_VERSION);
  });

  it("reads a real index, and names every field that is missing or of another shape", () => {
    const index = createIndex();
    expect(internalsOf(index)._index.get("anything")).toBeUndefined();

    const changed = createIndex() as unknown as Record<string, unknown>;
    changed._fieldLengths = changed._fieldLength; // as if a release renamed it
    delete changed._fieldLength;
    changed._index = new Map();
    const err = (() => {
      try {
        new StoryScorer(changed as unknown as ReturnType<typeof createIndex>);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(MiniSearchInternalsError);
    expect((err as Error).message).toBe(message("_index, _fieldLength"));
  });

  it("makes createStorySearch fail at start, before any query, when minisearch's layout changed", async () => {
    vi.resetModules();
    vi.doMock("minisearch", async () => {
      const real = (await vi.importActual<typeof import("minisearch")>("minisearch")).default;
      class Renamed<T> extends real<T> {
        constructor(options: ConstructorParameters<typeof real<T>>[0]) {
          super(options);
          const self = this as unknown as Record<string, unknown>;
          self.storedFields = self._storedFields;
          delete self._storedFields;
        }
      }
      return { default: Renamed };
    });
    const { createStorySearch } = await import("../../src/core/search.js");
    const archive = createMemoryArchive(loadRelevanceDigests());
    await expect(createStorySearch({ archive, logger: createLogger({ level: "silent" }) })).rejects.toThrow(message("_storedFields"));
  });
});
