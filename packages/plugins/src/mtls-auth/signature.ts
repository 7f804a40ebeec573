/**
 * Verifies the signature of a signed structure (CRL, OCSP response) whose algorithm is given as
 * a DER AlgorithmIdentifier. Node's X509Certificate.verify covers certificates only.
 */
import { constants, verify, type KeyObject } from "node:crypto";
import { DerError, TAG, children, context, oidToString, smallInteger, type Tlv } from "./der.ts";

const HASHES: Readonly<Record<string, string | null>> = {
  "1.2.840.10045.4.3.2": "sha256", // ecdsa-with-SHA256
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.11": "sha256", // sha256WithRSAEncryption
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.3.101.112": null, // Ed25519: no separate digest
  "1.3.101.113": null, // Ed448
};

/** Digest algorithm OIDs (AlgorithmIdentifier in RSASSA-PSS parameters, OCSP CertID). */
export const DIGESTS: Readonly<Record<string, string>> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

const RSASSA_PSS = "1.2.840.113549.1.1.10";

function pssParameters(params: Tlv | undefined): { hash: string; saltLength: number } {
  let hash = "sha1";
  let saltLength = 20; // RFC 4055 defaults
  for (const field of params ? children(params) : []) {
    if (field.tag === context(0, true)) {
      const oid = oidToString(children(children(field)[0]!)[0]!);
      const name = DIGESTS[oid];
      if (!name) throw new DerError(`unsupported RSASSA-PSS digest ${oid}`);
      hash = name;
    } else if (field.tag === context(2, true)) {
      saltLength = smallInteger(children(field)[0]!);
    }
  }
  return { hash, saltLength };
}

/** SHA-1 signatures and unknown algorithms throw: the caller reports "unable to check". */
export function verifySignature(algorithm: Tlv, data: Buffer, signature: Buffer, key: KeyObject): boolean {
  if (algorithm.tag !== TAG.SEQUENCE) throw new DerError("expected an AlgorithmIdentifier");
  const [oidTlv, params] = children(algorithm);
  const oid = oidToString(oidTlv!);
  if (oid === RSASSA_PSS) {
    const { hash, saltLength } = pssParameters(params);
    return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
  }
  if (!(oid in HASHES)) throw new DerError(`unsupported signature algorithm ${oid}`);
  return verify(HASHES[oid] ?? null, data, key, signature);
}
