// Wires the HTTP endpoint to the running bot: readiness checks, command/search timing, delivery metrics.
import { accessSync, constants } from "node:fs";
import type { App } from "../app.js";
import type { Config } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import { startHttpEndpoint, type HttpEndpoint } from "./http-server.js";
import type { BotMetrics } from "./metrics.js";

/**
 * Starts the endpoint on HTTP_HOST:HTTP_PORT with the checks every bot has (digests loaded, index ready, database
 * writable); adapters add theirs (`addReadiness`). Command and search timing wrap `app` (see {@link instrumentApp}).
 *
 * @example
 * const http = await startOperatorEndpoint({ config, logger, app, metrics });
 */
export async function startOperatorEndpoint(options: { config: Config; logger: Logger; app: App; metrics: BotMetrics }): Promise<HttpEndpoint> {
  const { config, app, metrics } = options;
  const endpoint = await startHttpEndpoint({ host: config.HTTP_HOST, port: config.HTTP_PORT ?? 0, metrics, logger: options.logger });
  let indexReady = false;
  void app.ready.then(() => (indexReady = true));
  metrics.setDigestsSource(() => app.archive.dates().length);
  endpoint.addReadiness({
    name: "digests",
    check: () => (app.archive.dates().length > 0 ? undefined : `no digest loaded from DIGEST_DIR=${config.DIGEST_DIR}`),
  });
  endpoint.addReadiness({ name: "search index", check: () => (indexReady ? undefined : "still building") });
  endpoint.addReadiness({
    name: "database",
    check: () => {
      if (app.storage.closed) return "closed";
      // SQLite: the file must stay writable (a read-only mount or chmod shows here); PostgreSQL answers for itself.
      if (app.storage.dialect === "sqlite") accessSync(app.storage.location, constants.W_OK);
      return undefined;
    },
  });
  return endpoint;
}

/** Command name of a chat line for metric labels: a known command, else "other" (labels stay few). */
function commandOf(app: App, text: string): string {
  const name = /^\s*\/([\w-]+)/.exec(text)?.[1]?.toLowerCase();
  return name && app.registry.get(name) ? name : "other";
}

/**
 * The app as adapters should see it: `run` and `runText` timed per command, search queries timed.
 *
 * @example
 * const timed = instrumentApp(app, metrics);
 * await startTelegram({ config, logger, app: timed });
 */
export function instrumentApp(app: App, metrics: BotMetrics): App {
  const search = app.search;
  const plainSearch = search.search.bind(search);
  // The one search object is shared by commands, autocomplete and inline mode: time it in place.
  (search as { search: typeof plainSearch }).search = (...args) => metrics.timeSearch(() => plainSearch(...args));
  // /search asks for a page (searchPage); the plain list serves /story, autocomplete and inline mode.
  const plainPage = search.searchPage.bind(search);
  (search as { searchPage: typeof plainPage }).searchPage = (...args) => metrics.timeSearch(() => plainPage(...args));
  return {
    ...app,
    run: (name, raw, invocation) => metrics.timeCommand(invocation.platform, app.registry.get(name) ? name : "other", () => app.run(name, raw, invocation)),
    runText: (text, invocation, botUsername) =>
      metrics.timeCommand(invocation.platform, commandOf(app, text), () => app.runText(text, invocation, botUsername)),
  };
}
