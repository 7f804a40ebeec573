/** `url_encoded` (Kong's default): a URL-encoded PEM certificate, nginx's `$ssl_client_escaped_cert`. */
import { singlePemCertificate, urlDecoded } from "./der.ts";

export function urlEncodedCertificate(value: string): Buffer | undefined {
  const pem = urlDecoded(value.trim());
  return pem === undefined ? undefined : singlePemCertificate(pem);
}
