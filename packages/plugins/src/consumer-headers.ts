import type { AccessContext, Consumer } from "@tether/core";

/**
 * The upstream headers Kong's authentication plugins set when they authenticate a request
 * (`set_consumer` in Kong's auth plugins). Each one is either set or removed, so a value a client
 * sent itself (`X-Consumer-ID: admin`) never reaches the upstream.
 */
export const CONSUMER_HEADERS = {
  id: "X-Consumer-ID",
  customId: "X-Consumer-Custom-ID",
  username: "X-Consumer-Username",
  credential: "X-Credential-Identifier",
  anonymous: "X-Anonymous-Consumer",
} as const;

export interface ConsumerIdentity {
  consumer: Consumer | undefined;
  /** The credential's identifier (X-Credential-Identifier), when the plugin has one. */
  credential: string | undefined;
  /** The request proceeds as the `anonymous` consumer after a failed authentication. */
  anonymous: boolean;
}

/** name → value to set, or null to remove; pure, so every plugin maps identities the same way. */
export function consumerHeaders(identity: ConsumerIdentity): [string, string | null][] {
  const { consumer, credential, anonymous } = identity;
  return [
    [CONSUMER_HEADERS.id, consumer?.id ?? null],
    [CONSUMER_HEADERS.customId, consumer?.custom_id ?? null],
    [CONSUMER_HEADERS.username, consumer?.username ?? null],
    [CONSUMER_HEADERS.credential, credential ?? null],
    [CONSUMER_HEADERS.anonymous, anonymous ? "true" : null],
  ];
}

/** Records the identity on the request (`kong.client.authenticate`) and sets the headers. */
export function authenticateAs(ctx: AccessContext, identity: ConsumerIdentity): void {
  ctx.authenticated = { consumer: identity.consumer, credential: identity.credential, anonymous: identity.anonymous };
  for (const [name, value] of consumerHeaders(identity)) {
    if (value === null) ctx.removeUpstreamHeader(name);
    else ctx.setUpstreamHeader(name, value);
  }
}

/**
 * Kong's lookup of the `anonymous` setting (3.1+): a consumer id, else a username.
 * Undefined when neither exists, which the plugins answer with a 500.
 */
export function anonymousConsumer(
  view: { consumer(by: "id" | "username", value: string): Consumer | undefined },
  anonymous: string,
): Consumer | undefined {
  return view.consumer("id", anonymous) ?? view.consumer("username", anonymous);
}

/**
 * Kong's "logical OR" of authentication plugins: with `anonymous` set, a plugin steps aside when
 * an earlier one already authenticated the request (a fallback to anonymous does not count).
 */
export function alreadyAuthenticated(ctx: AccessContext): boolean {
  return ctx.authenticated !== undefined && !ctx.authenticated.anonymous;
}
