/**
 * The answer of `POST /routes/{route}/explain` (the proxy's explainer, packages/proxy/src/explain/)
 * as the page reads it, and the sentences it shows, after `tether explain`'s report.
 */
export interface Explanation {
  route: { id: string; name: string | null };
  configVersion: number;
  request: { method: string; path: string; host: string; scheme: string; authorization: string; certificate: boolean };
  passes: boolean;
  response?: { status: number; body?: unknown };
  wwwAuthenticate?: string;
  steps: { name: string; priority: number; result: string }[];
  authOutcome?: { plugin: string; binding?: string; proof?: string; refused?: string };
  authenticated?: { consumer?: { id: string; username: string | null }; credential?: string; anonymous: boolean };
  token: {
    format: "jwt" | "opaque";
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
    key?: { kid?: string; alg?: string };
    expiry?: { expiresAt: string; expired: boolean; secondsLeft: number };
    issuer?: { token?: string; expected: string[] };
    scopes?: { required: string[]; found: string[]; missing: string[] };
    binding: { tokenX5tS256?: string; presentedX5tS256?: string; certificateMatches?: boolean; tokenJkt?: string; proofJkt?: string; proofMatches?: boolean };
  };
  logs: { level: string; message: string; fields?: Record<string, unknown> }[];
}

/** The decision in one sentence: who ended the request and with what status, or that it passes and as whom. */
export function verdict(e: Explanation): string {
  if (e.passes) {
    const a = e.authenticated;
    const who = !a ? "" : a.anonymous ? " as the anonymous consumer" : a.consumer ? ` as consumer ${a.consumer.username ?? a.consumer.id}` : "";
    return `Passes: the request reaches the upstream${who}.`;
  }
  const decider = e.steps.find((s) => s.result === "answered" || s.result === "failed");
  return `Refused with ${e.response?.status ?? "?"}${decider ? ` by ${decider.name}` : ""}.`;
}

/** The authentication plugin's decision: `openid-connect: refused (binding), certificate binding mismatch (mtls)`. */
export function outcomeText(e: Explanation): string | undefined {
  const o = e.authOutcome;
  if (!o) return undefined;
  const parts = [o.refused ? `refused (${o.refused})` : "accepted", o.binding ? `certificate binding ${o.binding}${o.proof ? ` (${o.proof})` : ""}` : undefined];
  return `${o.plugin}: ${parts.filter(Boolean).join(", ")}`;
}

const json = (value: unknown): string => JSON.stringify(value);

/** What the token says and what the client presented, as term/description pairs (only what the answer has). */
export function tokenFacts(e: Explanation): [string, string][] {
  const t = e.token;
  const b = t.binding;
  const facts: [string, string | undefined][] = [
    ["Format", t.format === "jwt" ? "JWT (decoded, not verified here)" : "opaque (not a JWT): only the IdP's introspection can tell more"],
    ["Header", t.header && json(t.header)],
    ["Claims", t.claims && json(t.claims)],
    ["Signing key", t.key && `kid=${t.key.kid ?? "(none)"} alg=${t.key.alg ?? "(none)"}`],
    ["Issuer", t.issuer && `${t.issuer.token ?? "(none)"}; the route expects ${t.issuer.expected.join(" or ")}`],
    ["Expiry", t.expiry && `${t.expiry.expiresAt} (${t.expiry.expired ? "EXPIRED" : `valid for ${t.expiry.secondsLeft} s more`})`],
    ["Scopes", t.scopes && `required ${json(t.scopes.required)}, found ${json(t.scopes.found)}${t.scopes.missing.length ? `, MISSING ${json(t.scopes.missing)}` : ""}`],
  ];
  if (b.tokenX5tS256 !== undefined || b.presentedX5tS256 !== undefined) {
    facts.push(["Token cnf.x5t#S256", b.tokenX5tS256 ?? "(none: unbound token)"], ["Presented x5t#S256", b.presentedX5tS256 ?? "(no certificate)"]);
    if (b.certificateMatches !== undefined) facts.push(["Certificate", b.certificateMatches ? "match" : "MISMATCH"]);
  }
  if (b.tokenJkt !== undefined || b.proofJkt !== undefined) {
    facts.push(["Token cnf.jkt", b.tokenJkt ?? "(none)"], ["DPoP proof key", b.proofJkt ?? "(no proof)"]);
    if (b.proofMatches !== undefined) facts.push(["DPoP proof", b.proofMatches ? "match" : "MISMATCH"]);
  }
  return facts.filter((f): f is [string, string] => f[1] !== undefined);
}
