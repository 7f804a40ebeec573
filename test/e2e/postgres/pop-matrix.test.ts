// test/e2e/pop-matrix.test.ts once more, every node on a real PostgreSQL instead of SQLite.
process.env["TETHER_TEST_DATABASE"] = "postgres";
await import("../pop-matrix.test.ts");
