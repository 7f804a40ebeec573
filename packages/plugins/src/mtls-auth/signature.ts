/**
 * Verifies the signature of a signed structure (CRL, OCSP response) whose algorithm pkijs read.
 * Node's X509Certificate.verify covers certificates only; pkijs's own verify goes through
 * WebCrypto and is asynchronous, where node:crypto's is synchronous and is what certificates use.
 */
import { constants, verify, type KeyObject } from "node:crypto";
import * as pkijs from "pkijs";
import { Asn1Error } from "./asn1.ts";

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

function pssParameters(params: pkijs.AlgorithmIdentifier["algorithmParams"]): { hash: string; saltLength: number } {
  // Absent parameters are RFC 4055's defaults, which pkijs fills in (SHA-1, salt 20).
  const pss = params === undefined ? new pkijs.RSASSAPSSParams() : new pkijs.RSASSAPSSParams({ schema: params });
  const hash = DIGESTS[pss.hashAlgorithm.algorithmId];
  if (!hash) throw new Asn1Error(`unsupported RSASSA-PSS digest ${pss.hashAlgorithm.algorithmId}`);
  return { hash, saltLength: pss.saltLength };
}

/** SHA-1 signatures and unknown algorithms throw: the caller reports "unable to check". */
export function verifySignature(algorithm: pkijs.AlgorithmIdentifier, data: Buffer, signature: Buffer, key: KeyObject): boolean {
  const oid = algorithm.algorithmId;
  if (oid === RSASSA_PSS) {
    const { hash, saltLength } = pssParameters(algorithm.algorithmParams);
    return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
  }
  if (!(oid in HASHES)) throw new Asn1Error(`unsupported signature algorithm ${oid}`);
  return verify(HASHES[oid] ?? null, data, key, signature);
}
