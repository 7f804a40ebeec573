/**
 * A Distinguished Name as nginx's `$ssl_client_s_dn` / `$ssl_client_i_dn` print it (OpenSSL's
 * `XN_FLAG_RFC2253`, what `openssl x509 -nameopt RFC2253` shows), from Node's rendering of it.
 *
 * Node's `X509Certificate.subject` is OpenSSL's one-entry-per-line form: same escaping of the
 * RFC 2253 specials (`\,`, `\+`, `\ `…), RDNs in certificate order, one per line, the members of a
 * multi-valued RDN joined by ` + `, non-ASCII as UTF-8 text. RFC 2253 reverses every entry
 * (most specific first), joins RDNs with `,` and members with `+`, and escapes each non-ASCII
 * byte as `\XX`. A literal ` + ` or newline cannot occur inside a value (both `+` and control
 * characters are escaped), so splitting on them is exact.
 */
export function rfc2253(nodeName: string): string {
  if (nodeName === "") return "";
  return nodeName
    .split("\n")
    .reverse()
    .map((rdn) => rdn.split(" + ").reverse().join("+"))
    .join(",")
    .replace(/[^\x00-\x7f]+/gu, (text) => [...Buffer.from(text, "utf8")].map((byte) => `\\${byte.toString(16).toUpperCase()}`).join(""));
}
