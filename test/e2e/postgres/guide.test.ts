// test/e2e/guide.test.ts once more, every node on a real PostgreSQL instead of SQLite.
process.env["TETHER_TEST_DATABASE"] = "postgres";
await import("../guide.test.ts");
