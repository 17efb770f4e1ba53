// The HTTP endpoint's own request handling: an over-large POST body, methods, unknown paths.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { HTTP_MAX_BODY_BYTES, startHttpEndpoint, type HttpEndpoint } from "../../src/http/http-server.js";
import { createBotMetrics } from "../../src/http/metrics.js";
import { settled } from "../load-slack.js";

let endpoint: HttpEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

async function start(): Promise<{ http: HttpEndpoint; handled: number[] }> {
  const http = await startHttpEndpoint({ host: "127.0.0.1", port: 0, metrics: createBotMetrics(), logger: createLogger({ level: "silent" }) });
  endpoint = http;
  const handled: number[] = [];
  http.addPostRoute("/hooks/telegram", async (_req, body) => {
    handled.push(body.length);
    return { status: 200, body: { ok: true } };
  });
  return { http, handled };
}

describe("HTTP endpoint requests", () => {
  it("answers 413 to a POST body over the limit (not a reset connection) and does not pass it to the route", async () => {
    const { http, handled } = await start();
    const res = await fetch(`${http.url}/hooks/telegram`, { method: "POST", body: "x".repeat(HTTP_MAX_BODY_BYTES + 1) });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(`request body too large (over ${HTTP_MAX_BODY_BYTES} bytes)\n`);
    expect(handled).toEqual([]);
    // The server still serves the next request.
    const ok = await fetch(`${http.url}/hooks/telegram`, { method: "POST", body: "{}" });
    expect(ok.status).toBe(200);
    expect(handled).toEqual([2]);
  });

  it("answers HEAD like GET without a body, 405 to POST on a GET route, 404 naming the routes", async () => {
    const { http } = await start();
    const head = await fetch(`${http.url}/healthz`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
    const post = await fetch(`${http.url}/metrics`, { method: "POST" });
    expect([post.status, await post.text()]).toEqual([405, "use GET\n"]);
    const missing = await fetch(`${http.url}/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, "not found; try /healthz, /readyz or /metrics\n"]);
  });

  it("answers 503 with Connection: close while it drains at a stop, so a balancer retries elsewhere instead of seeing a reset", async () => {
    const { http } = await start();
    const closing = http.close();
    const during = await fetch(`${http.url}/healthz`);
    expect([during.status, during.headers.get("connection"), during.headers.get("retry-after"), await during.text()]).toEqual([
      503,
      "close",
      "1",
      "stopping; retry on another instance\n",
    ]);
    await closing;
    endpoint = undefined;
    await expect(fetch(`${http.url}/healthz`)).rejects.toThrow();
  });

  it("closes while a client holds a half-sent request open, cutting its connection instead of waiting for the rest", async () => {
    const { http } = await start();
    const { port } = new URL(http.url);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const closedBySocket = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    // The client never sends the rest: only a close that cuts the connection ends (Node would wait a minute for the headers).
    await settled("the close while a request is half-sent", Promise.all([http.close(), closedBySocket]));
    endpoint = undefined;
    socket.destroy();
  });
});
