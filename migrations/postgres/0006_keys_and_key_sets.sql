-- Kong's key sets and keys, as migrations/sqlite/0006: a key's kid is unique within its set
-- (Kong's cache key: kid, set) and a key goes with its set.
CREATE TABLE key_sets (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT COLLATE "C" UNIQUE,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  entity      TEXT NOT NULL
);

CREATE TABLE keys (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT COLLATE "C" UNIQUE,
  set_id      TEXT COLLATE "C" REFERENCES key_sets (id) ON DELETE CASCADE,
  cache_key   TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  entity      TEXT NOT NULL
);
CREATE INDEX keys_set_id ON keys (set_id);
