// A loopback load balancer for the multi-instance tests: forwards each request to a live instance, retrying another on connection refused or 503.
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoadBalancer {
  url: string;
  /** Instance ports in rotation; the test adds a new instance's and removes a stopped one's. */
  ports: Set<number>;
  /** Requests answered by an instance / given up after trying every instance for `giveUpMs`. */
  readonly forwarded: number;
  readonly failed: number;
  /** Tries that met a refused connection or a 503 and went on to another instance. */
  readonly retried: number;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

function forward(port: number, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A new connection per request (no pooled socket that a stopping instance closed under us).
    const out = request({ host: "127.0.0.1", port, agent: false, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${port}`, connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    // Failed before any answer (refused, or reset by an instance closing its listener): nothing was handled there.
    out.on("error", (err: NodeJS.ErrnoException) => reject(Object.assign(err, { beforeAnswer: true })));
    out.end(body);
  });
}

/**
 * Starts the balancer on an ephemeral port. Round robin; a refused connection, a connection reset before any
 * answer or a 503 (an instance starting or stopping) moves on to the next instance, as Telegram's re-delivery and a
 * real balancer's retries would; any other failure (a connection reset mid-answer) is given up at once, so the test
 * sees it.
 *
 * @example
 * const lb = await startLoadBalancer([portA, portB]);
 * await fetch(`${lb.url}/hooks/telegram`, { method: "POST", body });
 */
export async function startLoadBalancer(initial: number[], giveUpMs = 30_000): Promise<LoadBalancer> {
  const ports = new Set(initial);
  const stats = { forwarded: 0, failed: 0, retried: 0 };
  let turn = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const deadline = Date.now() + giveUpMs;
      while (Date.now() < deadline) {
        const list = [...ports];
        const port = list[turn++ % Math.max(list.length, 1)];
        if (port === undefined) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        try {
          const answer = await forward(port, req, body);
          if (answer.status === 503) {
            stats.retried++;
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          stats.forwarded++;
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
          return;
        } catch (err) {
          // Like HAProxy's `retry-on conn-failure empty-response`: no answer came, so the instance handled nothing
          // (a Discord interaction is answered in the response; a Telegram update id is claimed in the database).
          if ((err as NodeJS.ErrnoException).code === "ECONNREFUSED" || (err as { beforeAnswer?: boolean }).beforeAnswer === true) {
            stats.retried++;
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          break;
        }
      }
      stats.failed++;
      res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ports,
    get forwarded() {
      return stats.forwarded;
    },
    get failed() {
      return stats.failed;
    },
    get retried() {
      return stats.retried;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
