-- Kong's vaults (its `sm_vaults`): a configured vault under a unique prefix, the host part of a
-- `{vault://<prefix>/<name>}` reference. Holds configuration only, never a secret.
CREATE TABLE vaults (
  id          TEXT PRIMARY KEY,
  prefix      TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  entity      TEXT NOT NULL
);
