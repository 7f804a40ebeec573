-- Core entities (PostgreSQL). The same tables as migrations/sqlite/0001_init.sql: each row keeps
-- the whole entity as JSON text in `entity`; the other columns exist for uniqueness, foreign keys
-- and lookups. Keys use the "C" collation: ids and names sort bytewise, as in SQLite, so pages,
-- offsets and exports are the same on both backends whatever the database's locale.
CREATE TABLE services (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT COLLATE "C" UNIQUE,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  entity      TEXT NOT NULL
);

CREATE TABLE routes (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT COLLATE "C" UNIQUE,
  service_id  TEXT COLLATE "C" REFERENCES services (id),
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  entity      TEXT NOT NULL
);
CREATE INDEX routes_service_id ON routes (service_id);

CREATE TABLE consumers (
  id          TEXT COLLATE "C" PRIMARY KEY,
  username    TEXT COLLATE "C" UNIQUE,
  custom_id   TEXT COLLATE "C" UNIQUE,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  entity      TEXT NOT NULL
);

-- One instance per plugin name and scope (Kong's cache key), enforced by `cache_key`.
CREATE TABLE plugins (
  id            TEXT COLLATE "C" PRIMARY KEY,
  name          TEXT COLLATE "C" NOT NULL,
  instance_name TEXT COLLATE "C" UNIQUE,
  service_id    TEXT COLLATE "C" REFERENCES services (id) ON DELETE CASCADE,
  route_id      TEXT COLLATE "C" REFERENCES routes (id) ON DELETE CASCADE,
  consumer_id   TEXT COLLATE "C" REFERENCES consumers (id) ON DELETE CASCADE,
  cache_key     TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  entity        TEXT NOT NULL
);
CREATE INDEX plugins_service_id ON plugins (service_id);
CREATE INDEX plugins_route_id ON plugins (route_id);
CREATE INDEX plugins_consumer_id ON plugins (consumer_id);

-- Bumped by every write (with a NOTIFY on the same transaction); nodes reload when it moves.
CREATE TABLE config_version (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  version   BIGINT NOT NULL
);
INSERT INTO config_version (singleton, version) VALUES (1, 0);
