/**
 * `base64_encoded` (Kong): the base64 of the DER certificate, i.e. a PEM body without its
 * BEGIN/END lines (HAProxy's `%[ssl_c_der,base64]`). Whitespace inside is tolerated, as a PEM body
 * folded by a proxy would carry it.
 */
import { certificateDer, strictBase64 } from "./der.ts";

export function base64EncodedCertificate(value: string): Buffer | undefined {
  return certificateDer(strictBase64(value.replace(/\s+/g, "")));
}
