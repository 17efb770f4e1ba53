// A digest-bot process for the kill -9 revision test on Discord: the real app and adapter, watching DIGEST_DIR, settings from env.
import { createApp } from "../../src/app.js";
import { parseConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import { startDiscord } from "../../src/discord/discord-adapter.js";

const config = parseConfig(process.env);
const logger = createLogger({ level: "warn", pretty: false, destination: { write: (line: string) => void process.stderr.write(line) } });
const app = await createApp({ config, logger, watch: true });
await app.ready;
const discord = await startDiscord({ config, logger, app });
await app.start();
const target = process.env.CHILD_DELIVER_TO;
if (target) {
  const result = await app.delivery.deliver({ to: { platform: "discord", id: target }, kind: "manual" });
  process.stdout.write(`DELIVERED ${result.messagesSent}\n`);
}
process.stdout.write("READY\n");
process.on("SIGTERM", () => {
  void discord.stop().then(() => app.close()).then(() => process.exit(0));
});
