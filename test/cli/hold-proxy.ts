// A loopback proxy in front of a fake platform that, once told, lets sends reach the platform but holds their answers: a crash then leaves them in flight after the platform took them.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HoldProxy {
  /** Origin to use instead of the fake's (`…/api` appended for Discord). */
  origin: string;
  /** After `pass` more matching requests went through, hold the answer of every further one until {@link release}. */
  holdAfter(pass: number): void;
  /** Answers every held request whose client is still connected, and stops holding. */
  release(): void;
  /** Matching requests whose answer is held now. */
  readonly held: number;
  close(): Promise<void>;
}

/**
 * Starts the proxy. Every request goes on to `upstream` at once (so the platform posts the message); for a request
 * whose path matches `sends` the answer is held while holding is on.
 *
 * @example
 * const proxy = await startHoldProxy(api.apiRoot, /\/sendMessage$/);
 * proxy.holdAfter(20); // … kill -9 an instance …
 * proxy.release();
 */
export async function startHoldProxy(upstream: string, sends: RegExp): Promise<HoldProxy> {
  const target = new URL(upstream);
  const held: (() => void)[] = [];
  const state = { holding: false, pass: 0 };
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    const out = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          const reply = () => {
            if (res.destroyed || res.writableEnded) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(chunks));
          };
          const matches = req.method === "POST" && sends.test(new URL(req.url ?? "/", "http://x").pathname);
          if (matches && state.holding) {
            if (state.pass > 0) state.pass--;
            else return void held.push(reply);
          }
          reply();
        });
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holdAfter(pass) {
      state.holding = true;
      state.pass = pass;
    },
    release() {
      state.holding = false;
      for (const reply of held.splice(0)) reply();
    },
    get held() {
      return held.length;
    },
    async close() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
