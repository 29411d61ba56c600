-- Parley schema, version 1: all three jobs (summaries, quotes, comments), per guild.
-- Guild 0 is the local guild used by the CLI (ingest, ask) outside Discord.
-- Times are UTC ISO-8601 text ('2026-11-27T23:59:00+00:00'); Discord ids are INTEGER snowflakes.

CREATE TABLE guilds (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
);
INSERT INTO guilds (id, name) VALUES (0, 'local');

-- Articles ------------------------------------------------------------------------------------
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    external_id   TEXT,              -- id given by the caller (JSONL record id), if any
    url           TEXT,              -- URL the article was fetched from
    canonical_url TEXT,              -- normalised canonical URL, the first dedupe key
    title         TEXT NOT NULL DEFAULT '',
    author        TEXT,
    published_at  TEXT,
    site_name     TEXT,
    language      TEXT,
    text          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,     -- hash of the normalised text, the second dedupe key
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    UNIQUE (guild_id, canonical_url),
    UNIQUE (guild_id, content_hash),
    UNIQUE (guild_id, external_id)
);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content='articles', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;

CREATE TABLE summaries (
    article_id  INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,       -- one sentence per line
    method      TEXT NOT NULL,       -- 'extractive' | 'llm' | 'llm-fallback'
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
);

-- Feeds ---------------------------------------------------------------------------------------
CREATE TABLE feeds (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    url            TEXT NOT NULL,
    channel_id     INTEGER,          -- where new entries are posted (NULL: CLI ingest only)
    mode           TEXT NOT NULL DEFAULT 'thread' CHECK (mode IN ('thread', 'forum')),
    interval_s     INTEGER NOT NULL DEFAULT 1800,
    title          TEXT,
    etag           TEXT,
    last_modified  TEXT,
    seeded         INTEGER NOT NULL DEFAULT 0,  -- first poll done: current entries marked seen
    last_polled_at TEXT,
    next_poll_at   TEXT,
    last_error     TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    UNIQUE (guild_id, url, channel_id)
);
CREATE INDEX feeds_due ON feeds(next_poll_at);

CREATE TABLE feed_entries (
    id           INTEGER PRIMARY KEY,
    feed_id      INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_key    TEXT NOT NULL,      -- guid, else link, else hash of title + date
    link         TEXT,
    title        TEXT,
    published_at TEXT,
    status       TEXT NOT NULL CHECK (status IN ('seen', 'queued', 'ingested', 'skipped')),
    reason       TEXT,               -- why an entry was skipped or only marked seen
    article_id   INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    seen_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    UNIQUE (feed_id, entry_key)
);

-- Posts (exactly-once outbox) -----------------------------------------------------------------
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL,
    mode        TEXT NOT NULL DEFAULT 'thread' CHECK (mode IN ('thread', 'forum')),
    nonce       TEXT NOT NULL UNIQUE, -- derived from the row; sent with enforce_nonce
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    message_id  INTEGER,
    thread_id   INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    sent_at     TEXT,
    UNIQUE (article_id, channel_id)
);
CREATE INDEX outbox_pending ON outbox(state, created_at);

-- Quotes --------------------------------------------------------------------------------------
CREATE TABLE speakers (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    canonical_name  TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'organisation', 'unnamed')),
    discord_user_id INTEGER,          -- set for chat speakers (Save as quote)
    UNIQUE (guild_id, canonical_name)
);

CREATE TABLE speaker_aliases (
    speaker_id  INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    alias       TEXT NOT NULL,        -- as written: 'Prime Minister Ishiba'
    alias_norm  TEXT NOT NULL,        -- lower-cased, punctuation-free form used for lookups
    PRIMARY KEY (speaker_id, alias_norm)
);
CREATE INDEX speaker_aliases_norm ON speaker_aliases(alias_norm);

CREATE TABLE speaker_roles (
    speaker_id  INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,        -- 'Japanese Prime Minister'
    role_norm   TEXT NOT NULL,
    PRIMARY KEY (speaker_id, role_norm)
);
CREATE INDEX speaker_roles_norm ON speaker_roles(role_norm);

CREATE TABLE quotes (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    article_id      INTEGER REFERENCES articles(id) ON DELETE CASCADE,  -- NULL for chat quotes
    speaker_id      INTEGER REFERENCES speakers(id) ON DELETE SET NULL,
    speaker_mention TEXT,
    text            TEXT NOT NULL,
    start           INTEGER,
    "end"           INTEGER,
    cue             TEXT,
    partial         INTEGER NOT NULL DEFAULT 0,
    named           INTEGER NOT NULL DEFAULT 1,
    context         TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL DEFAULT 'article' CHECK (source IN ('article', 'chat')),
    channel_id      INTEGER,          -- chat quotes: where the message was
    message_id      INTEGER,          -- chat quotes: the saved message
    author_id       INTEGER,          -- chat quotes: the member who said it
    saved_by        INTEGER,          -- chat quotes: the member who saved it
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    UNIQUE (guild_id, message_id)
);
CREATE INDEX quotes_article ON quotes(article_id);
CREATE INDEX quotes_speaker ON quotes(speaker_id);
CREATE INDEX quotes_guild ON quotes(guild_id);

CREATE VIRTUAL TABLE quotes_fts USING fts5(
    text, speaker_mention, context, content='quotes', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER quotes_ai AFTER INSERT ON quotes BEGIN
    INSERT INTO quotes_fts(rowid, text, speaker_mention, context)
    VALUES (new.id, new.text, coalesce(new.speaker_mention, ''), new.context);
END;
CREATE TRIGGER quotes_ad AFTER DELETE ON quotes BEGIN
    INSERT INTO quotes_fts(quotes_fts, rowid, text, speaker_mention, context)
    VALUES ('delete', old.id, old.text, coalesce(old.speaker_mention, ''), old.context);
END;
CREATE TRIGGER quotes_au AFTER UPDATE OF text, speaker_mention, context ON quotes BEGIN
    INSERT INTO quotes_fts(quotes_fts, rowid, text, speaker_mention, context)
    VALUES ('delete', old.id, old.text, coalesce(old.speaker_mention, ''), old.context);
    INSERT INTO quotes_fts(rowid, text, speaker_mention, context)
    VALUES (new.id, new.text, coalesce(new.speaker_mention, ''), new.context);
END;

-- Comment threads -----------------------------------------------------------------------------
CREATE TABLE threads (
    id                  INTEGER PRIMARY KEY,  -- Discord thread (or forum post) id
    guild_id            INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    article_id          INTEGER NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
    channel_id          INTEGER NOT NULL,      -- parent text or forum channel
    starter_message_id  INTEGER,
    kind                TEXT NOT NULL DEFAULT 'thread' CHECK (kind IN ('thread', 'forum')),
    last_message_id     INTEGER,               -- newest message stored: history sync resumes after it
    archived            INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
);
CREATE INDEX threads_guild ON threads(guild_id);

CREATE TABLE comments (
    message_id   INTEGER PRIMARY KEY,          -- Discord message id: the idempotency key
    guild_id     INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    thread_id    INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    parent_id    INTEGER,                      -- replied-to message id (no FK: it may arrive later)
    author_id    INTEGER,
    author_name  TEXT,
    content      TEXT NOT NULL DEFAULT '',
    attachments  TEXT NOT NULL DEFAULT '[]',   -- JSON list of attachment URLs
    created_at   TEXT NOT NULL,
    edited_at    TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,   -- tombstone: kept because it has replies
    deleted_at   TEXT
);
CREATE INDEX comments_thread ON comments(thread_id, message_id);
CREATE INDEX comments_parent ON comments(parent_id);
CREATE INDEX comments_author ON comments(guild_id, author_id);

CREATE VIRTUAL TABLE comments_fts USING fts5(
    content, content='comments', content_rowid='message_id', tokenize='porter unicode61'
);
CREATE TRIGGER comments_ai AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts(rowid, content) VALUES (new.message_id, new.content);
END;
CREATE TRIGGER comments_ad AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, content) VALUES ('delete', old.message_id, old.content);
END;
CREATE TRIGGER comments_au AFTER UPDATE OF content ON comments BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, content) VALUES ('delete', old.message_id, old.content);
    INSERT INTO comments_fts(rowid, content) VALUES (new.message_id, new.content);
END;
