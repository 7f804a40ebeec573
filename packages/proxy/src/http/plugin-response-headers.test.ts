import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { applyPluginHeadersOnWrite, mergePluginHeaders } from "./plugin-response-headers.ts";

describe("plugin response headers", () => {
  it("Set-Cookie is added to the upstream's; other names replace", () => {
    const headers = { "Set-Cookie": ["app=1"], "x-a": "upstream", other: "kept" };
    mergePluginHeaders(headers, new Map([["set-cookie", ["session=s"]], ["x-a", ["plugin"]]]));
    assert.deepEqual(headers, { other: "kept", "set-cookie": ["app=1", "session=s"], "x-a": "plugin" });
  });

  it("applies on writeHead, whether headers were set one by one or passed, and after installation", async () => {
    const plugin = new Map<string, readonly string[]>();
    const server = createServer((req, res) => {
      applyPluginHeadersOnWrite(res, plugin);
      plugin.set("set-cookie", ["session=s; Path=/"]);
      if (req.url === "/set") {
        res.setHeader("set-cookie", "app=1");
        res.writeHead(200);
      } else res.writeHead(200, "OK", { "Set-Cookie": "app=2", "content-type": "text/plain" });
      res.end("x");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const get = (path: string) =>
      new Promise<string[]>((resolve, reject) => {
        request({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", path }, (res) => {
          res.resume();
          resolve(res.headers["set-cookie"] ?? []);
        })
          .on("error", reject)
          .end();
      });
    try {
      assert.deepEqual(await get("/set"), ["app=1", "session=s; Path=/"]);
      assert.deepEqual(await get("/passed"), ["app=2", "session=s; Path=/"]);
    } finally {
      server.close();
    }
  });
});
