-- Tokens for the ingest service: only a hash of each is kept; a token writes one project.

CREATE TABLE api_tokens (
    token_hash  TEXT PRIMARY KEY,
    project     TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL,
    revoked_at  REAL
);
