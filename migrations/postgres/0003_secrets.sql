-- Secrets every node shares (the key of openid-connect session cookies made without a
-- session_secret), created once by whichever node needs one first. Not configuration.
CREATE TABLE secrets (
  name        TEXT COLLATE "C" PRIMARY KEY,
  value       TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
