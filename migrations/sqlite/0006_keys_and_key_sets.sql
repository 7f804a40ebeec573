-- Kong's key sets and keys. A key's kid is unique within its set (Kong's cache key: kid, set;
-- keys in no set share one namespace) and a key goes with its set.
CREATE TABLE key_sets (
  id          TEXT PRIMARY KEY,
  name        TEXT UNIQUE,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  entity      TEXT NOT NULL
);

CREATE TABLE keys (
  id          TEXT PRIMARY KEY,
  -- SQLite checks UNIQUE constraints last-declared first: cache_key before name, so a key whose name
  -- and kid both clash is reported on its name, as Kong's (name UNIQUE comes first in 017_300_to_310).
  cache_key   TEXT NOT NULL UNIQUE,
  name        TEXT UNIQUE,
  set_id      TEXT REFERENCES key_sets (id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  entity      TEXT NOT NULL
);
CREATE INDEX keys_set_id ON keys (set_id);
