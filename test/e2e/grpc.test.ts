// gRPC through the proxy with a real gRPC client and server (@grpc/grpc-js): grpc (h2c) and grpcs
// (TLS) services and routes, the four kinds of call, status/metadata/trailers end to end, Kong's
// answers for requests a gRPC route cannot take, plugin refusals as gRPC statuses (Kong's PDK
// mapping), and certificate-bound and DPoP-bound tokens over gRPC.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { generateKeyPair, generateProof } from "dpop";
import type { Pem } from "../fixtures/pki/index.ts";
import { EchoClient, startGrpcUpstream, type EchoClientInstance, type GrpcUpstream, type Message } from "../fixtures/grpc/index.ts";
import { curl } from "../helpers/clients.ts";
import { h2Connect } from "../helpers/h2-client.ts";
import { startScenario, untilApplied, type Scenario } from "../helpers/scenario.ts";
import { adminJson } from "../helpers/tether.ts";

type Status = { code: number; details: string; metadata: grpc.Metadata };

function tlsClient(port: number, cert?: Pem): EchoClientInstance {
  const credentials = grpc.credentials.createSsl(null, cert ? Buffer.from(cert.key) : null, cert ? Buffer.from(cert.cert) : null, { rejectUnauthorized: false });
  // The SNI the routes and the certificate request are decided by.
  return new EchoClient(`127.0.0.1:${port}`, credentials, { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" }) as EchoClientInstance;
}

function h2cClient(port: number): EchoClientInstance {
  return new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as EchoClientInstance;
}

function unary(client: EchoClientInstance, name: "Say", request: Message, metadata = new grpc.Metadata()): Promise<{ response?: Message; headers?: grpc.Metadata; status: Status }> {
  return new Promise((resolve) => {
    let response: Message | undefined;
    let headers: grpc.Metadata | undefined;
    const call = client.makeUnaryRequest(`/tether.test.Echo/${name}`, (m: Message) => Buffer.from(JSON.stringify(m)), (b: Buffer) => JSON.parse(b.toString()) as Message, request, metadata, (_error, value) => {
      response = value;
    });
    call.on("metadata", (m: grpc.Metadata) => (headers = m));
    call.on("status", (status: Status) => setImmediate(() => resolve({ ...(response ? { response } : {}), ...(headers ? { headers } : {}), status })));
  });
}

const ser = (m: Message): Buffer => Buffer.from(JSON.stringify(m));
const de = (b: Buffer): Message => JSON.parse(b.toString()) as Message;

describe("gRPC through the proxy", () => {
  let s: Scenario;
  let plain: GrpcUpstream;
  let secure: GrpcUpstream;
  let bound: string;
  const clients: EchoClientInstance[] = [];
  const track = (c: EchoClientInstance): EchoClientInstance => (clients.push(c), c);

  before(async () => {
    s = await startScenario({ env: { TETHER_PROXY_LISTEN: "127.0.0.1:0 http2, 127.0.0.1:0 http2 ssl" } });
    plain = await startGrpcUpstream();
    secure = await startGrpcUpstream({ server: s.pki.server });
    const created = async (path: string, body: unknown) => {
      const res = await adminJson(s.tether, "POST", path, body);
      assert.equal(res.status, 201, `${path}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    await created("/services", { name: "grpc-plain", protocol: "grpc", host: "127.0.0.1", port: plain.port });
    await created("/services/grpc-plain/routes", { name: "grpc-any", protocols: ["grpc", "grpcs"], paths: ["/tether.test.Echo/"], hosts: ["plain.example"] });
    await created("/services", { name: "grpc-secure", url: `grpcs://127.0.0.1:${secure.port}` });
    await created("/services/grpc-secure/routes", { name: "grpcs-only", protocols: ["grpcs"], paths: ["/tether.test.Echo/"], hosts: ["secure.example"] });
    // The certificate-bound route: PoP strict over grpcs (Kong's guide, with gRPC).
    await created("/services", { name: "grpc-bound", protocol: "grpc", host: "127.0.0.1", port: plain.port });
    await created("/services/grpc-bound/routes", { name: "grpc-bound", protocols: ["grpcs"], paths: ["/tether.test.Echo/"], hosts: ["localhost"] });
    await created("/services/grpc-bound/plugins", { name: "tls-handshake-modifier" });
    await created("/services/grpc-bound/plugins", { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } });
    await created("/services", { name: "grpc-dpop", protocol: "grpc", host: "127.0.0.1", port: plain.port });
    await created("/services/grpc-dpop/routes", { name: "grpc-dpop", protocols: ["grpcs"], paths: ["/tether.test.Echo/"], hosts: ["dpop.example"] });
    await created("/services/grpc-dpop/plugins", { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_dpop: "strict" } });
    bound = await s.token({ cert: s.pki.clients.alice });
    await untilApplied(s.tether);
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([plain?.stop(), secure?.stop()]);
    await s.stop();
  });

  const plainMeta = (): grpc.Metadata => {
    const m = new grpc.Metadata();
    m.set("x-caller", "test");
    return m;
  };
  const withAuthority = (authority: string): Record<string, string> => ({ "grpc.default_authority": authority });

  it("unary over h2c to a grpc service: message, metadata and X-Forwarded-* reach the upstream", async () => {
    const client = track(new EchoClient(`127.0.0.1:${s.tether.httpPort}`, grpc.credentials.createInsecure(), withAuthority("plain.example")) as EchoClientInstance);
    const res = await unary(client, "Say", { say: "hello" }, plainMeta());
    assert.equal(res.status.code, grpc.status.OK, res.status.details);
    assert.equal(res.response?.["said"], "hello");
    const metadata = res.response?.["metadata"] as Record<string, string>;
    assert.equal(metadata["x-caller"], "test");
    assert.equal(metadata["x-forwarded-proto"], "http");
    assert.equal(metadata["x-forwarded-host"], "plain.example");
    assert.ok(metadata["x-forwarded-for"]?.includes("127.0.0.1"));
    // Kong's downstream headers on a proxied gRPC answer (Via names HTTP/2).
    assert.match(String(res.headers?.get("via")[0] ?? ""), /^2 tether\//);
    assert.ok(res.headers?.get("x-kong-upstream-latency").length === 1);
  });

  it("an upstream's failure status, details and trailing metadata reach the client unchanged", async () => {
    const client = track(new EchoClient(`127.0.0.1:${s.tether.httpPort}`, grpc.credentials.createInsecure(), withAuthority("plain.example")) as EchoClientInstance);
    const res = await unary(client, "Say", { fail: grpc.status.FAILED_PRECONDITION, details: "not now" });
    assert.equal(res.status.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(res.status.details, "not now");
    assert.deepEqual(res.status.metadata.get("x-why"), ["asked to fail"]);
  });

  it("server streaming, client streaming and bidirectional streaming pass through", async () => {
    const client = track(new EchoClient(`127.0.0.1:${s.tether.httpPort}`, grpc.credentials.createInsecure(), withAuthority("plain.example")) as EchoClientInstance);
    const counted = await new Promise<Message[]>((resolve, reject) => {
      const out: Message[] = [];
      const call = client.makeServerStreamRequest("/tether.test.Echo/Count", ser, de, { n: 50 });
      call.on("data", (m: Message) => out.push(m));
      call.on("error", reject);
      call.on("end", () => resolve(out));
    });
    assert.deepEqual(counted.map((m) => m["i"]), Array.from({ length: 50 }, (_, i) => i + 1));

    const summed = await new Promise<Message>((resolve, reject) => {
      const call = client.makeClientStreamRequest("/tether.test.Echo/Sum", ser, de, (error, value) => (error ? reject(error) : resolve(value!)));
      for (let n = 1; n <= 100; n++) call.write({ n });
      call.end();
    });
    assert.deepEqual(summed, { sum: 5050, count: 100 });

    // Each answer arrives before the next message is sent: the proxy streams, it does not buffer.
    const chat = client.makeBidiStreamRequest("/tether.test.Echo/Chat", ser, de);
    const answers: unknown[] = [];
    for (const text of ["one", "two", "three"]) {
      const answer = new Promise<Message>((resolve) => chat.once("data", resolve));
      chat.write({ text });
      answers.push((await answer)["echo"]);
    }
    chat.end();
    assert.deepEqual(answers, ["one", "two", "three"]);
  });

  it("a grpcs service is reached over TLS (h2 with ALPN) from a TLS client", async () => {
    const client = track(new EchoClient(`127.0.0.1:${s.tether.httpsPort}`, grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false }), {
      "grpc.ssl_target_name_override": "secure.example",
      "grpc.default_authority": "secure.example",
    }) as EchoClientInstance);
    const res = await unary(client, "Say", { say: "over tls" });
    assert.equal(res.status.code, grpc.status.OK, res.status.details);
    assert.equal(res.response?.["said"], "over tls");
    assert.equal(secure.calls.at(-1)?.path, "Say");
  });

  it("Kong's answers: grpcs-only route without TLS, no route, HTTP/1 gRPC, non-gRPC on a gRPC route", async () => {
    const h2c = track(new EchoClient(`127.0.0.1:${s.tether.httpPort}`, grpc.credentials.createInsecure(), withAuthority("secure.example")) as EchoClientInstance);
    const cleartext = await unary(h2c, "Say", { say: "x" });
    assert.equal(cleartext.status.code, grpc.status.CANCELLED);
    assert.equal(cleartext.status.details, "gRPC request matched gRPCs route");

    const nowhere = track(new EchoClient(`127.0.0.1:${s.tether.httpPort}`, grpc.credentials.createInsecure(), withAuthority("nowhere.example")) as EchoClientInstance);
    const missing = await unary(nowhere, "Say", { say: "x" });
    assert.equal(missing.status.code, grpc.status.NOT_FOUND);

    const h1 = await curl("-k", "--http1.1", "-X", "POST", "-H", "content-type: application/grpc", "-H", "host: plain.example", `https://127.0.0.1:${s.tether.httpsPort}/tether.test.Echo/Say`);
    assert.equal(h1.status, 426);
    assert.equal(h1.body.message, "Please use HTTP2 protocol");
    assert.equal(h1.headers["upgrade"], "HTTP/2");

    const h2 = await h2Connect({ port: s.tether.httpsPort });
    try {
      const res = await h2.request("/tether.test.Echo/Say", { method: "POST", headers: { ":authority": "plain.example", "content-type": "application/json" }, body: "{}" });
      assert.equal(res.status, 415);
      assert.equal(res.body.message, "Non-gRPC request matched gRPC route");
    } finally {
      await h2.close();
    }
  });

  it("certificate-bound tokens over grpcs: the holder passes, others get UNAUTHENTICATED with Kong's challenge", async () => {
    const call = async (cert: Pem | undefined) => {
      const m = new grpc.Metadata();
      m.set("authorization", `Bearer ${bound}`);
      return unary(track(tlsClient(s.tether.httpsPort, cert)), "Say", { say: "bound" }, m);
    };
    const alice = await call(s.pki.clients.alice);
    assert.equal(alice.status.code, grpc.status.OK, alice.status.details);
    assert.equal(alice.response?.["said"], "bound");

    for (const cert of [s.pki.clients.bob, undefined]) {
      const refused = await call(cert);
      assert.equal(refused.status.code, grpc.status.UNAUTHENTICATED);
      assert.equal(refused.status.details, "Unauthorized");
      assert.match(String(refused.status.metadata.get("www-authenticate")[0]), /^Bearer .*error="invalid_token"/);
    }
  });

  it("DPoP-bound tokens over grpcs: a proof for the call's URI passes, a missing or replayed proof is refused", async () => {
    const key = await generateKeyPair("ES256");
    const issued = await s.idp.dpopToken({ key });
    const token = issued.body.access_token as string;
    const htu = `https://dpop.example:${s.tether.httpsPort}/tether.test.Echo/Say`;
    const client = track(new EchoClient(`127.0.0.1:${s.tether.httpsPort}`, grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false }), {
      "grpc.ssl_target_name_override": "dpop.example",
      "grpc.default_authority": `dpop.example:${s.tether.httpsPort}`,
    }) as EchoClientInstance);
    const withProof = async (proof: string | undefined) => {
      const m = new grpc.Metadata();
      m.set("authorization", `DPoP ${token}`);
      if (proof) m.set("dpop", proof);
      return unary(client, "Say", { say: "dpop" }, m);
    };
    const proof = await generateProof(key, htu, "POST", undefined, token);
    const ok = await withProof(proof);
    assert.equal(ok.status.code, grpc.status.OK, ok.status.details);
    const replayed = await withProof(proof);
    assert.equal(replayed.status.code, grpc.status.UNAUTHENTICATED);
    const none = await withProof(undefined);
    assert.equal(none.status.code, grpc.status.UNAUTHENTICATED);
    assert.match(String(none.status.metadata.get("www-authenticate")[0]), /^DPoP /);
  });
});
