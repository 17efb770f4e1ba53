// Start-up failures the operator fixes in the settings: printed as one line (no stack), exit 1.
import { ConfigError } from "../core/config.js";
import { StoragePathError } from "../core/storage-paths.js";

/** Error class names of the adapters' start failures (matched by name so this module loads neither client library). */
const ADAPTER_START_ERRORS = new Set(["DiscordStartError", "TelegramStartError", "HttpStartError"]);

/** True for an error whose message alone says what is wrong and how to fix it. */
export function isStartupError(err: unknown): err is Error {
  return err instanceof ConfigError || err instanceof StoragePathError || (err instanceof Error && ADAPTER_START_ERRORS.has(err.name));
}

/** The message to print for a start-up error. */
export function startupErrorMessage(err: Error): string {
  return err.message;
}
