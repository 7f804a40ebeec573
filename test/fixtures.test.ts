// Proves the e2e fixtures are real: a real IdP over mutual TLS, real openssl
// certificates, thumbprints that agree with an independent openssl computation.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { Agent, request } from 'undici';
import { CLIENTS, type Idp, startIdp } from './fixtures/idp/index.ts';
import { createPki, type TestPki, thumbprint } from './fixtures/pki/index.ts';
import { type Echo, startEcho } from './fixtures/upstream/index.ts';

const { certBound, unbound, gateway } = CLIENTS;

/** x5t#S256 computed without Node's crypto, as an operator would. */
function opensslThumbprint(certPath: string): string {
  const pipeline = 'openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | openssl base64 -A';
  const b64 = execFileSync('sh', ['-c', pipeline, 'sh', certPath], { encoding: 'utf8' }).trim();
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function accessToken(body: unknown): string {
  assert.ok(isRecord(body) && typeof body.access_token === 'string', `no access_token in ${JSON.stringify(body)}`);
  return body.access_token;
}

function cnfThumbprint(claims: Record<string, unknown>): unknown {
  return isRecord(claims.cnf) ? claims.cnf['x5t#S256'] : undefined;
}

async function getJson(url: string, dispatcher: Agent, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: unknown }> {
  const res = await request(url, { dispatcher, ...init });
  return { status: res.statusCode, body: await res.body.json() };
}

describe('test fixtures', () => {
  let pki: TestPki;
  let idp: Idp;
  let trustCa: Agent; // trusts the test CA, presents no client certificate
  let discovery: Record<string, unknown>;
  let jwks: ReturnType<typeof createLocalJWKSet>;

  before(async () => {
    pki = createPki();
    idp = await startIdp({ pki });
    trustCa = new Agent({ connect: { ca: pki.ca.cert } });
    const d = await getJson(`${idp.issuer}/.well-known/openid-configuration`, trustCa);
    assert.equal(d.status, 200);
    assert.ok(isRecord(d.body));
    discovery = d.body;
    const k = await getJson(String(discovery.jwks_uri), trustCa);
    jwks = createLocalJWKSet(k.body as JSONWebKeySet);
  });

  after(async () => {
    await trustCa?.close();
    await idp?.stop();
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  test('discovery: Keycloak-style issuer, token endpoint at <issuer>/token, mTLS advertised', () => {
    assert.match(idp.issuer, /^https:\/\/localhost:\d+\/realms\/master$/);
    assert.equal(discovery.issuer, idp.issuer);
    assert.equal(discovery.token_endpoint, `${idp.issuer}/token`);
    assert.equal(discovery.tls_client_certificate_bound_access_tokens, true);
    assert.equal(typeof discovery.introspection_endpoint, 'string');
  });

  test('PKI: openssl and node:crypto agree on thumbprints; expired cert really is expired', () => {
    const alice = thumbprint(pki.clients.alice.cert);
    assert.match(alice, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(alice, opensslThumbprint(pki.clients.alice.certPath));
    assert.notEqual(alice, thumbprint(pki.clients.bob.cert));
    const verify = (cert: string) =>
      spawnSync('openssl', ['verify', '-CAfile', pki.ca.certPath, cert], { encoding: 'utf8' });
    assert.equal(verify(pki.clients.alice.certPath).status, 0);
    assert.equal(verify(pki.server.certPath).status, 0);
    assert.notEqual(verify(pki.clients.mallory.certPath).status, 0, 'mallory is signed by otherCa');
    const expired = verify(pki.expiredClient.certPath);
    assert.notEqual(expired.status, 0);
    assert.match(expired.stdout + expired.stderr, /certificate has expired/);
  });

  test('(a) cert-bound + alice cert: at+jwt with cnf.x5t#S256 = alice thumbprint (node and openssl)', async () => {
    const res = await idp.token({ ...certBound, cert: pki.clients.alice });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const token = accessToken(res.body);
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: idp.issuer, audience: 'https://api.tether.test', typ: 'at+jwt' });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.client_id, 'cert-bound');
    assert.equal(cnfThumbprint(payload), thumbprint(pki.clients.alice.cert));
    assert.equal(cnfThumbprint(payload), opensslThumbprint(pki.clients.alice.certPath));
  });

  test('(b) cert-bound without a certificate: 400 invalid_grant', async () => {
    const res = await idp.token(certBound);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'invalid_grant', error_description: 'grant request is invalid' });
  });

  test('(c) unbound: JWT without cnf', async () => {
    const res = await idp.token({ ...unbound, scope: 'read' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { payload } = await jwtVerify(accessToken(res.body), jwks, { issuer: idp.issuer, typ: 'at+jwt' });
    assert.equal(payload.sub, 'unbound');
    assert.equal(payload.scope, 'read');
    assert.equal(payload.cnf, undefined);
  });

  test('(d) opaque resource: opaque token, introspected by tether-gateway with cnf', async () => {
    const res = await idp.token({ ...certBound, cert: pki.clients.alice, resource: 'urn:tether:opaque' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const token = accessToken(res.body);
    assert.equal(token.split('.').length, 1, 'opaque, not a JWT');

    const basic = Buffer.from(`${gateway.clientId}:${gateway.clientSecret}`).toString('base64');
    const introspect = await getJson(String(discovery.introspection_endpoint), trustCa, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    assert.equal(introspect.status, 200);
    assert.ok(isRecord(introspect.body));
    assert.equal(introspect.body.active, true);
    assert.equal(introspect.body.client_id, 'cert-bound');
    assert.equal(introspect.body.aud, 'urn:tether:opaque');
    assert.equal(cnfThumbprint(introspect.body), thumbprint(pki.clients.alice.cert));
  });

  test('(e) ES256 resource: ES256-signed JWT', async () => {
    const res = await idp.token({ ...certBound, cert: pki.clients.bob, resource: 'urn:tether:es256' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const token = accessToken(res.body);
    assert.equal(decodeProtectedHeader(token).alg, 'ES256');
    const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer, audience: 'urn:tether:es256', algorithms: ['ES256'] });
    assert.equal(cnfThumbprint(payload), thumbprint(pki.clients.bob.cert));
  });

  test('(f) httpie CLI gets a bound token', async (t) => {
    if (spawnSync('sh', ['-c', 'command -v http'], { encoding: 'utf8' }).status !== 0) {
      t.skip('httpie (http) not installed');
      return;
    }
    const alice = pki.clients.alice;
    // Async: the IdP runs in this process, so a blocking exec would deadlock it.
    const { stdout } = await promisify(execFile)('http', [
      '--ignore-stdin', '--check-status', `--verify=${pki.ca.certPath}`,
      '--cert', alice.certPath, '--cert-key', alice.keyPath,
      '-f', 'post', `${idp.issuer}/token`,
      `client_id=${certBound.clientId}`, `client_secret=${certBound.clientSecret}`, 'grant_type=client_credentials',
    ], { encoding: 'utf8', timeout: 20_000 });
    const claims = decodeJwt(accessToken(JSON.parse(stdout)));
    assert.equal(cnfThumbprint(claims), opensslThumbprint(alice.certPath));
  });

  test('IdP binds to any presented cert, even one from an untrusted CA (the gateway must check trust)', async () => {
    const res = await idp.token({ ...certBound, cert: pki.clients.mallory });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(cnfThumbprint(decodeJwt(accessToken(res.body))), thumbprint(pki.clients.mallory.cert));
  });

  test('unknown resource indicator: 400 invalid_target', async () => {
    const res = await idp.token({ ...unbound, resource: 'urn:tether:nope' });
    assert.equal(res.status, 400);
    assert.ok(isRecord(res.body));
    assert.equal(res.body.error, 'invalid_target');
  });

  test('sign(): forged tokens verify against the IdP JWKS', async () => {
    const now = Math.floor(Date.now() / 1000);
    const rs = await idp.sign({ iss: idp.issuer, sub: 'forged', exp: now - 60 });
    assert.equal(decodeProtectedHeader(rs).typ, 'at+jwt');
    await assert.rejects(jwtVerify(rs, jwks), { code: 'ERR_JWT_EXPIRED' });
    const es = await idp.sign({ iss: idp.issuer, sub: 'forged' }, { alg: 'ES256' });
    const { protectedHeader } = await jwtVerify(es, jwks, { issuer: idp.issuer });
    assert.equal(protectedHeader.alg, 'ES256');
    const unknownKid = await idp.sign({ sub: 'x' }, { kid: 'not-published' });
    await assert.rejects(jwtVerify(unknownKid, jwks), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });
});

describe('IdP restart', () => {
  let pki: TestPki;
  const started: Idp[] = [];

  before(() => {
    pki = createPki();
  });
  after(async () => {
    for (const idp of started) await idp.stop();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  test('restarts on the same port with the same keys', async () => {
    const first = await startIdp({ pki });
    started.push(first);
    const firstToken = await first.token({ ...certBound, cert: pki.clients.alice });
    await first.stop();
    const second = await startIdp({ pki, keys: first.keys, port: first.port });
    started.push(second);
    assert.equal(second.issuer, first.issuer);
    const again = await second.token({ ...certBound, cert: pki.clients.alice });
    assert.equal(again.status, 200);
    assert.equal(decodeProtectedHeader(accessToken(again.body)).kid, decodeProtectedHeader(accessToken(firstToken.body)).kid);
  });
});

describe('echo upstream', () => {
  let echo: Echo;
  before(async () => {
    echo = await startEcho();
  });
  after(async () => {
    await echo.stop();
  });

  test('echoes method, url, headers and body; /delay/<ms> delays', async () => {
    const started = performance.now();
    const res = await fetch(`${echo.url}/a/delay/150?x=1`, { method: 'POST', body: 'héllo', headers: { 'x-test': '1' } });
    const elapsed = performance.now() - started;
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body: unknown = await res.json();
    assert.ok(isRecord(body));
    assert.equal(body.method, 'POST');
    assert.equal(body.url, '/a/delay/150?x=1');
    assert.equal(body.body, 'héllo');
    assert.ok(isRecord(body.headers) && body.headers['x-test'] === '1');
    assert.ok(elapsed >= 140, `waited only ${elapsed} ms`);
    assert.equal(echo.requests.length, 1);
  });
});
