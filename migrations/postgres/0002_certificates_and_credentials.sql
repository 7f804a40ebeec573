-- Server certificates and their SNIs, trusted CA certificates, and mtls-auth's credentials
-- (PostgreSQL twin of migrations/sqlite/0002).
CREATE TABLE certificates (
  id          TEXT COLLATE "C" PRIMARY KEY,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  entity      TEXT NOT NULL
);

CREATE TABLE snis (
  id              TEXT COLLATE "C" PRIMARY KEY,
  name            TEXT COLLATE "C" NOT NULL UNIQUE,
  certificate_id  TEXT COLLATE "C" NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  entity          TEXT NOT NULL
);
CREATE INDEX snis_certificate_id ON snis (certificate_id);

CREATE TABLE ca_certificates (
  id           TEXT COLLATE "C" PRIMARY KEY,
  cert_digest  TEXT COLLATE "C" UNIQUE,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  entity       TEXT NOT NULL
);

-- One mapping per (subject_name, ca_certificate), Kong's cache key for this entity.
CREATE TABLE mtls_auth_credentials (
  id                 TEXT COLLATE "C" PRIMARY KEY,
  consumer_id        TEXT COLLATE "C" NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
  ca_certificate_id  TEXT COLLATE "C" REFERENCES ca_certificates (id),
  cache_key          TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  entity             TEXT NOT NULL
);
CREATE INDEX mtls_auth_credentials_consumer_id ON mtls_auth_credentials (consumer_id);

-- A service's client certificate (for mTLS to its upstream) cannot be deleted while in use.
ALTER TABLE services ADD COLUMN client_certificate_id TEXT COLLATE "C" REFERENCES certificates (id);
