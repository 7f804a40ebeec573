import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { describe, it } from "node:test";
import { signatureSchemesOf } from "./client-hello.ts";
import { keyTypeOfScheme, preferredKeyType } from "./signature-schemes.ts";

/** The ClientHello bytes a real Node client sends with these options (captured by a raw TCP server). */
function clientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.once("data", (chunk: Buffer) => {
        socket.destroy();
        server.close();
        resolve(chunk);
      });
    });
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      tls.connect({ host: "127.0.0.1", port, servername: "sigalgs.test", ...options }).on("error", () => undefined);
    });
  });
}

describe("signature_algorithms of a ClientHello", () => {
  it("reads a real client's schemes in its order", async () => {
    assert.deepEqual(signatureSchemesOf(await clientHello({ sigalgs: "ECDSA+SHA256:RSA-PSS+SHA256" })), [0x0403, 0x0804]);
    assert.deepEqual(signatureSchemesOf(await clientHello({ sigalgs: "RSA+SHA256:ECDSA+SHA384", maxVersion: "TLSv1.2" })), [0x0401, 0x0503]);
  });

  it("has no answer for what is not a complete, well-formed hello", async () => {
    const hello = await clientHello({});
    assert.equal(signatureSchemesOf(hello.subarray(0, hello.length - 1)), undefined);
    assert.equal(signatureSchemesOf(Buffer.from("GET / HTTP/1.1\r\n")), undefined);
    assert.equal(signatureSchemesOf(Buffer.alloc(0)), undefined);
  });
});

describe("the key type a client can verify", () => {
  it("maps TLS 1.3 schemes and TLS 1.2 (hash, signature) pairs", () => {
    assert.equal(keyTypeOfScheme(0x0403), "ec"); // ecdsa_secp256r1_sha256
    assert.equal(keyTypeOfScheme(0x0603), "ec");
    assert.equal(keyTypeOfScheme(0x0804), "rsa"); // rsa_pss_rsae_sha256
    assert.equal(keyTypeOfScheme(0x0401), "rsa"); // rsa_pkcs1_sha256
    assert.equal(keyTypeOfScheme(0x0201), "rsa"); // rsa_pkcs1_sha1
    assert.equal(keyTypeOfScheme(0x0809), "rsa-pss");
    assert.equal(keyTypeOfScheme(0x0807), "ed25519");
    assert.equal(keyTypeOfScheme(0x0402), "dsa");
    assert.equal(keyTypeOfScheme(0x0a0a), undefined); // GREASE
  });

  it("prefers the client's first usable scheme; RSA without the extension", () => {
    assert.equal(preferredKeyType([0x0a0a, 0x0804, 0x0403], ["ec", "rsa"]), "rsa");
    assert.equal(preferredKeyType([0x0403, 0x0804], ["ec", "rsa"]), "ec");
    assert.equal(preferredKeyType([0x0807, 0x0403], ["rsa", "ec"]), "ec");
    assert.equal(preferredKeyType([0x0807], ["rsa", "ec"]), undefined);
    assert.equal(preferredKeyType(undefined, ["ec", "rsa"]), "rsa");
    assert.equal(preferredKeyType([], ["ec", "ed25519"]), undefined);
  });
});
