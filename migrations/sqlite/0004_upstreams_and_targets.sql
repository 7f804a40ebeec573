-- Upstreams (load-balanced virtual hosts) and their targets. A target is unique per upstream
-- (Kong's cache key: upstream, target) and goes with its upstream.
CREATE TABLE upstreams (
  id                     TEXT PRIMARY KEY,
  name                   TEXT NOT NULL UNIQUE,
  client_certificate_id  TEXT REFERENCES certificates (id),
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL,
  entity                 TEXT NOT NULL
);

CREATE TABLE targets (
  id           TEXT PRIMARY KEY,
  upstream_id  TEXT NOT NULL REFERENCES upstreams (id) ON DELETE CASCADE,
  cache_key    TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  entity       TEXT NOT NULL
);
CREATE INDEX targets_upstream_id ON targets (upstream_id);
