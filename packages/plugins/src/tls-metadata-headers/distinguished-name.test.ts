import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { rfc2253 } from "./distinguished-name.ts";

/** A self-signed certificate for `subject` made by openssl, and openssl's RFC 2253 rendering of its subject. */
function withOpenssl(subject: string): { cert: X509Certificate; expected: string } {
  const dir = mkdtempSync(join(tmpdir(), "tether-dn-"));
  try {
    const certPath = join(dir, "c.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "k.pem"), "-out", certPath, "-subj", subject, "-utf8", "-multivalue-rdn", "-days", "1"], { stdio: "ignore" });
    const printed = execFileSync("openssl", ["x509", "-in", certPath, "-noout", "-subject", "-nameopt", "RFC2253"], { encoding: "utf8" }).trim();
    return { cert: new X509Certificate(readFileSync(certPath)), expected: printed.slice("subject=".length) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("rfc2253 (nginx's $ssl_client_s_dn)", () => {
  for (const [name, subject] of [
    ["plain names, most specific first", "/C=FR/O=Tether Test/CN=alice"],
    ["escaped specials", "/O=Acme\\, Inc/CN=x=y #1\\+2 /emailAddress=a@b.test"],
    ["a multi-valued RDN", "/C=FR/O=Org+OU=Unit/CN=bob"],
    ["non-ASCII as \\XX bytes", "/O=Tëst ünïcode/CN=日本"],
  ] as const)
    it(name, () => {
      const { cert, expected } = withOpenssl(subject);
      assert.equal(rfc2253(cert.subject), expected);
      assert.equal(rfc2253(cert.issuer), expected);
    });

  it("an empty name stays empty", () => {
    assert.equal(rfc2253(""), "");
  });
});
