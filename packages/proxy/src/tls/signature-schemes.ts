/**
 * Which of a certificate's key types (its `cert` and its `cert_alt`) a client can verify, read
 * from the signature_algorithms of its ClientHello. nginx (Kong) loads both pairs into one
 * OpenSSL context and lets OpenSSL choose; Node's SNICallback installs only one certificate of
 * the context it returns, so the proxy chooses per connection the way OpenSSL would: the first
 * scheme in the client's preference order that one of the keys can sign with.
 */

/** Key type (as node's `asymmetricKeyType`) that signs with a SignatureScheme (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1). */
export function keyTypeOfScheme(scheme: number): string | undefined {
  if (scheme >= 0x0804 && scheme <= 0x0806) return "rsa"; // rsa_pss_rsae_*: an ordinary RSA key
  if (scheme >= 0x0809 && scheme <= 0x080b) return "rsa-pss"; // rsa_pss_pss_*: an RSASSA-PSS key
  if (scheme === 0x0807) return "ed25519";
  if (scheme === 0x0808) return "ed448";
  // TLS 1.2 (HashAlgorithm, SignatureAlgorithm) pairs, which TLS 1.3's legacy codes keep:
  // hash md5..sha512 (1..6), signature rsa (1), dsa (2), ecdsa (3).
  const hash = scheme >> 8;
  const signature = scheme & 0xff;
  if (hash >= 1 && hash <= 6) return signature === 1 ? "rsa" : signature === 2 ? "dsa" : signature === 3 ? "ec" : undefined;
  return undefined;
}

/**
 * The key type to serve: the first of the client's schemes that one of `available` signs with.
 * Without the extension (TLS 1.2 and older), RSA is what the client is assumed to accept.
 * Undefined when nothing fits: the caller serves its primary certificate and lets the handshake
 * fail as it would with that one alone.
 */
export function preferredKeyType(schemes: readonly number[] | undefined, available: readonly string[]): string | undefined {
  if (schemes === undefined || schemes.length === 0) return available.includes("rsa") ? "rsa" : undefined;
  for (const scheme of schemes) {
    const type = keyTypeOfScheme(scheme);
    if (type !== undefined && available.includes(type)) return type;
  }
  return undefined;
}
