// A throwaway PostgreSQL server for the tests: Debian's binaries, initdb into a temp dir, started on a free 127.0.0.1 port.
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export interface PostgresServer {
  /** Superuser URL of the `postgres` database (trust auth on loopback only). */
  url: string;
  port: number;
  dataDir: string;
  stop(): void;
}

/** The newest Debian install (`/usr/lib/postgresql/<major>/bin`; DIGEST_BOT_TEST_POSTGRES_ROOT overrides the root), or undefined. */
export function findPostgresBin(): string | undefined {
  const root = process.env.DIGEST_BOT_TEST_POSTGRES_ROOT ?? "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")) && existsSync(join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] && join(root, majors[0], "bin");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server; PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (runuser).
 *
 * @example
 * const pg = await startPostgres();
 * // … postgres://postgres@127.0.0.1:<port>/postgres …
 * pg.stop();
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin; install them with: apt-get install -y postgresql");
  }
  const asRoot = process.getuid?.() === 0;
  const dataDir = mkdtempSync(join(tmpdir(), "digest-bot-pg-"));
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot ? "runuser" : join(bin, tool);
    const argv = asRoot ? ["-u", "postgres", "--", join(bin, tool), ...args] : args;
    return execFileSync(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 }).toString();
  };
  if (asRoot) {
    const id = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dataDir, id, gid);
  }
  const cluster = join(dataDir, "cluster");
  const user = asRoot ? "postgres" : userInfo().username;
  try {
    run("initdb", ["-D", cluster, "-U", user, "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"]);
    const port = await freePort();
    // Loopback only, socket in our own dir; fsync off: a test server need not survive a power cut.
    const options = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    run("pg_ctl", ["start", "-D", cluster, "-w", "-t", "60", "-l", join(dataDir, "server.log"), "-o", options]);
    return {
      url: `postgres://${user}@127.0.0.1:${port}/postgres`,
      port,
      dataDir,
      stop() {
        try {
          run("pg_ctl", ["stop", "-D", cluster, "-m", "immediate", "-w", "-t", "30"]);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`could not start the test PostgreSQL server: ${e.stderr?.toString().trim() || e.message}`, { cause: err });
  }
}
