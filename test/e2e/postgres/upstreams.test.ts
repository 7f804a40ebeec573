// test/e2e/upstreams.test.ts once more, every node on a real PostgreSQL instead of SQLite.
process.env["TETHER_TEST_DATABASE"] = "postgres";
await import("../upstreams.test.ts");
