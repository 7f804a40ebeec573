import assert from "node:assert/strict";
import { it } from "node:test";
import { addError, formatErrors, type ErrorTree } from "./errors.ts";

it("prints errors the way `kong config db_import` does", () => {
  const tree: ErrorTree = {};
  addError(tree, ["services", 2, "routes", 1], { paths: ["should start with: / (fixed path) or ~/ (regex path)", null, "must not have empty segments"] });
  addError(tree, ["services", 10], "uniqueness violation: 'services' entity with name set to 'a' already declared");
  addError(tree, ["services", 2, "host"], "required field missing");
  addError(tree, ["_format_version"], "required field missing");
  addError(tree, ["services", 10, "port"], "value should be between 0 and 65535");
  addError(tree, ["services", 2, "host"], "a second message for a field keeps the first");
  assert.equal(
    formatErrors(tree),
    [
      "in '_format_version': required field missing",
      "in 'services':",
      "  - in entry 2 of 'services':",
      "    in 'host': required field missing",
      "    in 'routes':",
      "      - in entry 1 of 'routes':",
      "        in 'paths':",
      "          - in entry 1 of 'paths': should start with: / (fixed path) or ~/ (regex path)",
      "          - in entry 3 of 'paths': must not have empty segments",
      "  - in entry 10 of 'services':",
      "    in '@entity':",
      "      - in entry 1 of '@entity': uniqueness violation: 'services' entity with name set to 'a' already declared",
      "    in 'port': value should be between 0 and 65535",
    ].join("\n"),
  );
});
