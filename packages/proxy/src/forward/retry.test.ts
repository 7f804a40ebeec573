import assert from "node:assert/strict";
import net from "node:net";
import { PassThrough, Writable } from "node:stream";
import { describe, it } from "node:test";
import { connectWithRetries, dialOnce, type ConnectAttempt } from "./connect-retry.ts";
import { failureOf, reasonOf, statusOf, UpstreamError } from "./failure.ts";
import { hasRequestBody, nextTry, retryConnect, retrySend } from "./retry-policy.ts";
import { watchWriteStall } from "./write-stall.ts";

const errorWith = (code: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(code), { code, ...extra });

describe("failure classification", () => {
  it("maps Node and undici errors to Kong's statuses", () => {
    const cases: [Error, string, number][] = [
      [errorWith("ENOTFOUND", { syscall: "getaddrinfo" }), "name-resolution", 503],
      [errorWith("EAI_AGAIN"), "name-resolution", 503],
      [errorWith("UND_ERR_CONNECT_TIMEOUT"), "connect-timeout", 504],
      [errorWith("UND_ERR_HEADERS_TIMEOUT"), "read-timeout", 504],
      [errorWith("UND_ERR_BODY_TIMEOUT"), "read-timeout", 504],
      [new UpstreamError("write-timeout", "stalled"), "write-timeout", 504],
      [errorWith("ECONNREFUSED"), "connect", 502],
      [errorWith("ECONNRESET"), "transport", 502],
      [errorWith("UND_ERR_SOCKET"), "transport", 502],
      [new Error("socket hang up"), "transport", 502],
    ];
    for (const [error, reason, status] of cases) {
      assert.equal(reasonOf(error), reason, error.message);
      assert.equal(statusOf(reasonOf(error)), status, error.message);
    }
  });

  it("reports the attempts an UpstreamError carries", () => {
    assert.deepEqual(failureOf(new UpstreamError("connect", "refused", 6), 1), { status: 502, reason: "connect", cause: "refused", tries: 6 });
    assert.equal(failureOf(errorWith("ECONNRESET"), 3).tries, 3);
  });
});

describe("retry policy", () => {
  it("connection attempts: retried up to `retries` more, never for a name that does not resolve", () => {
    assert.equal(retryConnect("connect", 1, 5), true);
    assert.equal(retryConnect("connect-timeout", 5, 5), true);
    assert.equal(retryConnect("connect", 6, 5), false);
    assert.equal(retryConnect("connect", 1, 0), false);
    assert.equal(retryConnect("name-resolution", 1, 5), false);
  });

  it("sent requests: only idempotent, body-less, before any response, on transport errors", () => {
    const base = { method: "GET", hasBody: false, responseStarted: false, reason: "transport" as const, sends: 1, retries: 5 };
    assert.equal(retrySend(base), true);
    for (const method of ["HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]) assert.equal(retrySend({ ...base, method }), true, method);
    for (const method of ["POST", "PATCH", "CONNECT"]) assert.equal(retrySend({ ...base, method }), false, method);
    assert.equal(retrySend({ ...base, hasBody: true }), false, "a streamed body is gone");
    assert.equal(retrySend({ ...base, responseStarted: true }), false);
    assert.equal(retrySend({ ...base, reason: "read-timeout" }), false);
    assert.equal(retrySend({ ...base, reason: "connect" }), false, "the connector already retried");
    assert.equal(retrySend({ ...base, sends: 6 }), false);
    assert.equal(retrySend({ ...base, retries: 0 }), false);
  });

  it("a balanced service's failed connection goes to another target, unless the engine lost the body", () => {
    const base = { method: "POST", hasBody: false, responseStarted: false, reason: "connect" as const, sends: 1, retries: 0, clientGone: false, bodyKept: false };
    assert.equal(nextTry({ ...base, balanced: false }), undefined, "the connector retries an unbalanced service");
    assert.equal(nextTry({ ...base, balanced: true }), "retarget");
    assert.equal(nextTry({ ...base, balanced: true, hasBody: true }), undefined, "http-proxy piped the body into the failed try");
    assert.equal(nextTry({ ...base, balanced: true, hasBody: true, bodyKept: true }), "retarget");
    const sent = { ...base, method: "GET", reason: "transport" as const, retries: 1 };
    assert.equal(nextTry({ ...sent, balanced: false }), "resend");
    assert.equal(nextTry({ ...sent, balanced: true, sends: 9 }), "retarget", "the balancer counts tries across targets");
    assert.equal(nextTry({ ...sent, balanced: false, clientGone: true }), undefined);
  });

  it("tells a body from its framing headers", () => {
    assert.equal(hasRequestBody({}), false);
    assert.equal(hasRequestBody({ "content-length": "0" }), false);
    assert.equal(hasRequestBody({ "content-length": "12" }), true);
    assert.equal(hasRequestBody({ "transfer-encoding": "chunked" }), true);
  });
});

describe("connectWithRetries", () => {
  const failing = (errors: Error[]): { attempt: ConnectAttempt<string>; made: () => number } => {
    let made = 0;
    return {
      attempt: (done) => {
        const error = errors[made++];
        setImmediate(() => (error ? done(error) : done(null, "socket")));
      },
      made: () => made,
    };
  };
  const run = (attempt: ConnectAttempt<string>, retries: number) =>
    new Promise<{ error: UpstreamError | null; socket: string | undefined }>((resolve) => connectWithRetries(attempt, retries, (error, socket) => resolve({ error, socket })));

  it("succeeds after failures within the budget", async () => {
    const f = failing([errorWith("ECONNREFUSED"), errorWith("ECONNRESET")]);
    assert.deepEqual(await run(f.attempt, 2), { error: null, socket: "socket" });
    assert.equal(f.made(), 3);
  });

  it("gives up after 1 + retries attempts, saying why and how many", async () => {
    const f = failing(Array.from({ length: 10 }, () => errorWith("ECONNREFUSED")));
    const { error } = await run(f.attempt, 3);
    assert.equal(f.made(), 4);
    assert.equal(error?.reason, "connect");
    assert.equal(error?.attempts, 4);
  });

  it("does not retry a name that does not resolve", async () => {
    const f = failing([errorWith("ENOTFOUND", { syscall: "getaddrinfo" }), errorWith("ENOTFOUND")]);
    const { error } = await run(f.attempt, 5);
    assert.equal(f.made(), 1);
    assert.equal(error?.reason, "name-resolution");
  });

  it("dialOnce: a refused port fails fast; a listening one connects", async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    const dial = (p: number) =>
      new Promise<Error | null>((resolve) =>
        dialOnce(() => net.createConnection({ host: "127.0.0.1", port: p }), "connect", 2_000)((error, socket) => {
          socket?.destroy();
          resolve(error);
        }),
      );
    assert.equal(await dial(port), null);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(reasonOf(await dial(port)), "connect");
  });
});

describe("watchWriteStall", () => {
  it("fires when the consumer stops taking the body, not while it keeps up", async () => {
    const body = new PassThrough();
    let stalled = 0;
    watchWriteStall(body, 50, () => stalled++);
    let taken = 0;
    // Takes five chunks slowly (the pipe pauses and resumes the body each time), then none.
    const slowThenStuck = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        if (++taken <= 5) setTimeout(cb, 5);
      },
    });
    body.pipe(slowThenStuck);
    for (let i = 0; i < 50; i++) body.write(Buffer.alloc(1024));
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(stalled, 0, "not yet");
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(stalled, 1);
  });

  it("stays quiet for a body that is never paused, and after stop()", async () => {
    const body = new PassThrough();
    let stalled = 0;
    const stop = watchWriteStall(body, 20, () => stalled++);
    body.resume();
    body.write("x");
    await new Promise((r) => setTimeout(r, 60));
    body.pause();
    stop();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(stalled, 0);
  });
});
