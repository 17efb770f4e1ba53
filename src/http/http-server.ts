// The operator HTTP endpoint (node:http): /healthz, /readyz, /metrics, and extra routes such as the Telegram webhook.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../core/logger.js";
import type { BotMetrics } from "./metrics.js";

/** Largest request body read (a Telegram update is far smaller). */
export const HTTP_MAX_BODY_BYTES = 1024 * 1024;

/** How long a stop lets requests in progress finish before their connections are closed. */
export const HTTP_CLOSE_GRACE_MS = 500;
/**
 * How long a stop keeps listening, answering every request `503` with `Connection: close`, before it stops
 * accepting: a connection a load balancer opened just before the stop then gets an answer it can retry elsewhere,
 * instead of a reset (closing the listener drops connections whose request has not been read yet).
 */
export const HTTP_DRAIN_MS = 250;

/** One readiness condition: undefined when met, else the reason it is not. */
export type ReadinessCheck = { name: string; check: () => string | undefined };

/** A POST route on the same server (the Telegram webhook). Resolves with the status and optional JSON body. */
export type PostRoute = (req: IncomingMessage, body: Buffer) => Promise<{ status: number; body?: unknown }>;

export interface HttpEndpoint {
  readonly server: Server;
  /** `http://host:port`, as bound (port 0 → the chosen one). */
  readonly url: string;
  addReadiness(check: ReadinessCheck): void;
  addPostRoute(path: string, route: PostRoute): void;
  /** Stops accepting connections and closes idle ones. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > HTTP_MAX_BODY_BYTES) {
        // Not req.destroy(): that resets the connection and the client never sees the 413. The rest is read and
        // dropped (nothing kept) while the 413 goes out, and the connection is closed after it.
        tooLarge = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8") {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

/**
 * Starts the endpoint on `host:port`. Readiness checks and POST routes are added by whoever owns them.
 *
 * @example
 * const http = await startHttpEndpoint({ host: "127.0.0.1", port: 8080, metrics, logger });
 * http.addReadiness({ name: "digests", check: () => (archive.dates().length ? undefined : "no digest loaded") });
 */
export async function startHttpEndpoint(options: { host: string; port: number; metrics: BotMetrics; logger: Logger }): Promise<HttpEndpoint> {
  const { metrics } = options;
  const logger = options.logger.child({ module: "http" });
  const checks: ReadinessCheck[] = [];
  const routes = new Map<string, PostRoute>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      logger.error({ err, path: req.url }, "http: request failed");
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  });

  let draining = false;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (draining) {
      res.setHeader("connection", "close");
      res.setHeader("retry-after", "1");
      return send(res, 503, "stopping; retry on another instance\n");
    }
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = routes.get(path);
    if (route) {
      if (req.method !== "POST") return send(res, 405, "use POST\n");
      const body = await readBody(req);
      if (!body) {
        res.setHeader("connection", "close");
        return send(res, 413, `request body too large (over ${HTTP_MAX_BODY_BYTES} bytes)\n`);
      }
      const result = await route(req, body);
      if (result.body === undefined) {
        res.writeHead(result.status);
        res.end();
        return;
      }
      return send(res, result.status, JSON.stringify(result.body), "application/json");
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "use GET\n");
    if (path === "/healthz") return send(res, 200, "ok\n");
    if (path === "/readyz") {
      const problems: string[] = [];
      for (const c of checks) {
        let reason: string | undefined;
        try {
          reason = c.check();
        } catch (err) {
          reason = (err as Error)?.message ?? String(err);
        }
        if (reason) problems.push(`${c.name}: ${reason}`);
      }
      return problems.length === 0 ? send(res, 200, "ready\n") : send(res, 503, `not ready\n${problems.join("\n")}\n`);
    }
    if (path === "/metrics") return send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
    return send(res, 404, "not found; try /healthz, /readyz or /metrics\n");
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new HttpStartError(
      `HTTP_PORT=${options.port} cannot be used on HTTP_HOST=${options.host}: ${code}; ${code === "EADDRINUSE" ? "pick a free port or stop what listens there" : "check HTTP_HOST and HTTP_PORT"}`,
    );
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url }, "http endpoint listening (/healthz, /readyz, /metrics)");
  return {
    server,
    url,
    addReadiness: (check) => void checks.push(check),
    addPostRoute: (path, route) => void routes.set(path, route),
    close: async () => {
      draining = true;
      await new Promise((r) => setTimeout(r, HTTP_DRAIN_MS));
      await new Promise<void>((resolve) => {
        // A connection mid-request (a half-sent request, a slow scrape) would hold server.close() until the client
        // gives up (headersTimeout is 60 s) and the stop past its 3 s: after a short grace such connections are cut.
        const force = setTimeout(() => server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

/** The endpoint could not listen; the message names the settings. */
export class HttpStartError extends Error {
  override name = "HttpStartError";
}
