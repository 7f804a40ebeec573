import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { bundledPlugins } from "@tether/plugins";
import { openSqliteStore } from "@tether/store";
import { createAdminApp } from "../app.ts";
import { adminGuiOrigins, corsAnswer } from "./cors.ts";

describe("adminGuiOrigins (Kong's admin_gui_origin)", () => {
  it("each admin_gui_url cut to scheme://authority, as text or as a list", () => {
    assert.deepEqual(adminGuiOrigins("https://km.example.com:8445/manager/, http://localhost:8002"), ["https://km.example.com:8445", "http://localhost:8002"]);
    assert.deepEqual(adminGuiOrigins(["https://km.example.com/x"]), ["https://km.example.com"]);
  });

  it("unset, empty or unparsable: no restriction", () => {
    assert.deepEqual(adminGuiOrigins(undefined), []);
    assert.deepEqual(adminGuiOrigins(""), []);
    assert.deepEqual(adminGuiOrigins(["not a url"]), []);
  });
});

describe("corsAnswer (Kong's cors_filter)", () => {
  const gui = ["https://a.example", "https://b.example"];

  it("without admin_gui_url the request's Origin is echoed, with credentials", () => {
    assert.deepEqual(corsAnswer("https://any.example", []), { origin: "https://any.example", credentials: true });
  });

  it("without an Origin: `*`, and never together with credentials", () => {
    assert.deepEqual(corsAnswer(undefined, []), { origin: "*", credentials: false });
  });

  it("with admin_gui_url: a listed Origin is echoed, any other gets the first GUI origin", () => {
    assert.deepEqual(corsAnswer("https://b.example", gui), { origin: "https://b.example", credentials: true });
    assert.deepEqual(corsAnswer("https://evil.example", gui), { origin: "https://a.example", credentials: true });
    assert.deepEqual(corsAnswer(undefined, gui), { origin: "https://a.example", credentials: true });
  });
});

describe("the Admin API with admin_gui_url in its configuration", () => {
  it("only the GUI's origins are echoed; a preflight needs no token; a refused request still carries CORS", async () => {
    const store = await openSqliteStore(":memory:");
    const app = createAdminApp({
      store,
      plugins: bundledPlugins,
      version: "0.0.0-test",
      nodeId: "00000000-0000-4000-8000-000000000000",
      configuration: { admin_gui_url: "http://gui.example:8002/manager/, https://gui.example" },
      stats: () => ({ total_requests: 0, connections_active: 0, connections_accepted: 0, connections_handled: 0, connections_reading: 0, connections_writing: 0, connections_waiting: 0 }),
      appliedConfigVersion: () => 0,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      adminToken: "t0ken",
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const origin = async (from: string | undefined, init: RequestInit = {}): Promise<Response> =>
      fetch(`${base}/services`, { ...init, headers: { ...(from ? { origin: from } : {}), ...(init.headers as Record<string, string>) } });
    try {
      const listed = await origin("https://gui.example", { headers: { authorization: "Bearer t0ken" } });
      assert.equal(listed.status, 200);
      assert.equal(listed.headers.get("access-control-allow-origin"), "https://gui.example");
      assert.equal(listed.headers.get("access-control-allow-credentials"), "true");
      const other = await origin("https://evil.example", { headers: { authorization: "Bearer t0ken" } });
      assert.equal(other.headers.get("access-control-allow-origin"), "http://gui.example:8002", "the first GUI origin, which the browser refuses for evil.example");
      assert.equal((await origin(undefined)).headers.get("access-control-allow-origin"), "http://gui.example:8002");
      const preflight = await origin("http://gui.example:8002", {
        method: "OPTIONS",
        headers: { "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization,content-type");
      assert.equal(preflight.headers.get("access-control-allow-origin"), "http://gui.example:8002");
      const refused = await origin("https://gui.example");
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get("access-control-allow-origin"), "https://gui.example");
      assert.match(refused.headers.get("vary") ?? "", /Origin/);
    } finally {
      server.close();
      await store.close();
    }
  });
});
