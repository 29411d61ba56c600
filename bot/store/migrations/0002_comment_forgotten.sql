-- /forget-me: remember, per guild, up to which message a member asked to be forgotten, so a later
-- history sync (which re-reads old messages still on Discord) does not store them again.
-- Messages with id <= before_id by that author in that guild are never stored; newer ones are.
CREATE TABLE comment_forgotten (
    guild_id      INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    author_id     INTEGER NOT NULL,
    before_id     INTEGER NOT NULL,      -- snowflake of the /forget-me request
    forgotten_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    PRIMARY KEY (guild_id, author_id)
);
