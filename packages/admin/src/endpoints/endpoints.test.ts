import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Router } from "@koa/router";
import { compareEndpoints, kongPath, listEndpoints } from "./endpoints.ts";

describe("/endpoints", () => {
  it("path parameters in Kong's {name} notation", () => {
    assert.equal(kongPath("/services/:services/routes/:routes"), "/services/{services}/routes/{routes}");
    assert.equal(kongPath("/schemas/:db_entity_name/validate"), "/schemas/{db_entity_name}/validate");
  });

  it("sorted segment by segment: a path's sub-paths follow it", () => {
    assert.deepEqual(["/ab", "/a/z", "/a", "/ab/a", "/"].sort(compareEndpoints), ["/", "/a", "/a/z", "/ab", "/ab/a"]);
  });

  it("read from the router: every registered path once, whatever its methods", () => {
    const router = new Router();
    const noop = (): void => undefined;
    router.get("/services", noop);
    router.post("/services", noop);
    router.get("/services/:services", noop);
    router.delete("/services/:services", noop);
    router.get("/", noop);
    router.get("/services-x", noop);
    assert.deepEqual(listEndpoints(router), ["/", "/services", "/services/{services}", "/services-x"]);
  });
});
