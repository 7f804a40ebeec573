import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withoutQueryArgs } from "./query-args.ts";

describe("withoutQueryArgs", () => {
  const drop = new Set(["access_token"]);
  const cases: [string, string][] = [
    ["", ""],
    ["?", "?"],
    ["?access_token=x", ""],
    ["?a=1&access_token=x&b=a+b%20c", "?a=1&b=a+b%20c"],
    ["?access%5Ftoken=x&a", "?a"],
    ["?access_token=x&access_token=y&z=", "?z="],
    ["?access_tokens=x", "?access_tokens=x"],
    ["?%zz=1&access_token", "?%zz=1"],
  ];
  for (const [input, expected] of cases) it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(withoutQueryArgs(input, drop), expected));
  it("keeps the query when nothing is dropped", () => assert.equal(withoutQueryArgs("?access_token=x", new Set()), "?access_token=x"));
});
