-- Upstreams (load-balanced virtual hosts) and their targets, as migrations/sqlite/0004: a target
-- is unique per upstream (Kong's cache key: upstream, target) and goes with its upstream.
CREATE TABLE upstreams (
  id                     TEXT COLLATE "C" PRIMARY KEY,
  name                   TEXT COLLATE "C" NOT NULL UNIQUE,
  client_certificate_id  TEXT COLLATE "C" REFERENCES certificates (id),
  created_at             BIGINT NOT NULL,
  updated_at             BIGINT NOT NULL,
  entity                 TEXT NOT NULL
);

CREATE TABLE targets (
  id           TEXT COLLATE "C" PRIMARY KEY,
  upstream_id  TEXT COLLATE "C" NOT NULL REFERENCES upstreams (id) ON DELETE CASCADE,
  cache_key    TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  entity       TEXT NOT NULL
);
CREATE INDEX targets_upstream_id ON targets (upstream_id);
