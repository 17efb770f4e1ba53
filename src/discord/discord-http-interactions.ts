// Serves Discord interactions over HTTP (/discord/interactions): verifies, then runs the gateway's handler, answering in the reply.
import type { IncomingMessage } from "node:http";
import { ClientApplication, Events, Routes, type Client, type Interaction } from "discord.js";
import type { Logger } from "../core/logger.js";
import { discordPublicKey, signatureProblem } from "./discord-signature.js";

/** Where the endpoint is served on HTTP_PORT; the Developer Portal's Interactions Endpoint URL ends with it. */
export const DISCORD_INTERACTIONS_PATH = "/discord/interactions";

/** Discord gives up on an HTTP interaction after 3 s; the handler defers at 1.5 s, so this only ends a hung one. */
export const DISCORD_HTTP_ANSWER_TIMEOUT_MS = 3000;

/** Interaction type PING (Discord's endpoint check) and the PONG response type. */
const PING = 1;
const PONG = 1;

/** Whoever hosts the route: the operator HTTP endpoint. */
export interface InteractionsHost {
  addPostRoute(path: string, route: (req: IncomingMessage, body: Buffer) => Promise<{ status: number; body?: unknown }>): void;
}

export interface HttpInteractionsOptions {
  client: Client;
  /** `DISCORD_PUBLIC_KEY`, 64 hex characters. */
  publicKey: string;
  /** The gateway's handler (`createInteractionHandler`) wrapped by the adapter; undefined while stopping. */
  run: (interaction: Interaction) => Promise<void> | undefined;
  logger: Logger;
}

/**
 * Adds `POST /discord/interactions` to `host`. Every request's Ed25519 signature and timestamp are checked first
 * (401 and nothing else otherwise); PING gets PONG; anything else is built into the same discord.js interaction
 * the gateway would deliver and handed to `run`, whose first response (reply, defer, update, autocomplete choices)
 * becomes the HTTP reply. Later steps (edit, follow-up, delete) go out over REST as on the gateway.
 *
 * @example
 * serveHttpInteractions(http, { client, publicKey: config.DISCORD_PUBLIC_KEY, run: (i) => handle(i), logger });
 */
export function serveHttpInteractions(host: InteractionsHost, options: HttpInteractionsOptions): void {
  const { client, run, logger } = options;
  const key = discordPublicKey(options.publicKey);
  const answerInReply = answerCallbacksInReply(client);

  host.addPostRoute(DISCORD_INTERACTIONS_PATH, async (req, body) => {
    const problem = signatureProblem(key, req.headers["x-signature-ed25519"], req.headers["x-signature-timestamp"], body);
    if (problem) {
      logger.warn({ problem }, "discord http interaction refused");
      return { status: 401, body: { error: "invalid request signature" } };
    }
    let data: { id?: unknown; type?: unknown };
    try {
      data = JSON.parse(body.toString("utf8")) as { id?: unknown; type?: unknown };
    } catch {
      return { status: 400, body: { error: "body is not JSON" } };
    }
    if (data.type === PING) return { status: 200, body: { type: PONG } };
    const interaction = typeof data.id === "string" ? buildInteraction(client, data) : undefined;
    if (!interaction) {
      logger.debug({ type: data.type }, "discord http interaction of a kind the bot does not handle");
      return { status: 400, body: { error: "unsupported interaction" } };
    }
    const answered = answerInReply.expect(interaction.id);
    const job = run(interaction);
    if (!job) {
      answerInReply.forget(interaction.id);
      return { status: 503, body: { error: "stopping" } };
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), DISCORD_HTTP_ANSWER_TIMEOUT_MS)));
    const first = await Promise.race([answered, job.then(() => undefined), timedOut]).finally(() => clearTimeout(timer));
    if (first === null && answerInReply.forget(interaction.id)) {
      logger.warn({ interaction: interaction.id }, "discord http interaction not answered within 3 s");
      return { status: 500, body: { error: "interaction not answered in time" } };
    }
    if (first === null) return { status: 200, body: await answered };
    if (first !== undefined) return { status: 200, body: first };
    // The handler ended; it may have answered in the same tick, else it logged why it could not.
    if (!answerInReply.forget(interaction.id)) return { status: 200, body: await answered };
    return { status: 500, body: { error: "interaction not answered" } };
  });
}

/**
 * discord.js sends an interaction's first response to `POST /interactions/:id/:token/callback`. Over HTTP it must be
 * the reply to Discord's request instead, so calls to that route for an interaction we are answering resolve the
 * waiting request (discord.js reads nothing back unless `withResponse`, which the handler never asks for).
 */
function answerCallbacksInReply(client: Client) {
  const waiting = new Map<string, (body: unknown) => void>();
  const rest = client.rest;
  const post = rest.post.bind(rest);
  rest.post = (async (route: string, request?: { body?: unknown }) => {
    const id = /^\/interactions\/(\d+)\/[^/]+\/callback$/.exec(route)?.[1];
    const resolve = id ? waiting.get(id) : undefined;
    if (id && resolve) {
      waiting.delete(id);
      resolve(request?.body);
      return undefined;
    }
    return post(route as Parameters<typeof post>[0], request as Parameters<typeof post>[1]);
  }) as typeof rest.post;
  return {
    expect: (id: string) => new Promise<unknown>((resolve) => waiting.set(id, resolve)),
    /** True when it was still waiting (never answered). */
    forget: (id: string) => waiting.delete(id),
  };
}

/** The discord.js interaction the gateway would have emitted for this payload (same classes, same option parsing). */
function buildInteraction(client: Client, data: unknown): Interaction | undefined {
  let built: Interaction | undefined;
  const capture = (interaction: Interaction) => void (built = interaction);
  client.on(Events.InteractionCreate, capture);
  try {
    (client as unknown as { actions: { InteractionCreate: { handle(d: unknown): void } } }).actions.InteractionCreate.handle(data);
  } finally {
    client.off(Events.InteractionCreate, capture);
  }
  return built;
}

/**
 * HTTP mode logs in to REST only: the token is checked and the application (id, owner, command manager) fetched
 * with `GET /applications/@me`, so command registration and owner lookup work as after a gateway READY.
 *
 * @example
 * const application = await connectRestOnly(client, token);
 * await application.commands.set(commandData);
 */
export async function connectRestOnly(client: Client, token: string): Promise<ClientApplication> {
  client.rest.setToken(token);
  const data = await client.rest.get(Routes.currentApplication());
  const Application = ClientApplication as unknown as new (c: Client, d: unknown) => ClientApplication;
  const application = new Application(client, data);
  (client as { application: ClientApplication | null }).application = application;
  return application;
}
