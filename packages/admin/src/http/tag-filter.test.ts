import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KongError } from "@tether/core";
import { parseTagFilter } from "./tag-filter.ts";

function refusal(raw: string | string[]): unknown {
  try {
    parseTagFilter(raw);
  } catch (error) {
    assert.ok(error instanceof KongError);
    assert.equal(error.status, 400);
    return error.body;
  }
  assert.fail(`expected ${JSON.stringify(raw)} to be refused`);
}

const invalid = (reason: string) => ({
  code: 11,
  name: "invalid options",
  message: `invalid option (tags: ${reason})`,
  options: { tags: reason },
});

describe("parseTagFilter (Kong's ?tags=)", () => {
  it("no argument, no filter", () => {
    assert.equal(parseTagFilter(undefined), undefined);
  });

  it("`,` wants every tag, `/` any of them; one tag is an `all` of one", () => {
    assert.deepEqual(parseTagFilter("a"), { tags: ["a"], match: "all" });
    assert.deepEqual(parseTagFilter("a,b,c"), { tags: ["a", "b", "c"], match: "all" });
    assert.deepEqual(parseTagFilter("a/b"), { tags: ["a", "b"], match: "any" });
  });

  it("spaces, punctuation and non-ASCII are tag characters", () => {
    assert.deepEqual(parseTagFilter("with space,caf\u00e9"), { tags: ["with space", "caf\u00e9"], match: "all" });
    assert.deepEqual(parseTagFilter("a.b-c_d~e:f@g"), { tags: ["a.b-c_d~e:f@g"], match: "all" });
  });

  it("a trailing separator ends the list, as Kong's pattern reads it", () => {
    assert.deepEqual(parseTagFilter("a,"), { tags: ["a"], match: "all" });
    assert.deepEqual(parseTagFilter("a/"), { tags: ["a"], match: "any" });
  });

  it("with the argument repeated, the first counts", () => {
    assert.deepEqual(parseTagFilter(["a/b", "c"]), { tags: ["a", "b"], match: "any" });
  });

  it("an empty value cannot be null", () => {
    assert.deepEqual(refusal(""), invalid("cannot be null"));
    assert.deepEqual(refusal(["", "a"]), invalid("cannot be null"));
  });

  it("mixed separators, empty tags and control characters are invalid filter syntax", () => {
    for (const raw of ["a,b/c", "a/b,c", ",a", "/a", "a,,b", "a//b", ",", "/", "a\tb", "a\u0000"])
      assert.deepEqual(refusal(raw), invalid("invalid filter syntax"), JSON.stringify(raw));
  });

  it("at most five tags", () => {
    assert.deepEqual(parseTagFilter("1,2,3,4,5")?.tags.length, 5);
    assert.deepEqual(refusal("1,2,3,4,5,6"), invalid("cannot query more than 5 tags"));
    assert.deepEqual(refusal("1/2/3/4/5/6"), invalid("cannot query more than 5 tags"));
  });
});
