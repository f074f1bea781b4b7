-- Viewer tokens and sign-in sessions. A token's role: writer (reads and writes its project,
-- as every token made before) or viewer (reads only). A session is what a browser's cookie
-- names after signing in with a token at the service's pages: only a hash of its random id
-- is kept, with the hash of the token it was opened with (revoking the token ends it) and
-- when it expires.

ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'writer';

CREATE TABLE api_sessions (
    session_hash TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL,
    created_at   REAL NOT NULL,
    expires_at   REAL NOT NULL
);
CREATE INDEX api_sessions_expires ON api_sessions (expires_at);
