// test/e2e/keys.test.ts once more, every node on a real PostgreSQL instead of SQLite.
process.env["TETHER_TEST_DATABASE"] = "postgres";
await import("../keys.test.ts");
