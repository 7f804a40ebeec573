import type { Explanation } from "@tether/proxy";

const json = (value: unknown): string => JSON.stringify(value);

function decisionLines(e: Explanation): string[] {
  const decider = e.steps.find((s) => s.result === "answered" || s.result === "failed");
  if (e.passes) {
    const who = e.authenticated
      ? e.authenticated.anonymous
        ? " as the anonymous consumer"
        : ` as ${e.authenticated.consumer ? `consumer ${e.authenticated.consumer.username ?? e.authenticated.consumer.id}` : "no consumer"}${e.authenticated.credential ? `, credential ${e.authenticated.credential}` : ""}`
      : "";
    return [`Decision: WOULD PASS: the request reaches the upstream${who}`];
  }
  const lines = [`Decision: REFUSED with ${e.response?.status}${decider ? ` by ${decider.name}` : ""}`];
  if (e.wwwAuthenticate) lines.push(`  WWW-Authenticate: ${e.wwwAuthenticate}`);
  if (e.response?.body !== undefined) lines.push(`  body: ${json(e.response.body)}`);
  return lines;
}

function outcomeLines(e: Explanation): string[] {
  if (!e.authOutcome) return [];
  const parts = [`${e.authOutcome.plugin}:`];
  if (e.authOutcome.refused) parts.push(`refused (${e.authOutcome.refused})`);
  if (e.authOutcome.binding) parts.push(`certificate binding ${e.authOutcome.binding}`);
  return [`  outcome: ${parts.join(" ")}`];
}

function tokenLines(e: Explanation, now: number): string[] {
  const t = e.token;
  const lines = ["Token (decoded, not verified: shown as the client sent it):"];
  if (t.format === "opaque") lines.push("  opaque (not a JWT): only the IdP's introspection can tell more");
  if (t.header) lines.push(`  header: ${json(t.header)}`);
  if (t.claims) lines.push(`  claims: ${json(t.claims)}`);
  if (t.key) lines.push(`  signing key: kid=${t.key.kid ?? "(none)"} alg=${t.key.alg ?? "(none)"}${e.authOutcome && !e.authOutcome.refused ? " (verified)" : ""}`);
  if (t.issuer) lines.push(`  issuer: ${t.issuer.token ?? "(none)"}; the route expects ${t.issuer.expected.join(" or ")}`);
  if (t.expiry) {
    const when = t.expiry.expired ? `EXPIRED ${Math.round(now / 1000 - t.expiry.exp)} s ago` : `valid for ${t.expiry.secondsLeft} s more`;
    lines.push(`  expiry: ${t.expiry.expiresAt} (${when})`);
  }
  if (t.scopes) {
    lines.push(`  scopes: required ${json(t.scopes.required)}, found ${json(t.scopes.found)}${t.scopes.missing.length ? `, MISSING ${json(t.scopes.missing)}` : ""}`);
  }
  const b = t.binding;
  if (b.tokenX5tS256 !== undefined || b.presentedX5tS256 !== undefined) {
    lines.push(`  certificate binding: token cnf.x5t#S256 = ${b.tokenX5tS256 ?? "(none: unbound token)"}`);
    lines.push(`                       presented x5t#S256 = ${b.presentedX5tS256 ?? "(no certificate)"}`);
    if (b.certificateMatches !== undefined) lines.push(`                       ${b.certificateMatches ? "match" : "MISMATCH"}`);
  }
  if (b.tokenJkt !== undefined || b.proofJkt !== undefined) {
    lines.push(`  DPoP binding: token cnf.jkt = ${b.tokenJkt ?? "(none)"}, proof key thumbprint = ${b.proofJkt ?? "(no proof)"}${b.proofMatches === undefined ? "" : b.proofMatches ? " (match)" : " (MISMATCH)"}`);
  }
  return lines;
}

/** The explanation as an operator reads it. */
export function renderExplanation(e: Explanation, now = Date.now()): string[] {
  const r = e.request;
  return [
    `Route ${e.route.name ?? e.route.id} (${e.route.id}), configuration version ${e.configVersion}`,
    `Request: ${r.method} ${r.path} on ${r.host} (${r.scheme}), Authorization: ${r.authorization}, client certificate: ${r.certificate ? "yes" : "no"}`,
    "",
    ...decisionLines(e),
    ...outcomeLines(e),
    "",
    "Plugins, in the order they run:",
    ...e.steps.map((s) => `  ${s.name} (priority ${s.priority}): ${s.result.replace("_", " ")}`),
    "",
    ...tokenLines(e, now),
    ...(e.logs.length ? ["", "What the plugins logged:", ...e.logs.map((l) => `  ${l.level} ${l.message}${l.fields ? ` ${json(l.fields)}` : ""}`)] : []),
  ];
}
