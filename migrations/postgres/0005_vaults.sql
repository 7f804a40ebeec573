-- Kong's vaults (its `sm_vaults`), as migrations/sqlite/0005: a configured vault under a unique
-- prefix, the host part of a `{vault://<prefix>/<name>}` reference. Never a secret.
CREATE TABLE vaults (
  id          TEXT COLLATE "C" PRIMARY KEY,
  prefix      TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  entity      TEXT NOT NULL
);
