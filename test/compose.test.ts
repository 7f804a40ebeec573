// docker-compose.yml cannot run here (no Docker engine), so this checks what can be checked without
// it: the file parses, its services, ports and commands are the ones README.md and the demo talk
// about, the Keycloak realm it imports exists and binds tokens to certificates, and the
// certificates it mounts are the ones scripts/dev-certs.sh makes.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { REPO_ROOT } from "./helpers/tether.ts";

const execFileAsync = promisify(execFile);
const CERTS_DIR = "docker/keycloak/certs";
/** What scripts/dev-certs.sh writes. */
const DEV_CERT_FILES = ["ca.pem", "ca.key", "server.crt", "server.key", "client-cert.pem", "client-key.pem", "other-cert.pem", "other-key.pem"];
const CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";
const SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1";

type Service = {
  image?: string;
  command?: string | string[];
  working_dir?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | { target?: number; published?: string | number; host_ip?: string })[];
  profiles?: string[];
};

const read = (file: string): string => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
// `merge`: the cluster's second node reuses the first's definition through YAML merge keys, as Compose reads them.
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services?: Record<string, Service> };

function service(name: string): Service {
  const s = compose.services?.[name];
  assert.ok(s, `docker-compose.yml has no service '${name}'`);
  return s;
}

function env(s: Service): Record<string, string> {
  if (Array.isArray(s.environment)) {
    return Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  }
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));
}

function command(s: Service): string {
  return Array.isArray(s.command) ? s.command.join(" ") : (s.command ?? "");
}

/** Volumes as { source, target }, short syntax `src:dst[:mode]` or long syntax. */
function mounts(s: Service): { source: string; target: string }[] {
  return (s.volumes ?? []).map((v) => {
    if (typeof v === "string") {
      const [source = "", target = ""] = v.split(":");
      return { source, target };
    }
    return { source: v.source ?? "", target: v.target ?? "" };
  });
}

/** Published ports as { hostIp, published, target } (short `[ip:]published:target` or long syntax). */
function ports(s: Service): { hostIp: string; published: string; target: string }[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p === "object") return { hostIp: p.host_ip ?? "", published: String(p.published ?? ""), target: String(p.target ?? "") };
    const parts = String(p).split(":");
    const target = parts.pop() ?? "";
    const published = parts.pop() ?? "";
    return { hostIp: parts.join(":"), published, target };
  });
}

/** The host file a container path comes from (a file mount, or a file under a mounted directory). */
function hostPathOf(s: Service, containerPath: string): string | undefined {
  for (const { source, target } of mounts(s)) {
    if (!source.startsWith(".")) continue; // named volumes
    if (containerPath === target) return path.join(REPO_ROOT, source);
    if (containerPath.startsWith(`${target.replace(/\/$/, "")}/`)) return path.join(REPO_ROOT, source, containerPath.slice(target.replace(/\/$/, "").length + 1));
  }
  return undefined;
}

function commandOption(s: Service, name: string): string | undefined {
  const m = new RegExp(`--${name}[= ](\\S+)`).exec(command(s));
  return m?.[1];
}

describe("docker-compose.yml", () => {
  test("tether: node:20 image, the repository mounted, `npm ci && npm start`, Kong's ports", () => {
    const tether = service("tether");
    assert.match(tether.image ?? "", /^node:20(?:[-.]|$)/);
    const repo = mounts(tether).find((m) => m.target === "/app");
    assert.ok(repo && [".", "./"].includes(repo.source), `the repository is not mounted at /app: ${JSON.stringify(tether.volumes)}`);
    assert.equal(tether.working_dir, "/app");
    assert.match(command(tether), /npm ci/);
    assert.match(command(tether), /npm start/);

    const e = env(tether);
    assert.equal(e["TETHER_ADMIN_LISTEN"], "0.0.0.0:8001");
    assert.equal(e["TETHER_PREFIX"], "/app/data");
    const published = ports(tether);
    const admin = published.filter((p) => p.target === "8001");
    assert.deepEqual(admin, [{ hostIp: "127.0.0.1", published: "8001", target: "8001" }], "the Admin API must be published on 127.0.0.1 only");
    assert.ok(published.some((p) => p.published === "8000" && p.target === "8000"), "8000 not published");
    assert.ok(published.some((p) => p.published === "8443" && p.target === "8443"), "8443 not published");
  });

  test("tether trusts the CA that scripts/dev-certs.sh makes", () => {
    const tether = service("tether");
    const trusted = env(tether)["TETHER_TRUSTED_CERTIFICATE"] ?? "";
    assert.equal(hostPathOf(tether, trusted), path.join(REPO_ROOT, CERTS_DIR, "ca.pem"));
  });

  test("upstream: an echo server, reachable where the demo's default UPSTREAM_URL points", () => {
    const upstream = service("upstream");
    assert.match(upstream.image ?? "", /echo/);
    const port = env(upstream)["HTTP_PORT"] ?? env(upstream)["PORT"];
    assert.ok(port, "the echo server's port is not set");
    assert.ok(read("scripts/demo.sh").includes(`UPSTREAM_URL="\${UPSTREAM_URL:-http://upstream:${port}}"`));
  });

  test("keycloak: imports the realm file on disk, which has the certificate-bound `cert-bound` client", () => {
    const keycloak = service("keycloak");
    assert.match(keycloak.image ?? "", /^quay\.io\/keycloak\/keycloak:26(?:[.-]|$)/);
    const cmd = command(keycloak);
    for (const part of ["start-dev", "--import-realm", "--https-client-auth=request"]) assert.ok(cmd.includes(part), `keycloak command lacks ${part}`);

    const imports = mounts(keycloak).filter((m) => m.target.startsWith("/opt/keycloak/data/import/"));
    assert.equal(imports.length, 1, JSON.stringify(keycloak.volumes));
    const realmFile = path.join(REPO_ROOT, imports[0]!.source);
    assert.ok(fs.existsSync(realmFile), `${realmFile} does not exist`);
    const realm = JSON.parse(fs.readFileSync(realmFile, "utf8")) as {
      realm: string;
      enabled: boolean;
      clients: { clientId: string; secret?: string; publicClient?: boolean; serviceAccountsEnabled?: boolean; standardFlowEnabled?: boolean; attributes?: Record<string, string> }[];
      users?: { username: string; serviceAccountClientId?: string }[];
    };
    assert.equal(realm.enabled, true);
    const client = realm.clients.find((c) => c.clientId === "cert-bound");
    assert.ok(client, "no cert-bound client in the realm");
    assert.equal(client.attributes?.["tls.client.certificate.bound.access.tokens"], "true");
    assert.equal(client.secret, "cf4c655a-0622-4ce6-a0de-d3353ef0b714");
    assert.equal(client.publicClient, false);
    assert.equal(client.serviceAccountsEnabled, true);
    assert.equal(client.standardFlowEnabled, false);
    // Imported with its service-account user (Keycloak 26.0/26.1 fail to create it during import).
    assert.ok(realm.users?.some((u) => u.serviceAccountClientId === "cert-bound"));

    // The issuer the demo configures is this realm on the hostname Keycloak is pinned to, and
    // the token endpoint the demo uses from the host is Keycloak's published port.
    const hostname = env(keycloak)["KC_HOSTNAME"];
    assert.equal(hostname, "https://keycloak:8443");
    const demo = read("scripts/demo.sh");
    assert.ok(demo.includes(`ISSUER="${hostname}/realms/${realm.realm}"`), "demo.sh's default ISSUER is not this realm");
    const kcPort = ports(keycloak).find((p) => p.target === "8443");
    assert.ok(kcPort, "Keycloak's HTTPS port is not published");
    assert.ok(demo.includes(`https://localhost:${kcPort.published}/realms/${realm.realm}/protocol/openid-connect/token`), "demo.sh's default TOKEN_ENDPOINT does not match");
  });

  test("keycloak's certificate files are mounted from what scripts/dev-certs.sh writes", () => {
    const keycloak = service("keycloak");
    for (const option of ["https-certificate-file", "https-certificate-key-file", "truststore-paths"]) {
      const containerPath = commandOption(keycloak, option);
      assert.ok(containerPath, `keycloak command lacks --${option}`);
      const hostPath = hostPathOf(keycloak, containerPath);
      assert.ok(hostPath, `${containerPath} is not mounted`);
      assert.equal(path.dirname(hostPath), path.join(REPO_ROOT, CERTS_DIR));
      assert.ok(DEV_CERT_FILES.includes(path.basename(hostPath)), `${hostPath} is not made by dev-certs.sh`);
    }
  });
});

describe("docker-compose.yml, the cluster profile", () => {
  const nodes = ["tether-node-1", "tether-node-2"];

  test("PostgreSQL and two Tether nodes, all in the `cluster` profile, the default stack untouched", () => {
    for (const name of ["postgres", ...nodes]) assert.deepEqual(compose.services?.[name]?.profiles, ["cluster"], name);
    assert.equal(service("tether").profiles, undefined, "the SQLite node stays in the default profile");
    assert.match(service("postgres").image ?? "", /^postgres:/);
  });

  test("each node points at that PostgreSQL with its credentials, has its own prefix and node_modules, the Admin API on loopback", () => {
    const db = env(service("postgres"));
    const seen = new Set<string>();
    for (const name of nodes) {
      const node = service(name);
      const e = env(node);
      assert.equal(e["TETHER_DATABASE"], "postgres");
      assert.equal(e["TETHER_PG_HOST"], "postgres");
      assert.equal(e["TETHER_PG_USER"], db["POSTGRES_USER"]);
      assert.equal(e["TETHER_PG_PASSWORD"], db["POSTGRES_PASSWORD"]);
      assert.equal(e["TETHER_PG_DATABASE"], db["POSTGRES_DB"]);
      assert.equal(command(node), 'sh -c "npm ci && npm start"');
      for (const { source, target } of mounts(node)) {
        if (target === "/app") continue;
        assert.ok(!seen.has(source), `${name}: volume ${source} is shared with the other node`);
        seen.add(source);
      }
      assert.ok(mounts(node).some((m) => m.target === e["TETHER_PREFIX"]), `${name}: the prefix is a volume of its own`);
      const admin = ports(node).find((p) => p.target === "8001");
      assert.equal(admin?.hostIp, "127.0.0.1", `${name}: Admin API published on loopback only`);
    }
  });
});

describe("scripts/dev-certs.sh", () => {
  test("makes an EC P-256 CA, a server certificate for keycloak/localhost/127.0.0.1 and two client certificates", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tether-dev-certs-"));
    try {
      const out = path.join(dir, "certs");
      await execFileAsync("bash", [path.join(REPO_ROOT, "scripts/dev-certs.sh"), out]);
      assert.deepEqual(fs.readdirSync(out).sort(), [...DEV_CERT_FILES].sort());
      const cert = (name: string) => new X509Certificate(fs.readFileSync(path.join(out, name)));
      const ca = cert("ca.pem");
      assert.equal(ca.ca, true);
      for (const name of ["ca.pem", "server.crt", "client-cert.pem", "other-cert.pem"]) {
        const c = cert(name);
        assert.equal(c.publicKey.asymmetricKeyType, "ec", name);
        assert.equal(c.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1", name);
        assert.ok(c.verify(ca.publicKey), `${name} is not signed by ca.pem`);
      }
      const server = cert("server.crt");
      assert.equal(server.subjectAltName, "DNS:keycloak, DNS:localhost, IP Address:127.0.0.1");
      assert.ok(server.checkHost("keycloak") && server.checkHost("localhost") && server.checkIP("127.0.0.1"));
      assert.deepEqual(server.keyUsage, [SERVER_AUTH_OID]);
      assert.deepEqual(cert("client-cert.pem").keyUsage, [CLIENT_AUTH_OID]);
      assert.notEqual(cert("client-cert.pem").fingerprint256, cert("other-cert.pem").fingerprint256);

      // A second run keeps what is there (running containers trust this CA); --force remakes it.
      const before = fs.readFileSync(path.join(out, "ca.pem"), "utf8");
      const again = await execFileAsync("bash", [path.join(REPO_ROOT, "scripts/dev-certs.sh"), out]);
      assert.match(again.stdout, /already/);
      assert.equal(fs.readFileSync(path.join(out, "ca.pem"), "utf8"), before);
      await execFileAsync("bash", [path.join(REPO_ROOT, "scripts/dev-certs.sh"), "--force", out]);
      assert.notEqual(fs.readFileSync(path.join(out, "ca.pem"), "utf8"), before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("README.md matches docker-compose.yml", () => {
  // README.md is the user's first page: the two commands, the tests, the compose stack and its ports.
  const readmePath = path.join(REPO_ROOT, "README.md");
  test("mentions `docker compose up`, `npm start`, `npm test` and the ports 8001 and 8443", () => {
    assert.ok(fs.existsSync(readmePath), "README.md does not exist yet");
    const readme = fs.readFileSync(readmePath, "utf8");
    for (const text of ["docker compose up", "npm start", "npm test", "8001", "8443"]) {
      assert.ok(readme.includes(text), `README.md does not mention "${text}"`);
    }
  });

  test("docker/keycloak/README.md says how to make the certificates and start the stack", () => {
    const text = read("docker/keycloak/README.md");
    for (const part of ["scripts/dev-certs.sh", "docker compose up", "scripts/demo.sh", "https://keycloak:8443/realms/tether"]) {
      assert.ok(text.includes(part), `docker/keycloak/README.md does not mention "${part}"`);
    }
  });
});
