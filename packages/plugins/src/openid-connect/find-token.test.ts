import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AccessContext } from "@tether/core";
import { bodyAccessTokens, bodyKind, bodyWithoutToken, findBearerToken, searchBearerToken, type BearerParamType } from "./find-token.ts";
import { cookieHeaderWithout, upstreamTokenHeader } from "./handler.ts";
import { failureResponse } from "./challenge.ts";
import type { OpenIdConnectConfig } from "./schema.ts";

function ctx(rawHeaders: string[], query = "", body?: string): AccessContext & { reads: number } {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] ??= rawHeaders[i + 1]!;
  const c = {
    reads: 0,
    method: "POST", scheme: "https" as const, path: "/", query: new URLSearchParams(query), headers, rawHeaders,
    serverName: undefined, clientCertificate: () => undefined, setUpstreamHeader() {}, removeUpstreamHeader() {},
    removeUpstreamQueryArg() {}, setUpstreamBody() {}, setResponseHeader() {}, authenticated: undefined, authOutcome: undefined,
    async readBody() {
      c.reads += 1;
      return body === undefined ? undefined : Buffer.from(body);
    },
  };
  return c;
}
const all: readonly BearerParamType[] = ["header", "query", "body", "cookie"];
const at = (locations: readonly BearerParamType[], cookieName: string | null = null, headerName: string | null = null) => ({ locations, cookieName, headerName });

describe("findBearerToken", () => {
  it("reads Authorization: Bearer, scheme case-insensitive", () => {
    assert.deepEqual(findBearerToken(ctx(["Authorization", "bEaReR abc.def.ghi"]), at(all)), { kind: "found", token: "abc.def.ghi", location: "header", header: "authorization" });
  });
  it("ignores other schemes and falls back to the access-token headers", () => {
    assert.deepEqual(findBearerToken(ctx(["Authorization", "Basic Zm9v"]), at(all)), { kind: "none" });
    assert.equal((findBearerToken(ctx(["X-Access-Token", "t1"]), at(all)) as { token: string }).token, "t1");
  });
  it("refuses two Authorization headers, and two query tokens", () => {
    assert.deepEqual(findBearerToken(ctx(["Authorization", "Bearer a", "authorization", "Bearer b"]), at(all)), { kind: "ambiguous" });
    assert.deepEqual(findBearerToken(ctx([], "access_token=a&access_token=b"), at(all)), { kind: "ambiguous" });
  });
  it("reads the query and the named cookie only when configured", () => {
    assert.equal((findBearerToken(ctx([], "access_token=q"), at(all)) as { token: string }).token, "q");
    assert.deepEqual(findBearerToken(ctx([], "access_token=q"), at(["header"])), { kind: "none" });
    assert.equal((findBearerToken(ctx(["Cookie", "a=1; at=c0; b=2"]), at(all, "at")) as { token: string }).token, "c0");
    assert.deepEqual(findBearerToken(ctx(["Cookie", "at=c0"]), at(["header", "query"], "at")), { kind: "none" });
  });
  it("bearer_token_header_name: only that header, with or without the Bearer scheme", () => {
    const where = at(["header"], null, "X-Token");
    assert.deepEqual(findBearerToken(ctx(["Authorization", "Bearer a"]), where), { kind: "none" });
    assert.deepEqual(findBearerToken(ctx(["x-token", "Bearer b"]), where), { kind: "found", token: "b", location: "header", header: "x-token" });
    assert.deepEqual(findBearerToken(ctx(["x-token", "c"]), where), { kind: "found", token: "c", location: "header", header: "x-token" });
    assert.deepEqual(findBearerToken(ctx(["x-token", "c", "X-Token", "d"]), where), { kind: "ambiguous" });
  });
});

describe("searchBearerToken (body)", () => {
  it("reads a form body only when header and query hold nothing", async () => {
    const form = ctx(["Content-Type", "application/x-www-form-urlencoded"], "", "a=1&access_token=f1");
    assert.deepEqual(await searchBearerToken(form, at(all)), { kind: "found", token: "f1", location: "body", body: "form", bodyBytes: Buffer.from("a=1&access_token=f1") });
    const header = ctx(["Authorization", "Bearer h", "Content-Type", "application/x-www-form-urlencoded"], "", "access_token=f1");
    assert.equal(((await searchBearerToken(header, at(all))) as { token: string }).token, "h");
    assert.equal(header.reads, 0, "the body is not read when the header has the token");
  });
  it("reads JSON bodies; a null or non-string access_token is no token", async () => {
    assert.equal(((await searchBearerToken(ctx(["Content-Type", "application/json"], "", '{"access_token":"j1"}'), at(all))) as { token: string }).token, "j1");
    assert.deepEqual(await searchBearerToken(ctx(["Content-Type", "application/json"], "", '{"access_token":null}'), at(all)), { kind: "none" });
  });
  it("never reads other content types, nor when body is not a location", async () => {
    const text = ctx(["Content-Type", "text/plain"], "", "access_token=x");
    assert.deepEqual(await searchBearerToken(text, at(all)), { kind: "none" });
    assert.equal(text.reads, 0);
    const form = ctx(["Content-Type", "application/x-www-form-urlencoded"], "", "access_token=x");
    assert.deepEqual(await searchBearerToken(form, at(["header", "query"])), { kind: "none" });
    assert.equal(form.reads, 0);
  });
  it("a too large body (readBody → undefined) is not searched; the cookie still is", async () => {
    const c = ctx(["Content-Type", "application/json", "Cookie", "at=c1"]);
    assert.equal(((await searchBearerToken(c, at(all, "at"))) as { token: string }).token, "c1");
  });
});

describe("body helpers", () => {
  it("bodyKind", () => {
    assert.equal(bodyKind("application/x-www-form-urlencoded; charset=utf-8"), "form");
    assert.equal(bodyKind("application/merge-patch+json"), "json");
    assert.equal(bodyKind("multipart/form-data; boundary=x"), undefined);
    assert.equal(bodyKind(undefined), undefined);
  });
  it("bodyAccessTokens finds duplicates (→ ambiguous)", () => {
    assert.deepEqual(bodyAccessTokens(Buffer.from("access_token=a&access_token=b"), "form").tokens, ["a", "b"]);
    assert.deepEqual(bodyAccessTokens(Buffer.from("[1]"), "json").tokens, []);
    assert.deepEqual(bodyAccessTokens(Buffer.from("{oops"), "json").tokens, []);
  });
  it("bodyWithoutToken keeps every other byte of a form", () => {
    assert.equal(bodyWithoutToken(Buffer.from("a=b+c%20d&access_token=x&e"), "form").toString(), "a=b+c%20d&e");
    assert.equal(bodyWithoutToken(Buffer.from('{"access_token":"x","k":[1]}'), "json").toString(), '{"k":[1]}');
  });
  it("cookieHeaderWithout", () => {
    assert.equal(cookieHeaderWithout("a=1; at=x; b=2", "at"), "a=1; b=2");
    assert.equal(cookieHeaderWithout("at=x", "at"), "");
  });
});

describe("upstreamTokenHeader", () => {
  it("follows Kong's <header>[:<scheme>] format", () => {
    assert.deepEqual(upstreamTokenHeader("authorization:bearer", "t"), ["authorization", "Bearer t"]);
    assert.deepEqual(upstreamTokenHeader("x-token", "t"), ["x-token", "t"]);
    assert.equal(upstreamTokenHeader(null, "t"), undefined);
  });
});

describe("failureResponse", () => {
  const config = { unauthorized_error_message: "Unauthorized", forbidden_error_message: "Forbidden", display_errors: false, expose_error_code: true } as OpenIdConnectConfig;
  it("builds Kong's challenge and body", () => {
    const res = failureResponse(config, "idp.test", { error: "invalid_token", description: "client certificate was not specified", reason: "x" });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { message: "Unauthorized" });
    assert.equal(res.headers!["WWW-Authenticate"], 'Bearer realm="idp.test", error="invalid_token", error_description="client certificate was not specified"');
  });
  it("shows the reason only with display_errors, and the error only with expose_error_code", () => {
    const res = failureResponse({ ...config, display_errors: true, expose_error_code: false }, "r", { error: "invalid_token", reason: "invalid bearer token" });
    assert.deepEqual(res.body, { message: "Unauthorized (invalid bearer token)" });
    assert.equal(res.headers!["WWW-Authenticate"], 'Bearer realm="r"');
  });
});

describe("bearerCredentials", () => {
  it("parses Kong's accepted forms and nothing else", async () => {
    const { bearerCredentials } = await import("./find-token.ts");
    assert.equal(bearerCredentials("Bearer abc"), "abc");
    assert.equal(bearerCredentials("bEaReR \t abc.def  \t"), "abc.def");
    assert.equal(bearerCredentials("Bearer a b"), "a b");
    for (const no of ["Bearer", "Bearer ", "Bearer  \t ", "Bearerabc", "Basic abc", "", "Bear abc"]) assert.equal(bearerCredentials(no), undefined, JSON.stringify(no));
  });
  it("handles a 16 KB header full of blanks (the regex it replaced backtracked quadratically on it)", async () => {
    const { bearerCredentials } = await import("./find-token.ts");
    assert.equal(bearerCredentials(`Bearer a${" ".repeat(16_000)}b`), `a${" ".repeat(16_000)}b`);
    assert.equal(bearerCredentials(`Bearer ${" ".repeat(16_000)}`), undefined);
  });
});

describe("Authorization: DPoP (proof_of_possession_dpop)", () => {
  it("is read only when DPoP is on, and marked as such", () => {
    assert.deepEqual(findBearerToken(ctx(["Authorization", "DPoP abc"]), at(all)), { kind: "none" });
    assert.deepEqual(findBearerToken(ctx(["Authorization", "dpop \tabc "]), { ...at(all), dpop: true }), {
      kind: "found", token: "abc", location: "header", header: "authorization", dpop: true,
    });
    assert.equal((findBearerToken(ctx(["Authorization", "Bearer abc"]), { ...at(all), dpop: true }) as { dpop?: true }).dpop, undefined);
  });
  it("refuses Bearer and DPoP Authorization headers together (RFC 9449 7.2: invalid_request)", () => {
    assert.deepEqual(findBearerToken(ctx(["Authorization", "Bearer a", "Authorization", "DPoP a"]), { ...at(all), dpop: true }), { kind: "ambiguous" });
  });
});

describe("failureResponse with DPoP", () => {
  const config = { expose_error_code: true, proof_of_possession_dpop: "strict" } as OpenIdConnectConfig;
  it("strict: the DPoP scheme, Kong's algs first (sorted), and DPoP-Nonce when the failure has one", () => {
    const res = failureResponse(config, "idp.test", { error: "use_dpop_nonce", description: "Unable to validate the DPoP proof", reason: "x", nonce: "n1" });
    assert.equal(res.status, 401);
    assert.equal(
      res.headers!["WWW-Authenticate"],
      'DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA", realm="idp.test", error="use_dpop_nonce", error_description="Unable to validate the DPoP proof"',
    );
    assert.equal(res.headers!["DPoP-Nonce"], "n1");
  });
  it("optional: the Bearer scheme, no algs; invalid_dpop_proof is a 401", () => {
    const res = failureResponse({ ...config, proof_of_possession_dpop: "optional" }, "r", { error: "invalid_dpop_proof", reason: "x" });
    assert.equal(res.status, 401);
    assert.equal(res.headers!["WWW-Authenticate"], 'Bearer realm="r", error="invalid_dpop_proof"');
    assert.equal(res.headers!["DPoP-Nonce"], undefined);
  });
});
