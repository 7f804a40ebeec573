-- Secrets every node of an installation shares (the key of openid-connect session cookies made
-- without a session_secret). Not configuration: writing one does not move config_version.
CREATE TABLE secrets (
  name        TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
