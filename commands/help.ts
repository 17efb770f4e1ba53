// /help: every command with its usage and description, from the same definitions that feed registration.
import { defineCommand } from "../src/core/command.js";
import { usageOf } from "../src/core/command-registry.js";

export default defineCommand({
  name: "help",
  description: { zh: "查看所有命令和用法", en: "List every command and how to use it" },
  options: [],
  execute(ctx) {
    const commands = ctx.services.commands().map((def) => ({
      name: def.name,
      description: def.description[ctx.locale],
      usage: usageOf(def),
      adminOnly: def.adminOnly === true,
    }));
    return { type: "help", commands };
  },
});
