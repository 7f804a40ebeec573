/**
 * `POST /routes/{route}/explain` (Tether's own, not Kong's): "why was this client refused?". The
 * route's plugin chain, as the proxy runs it, decides on the request the body describes; the
 * answer says what it decided and why. The token is in the request body only: never stored, never
 * logged, never echoed (the answer shows its decoded header and claims, not the token).
 */
import type { Router } from "@koa/router";
import { schemaViolation, validateRecord, type RecordSchema, type Route } from "@tether/core";
import type { StoreSession } from "@tether/store";
import { mustFind } from "../entities/lookup.ts";
import { decodeBody, readRawBody } from "../http/body.ts";

/** The request an operator asks about: the token, and what describes the request (requestSchema). */
export type ExplainRequest = { token: string } & { [field in "certificate" | "dpop" | "method" | "path" | "host"]?: string };

/** An explanation (whether the request would pass, and why), or the input field that could not be used. */
export type ExplainAnswer = { invalid: { field: string; message: string } } | { passes: boolean };

/** Runs the route's plugins dry (the proxy's explainer, given by the node). */
export type RouteExplainer = (route: Route, input: ExplainRequest) => Promise<ExplainAnswer>;

const text = (description: string) => ({ type: "string" as const, minLength: 1, description });

const requestSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["token"],
  properties: {
    token: text("The access token the client sent (without its `Bearer `/`DPoP ` prefix)."),
    certificate: text("The client certificate, PEM (its chain may follow)."),
    dpop: text("A DPoP proof (RFC 9449): sent as the `DPoP` header with `Authorization: DPoP`."),
    method: { type: "string", pattern: "^[A-Za-z]+$", message: "invalid method", description: "Defaults to the route's first method, else GET." },
    path: { type: "string", pattern: "^/", message: "should start with: /", description: "Defaults to the route's first plain path, else /." },
    host: text("Defaults to the route's first host."),
  },
};

export function mountExplain(router: Router, store: StoreSession, explain: RouteExplainer): void {
  router.post("/routes/:routes/explain", async (ctx) => {
    const body = await decodeBody(await readRawBody(ctx.req));
    const input = body.kind === "none" ? {} : body.value;
    const errors = validateRecord(requestSchema, input);
    if (errors) throw schemaViolation(errors);
    const route = await mustFind(store, "routes", ctx.params["routes"]!);
    const answer = await explain(route, input as ExplainRequest);
    if ("invalid" in answer) throw schemaViolation({ [answer.invalid.field]: answer.invalid.message });
    // The answer describes a credential: no cache may keep it.
    ctx.set("Cache-Control", "no-store");
    ctx.body = answer;
  });
}
