// A real part a test needs (a server binary from a Debian package) is not installed here.

/**
 * Says `reason` loudly and returns it (the caller skips with it); under CI a missing part is a
 * failure, not a skip: .ci/run installs every one. `reason` contains the word SKIPPED.
 */
export function missingPart(reason: string): string {
  if (process.env["CI"]) throw new Error(reason.replace("SKIPPED", "cannot run (CI must install it)"));
  console.error(reason);
  return reason;
}
