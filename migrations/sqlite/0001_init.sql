-- Core entities. Each row keeps the whole entity as JSON in `entity`; the other columns exist
-- for uniqueness, foreign keys and lookups, and are written from the same entity.
CREATE TABLE services (
  id          TEXT PRIMARY KEY,
  name        TEXT UNIQUE,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  entity      TEXT NOT NULL
);

CREATE TABLE routes (
  id          TEXT PRIMARY KEY,
  name        TEXT UNIQUE,
  service_id  TEXT REFERENCES services (id),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  entity      TEXT NOT NULL
);
CREATE INDEX routes_service_id ON routes (service_id);

CREATE TABLE consumers (
  id          TEXT PRIMARY KEY,
  username    TEXT UNIQUE,
  custom_id   TEXT UNIQUE,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  entity      TEXT NOT NULL
);

-- One instance per plugin name and scope (Kong's cache key), enforced by `cache_key`.
CREATE TABLE plugins (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  instance_name TEXT UNIQUE,
  service_id    TEXT REFERENCES services (id) ON DELETE CASCADE,
  route_id      TEXT REFERENCES routes (id) ON DELETE CASCADE,
  consumer_id   TEXT REFERENCES consumers (id) ON DELETE CASCADE,
  cache_key     TEXT NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  entity        TEXT NOT NULL
);
CREATE INDEX plugins_service_id ON plugins (service_id);
CREATE INDEX plugins_route_id ON plugins (route_id);
CREATE INDEX plugins_consumer_id ON plugins (consumer_id);

-- Bumped by every write; the proxy polls it and recompiles its snapshot when it moves.
CREATE TABLE config_version (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  version   INTEGER NOT NULL
);
INSERT INTO config_version (singleton, version) VALUES (1, 0);
