-- Quote store lookups that must not scan at a million quotes.
--
-- speaker_terms: an inverted index of the words (stemmed, lower-cased) in each speaker's names,
-- aliases and roles, so "what did the South Korean president say" finds the speaker whose role
-- is 'South Korean President' by an indexed lookup per word instead of a LIKE scan of every role.
-- Written by bot/store/quotes.py next to speaker_aliases / speaker_roles (SQL cannot stem words);
-- rows go with their speaker (ON DELETE CASCADE).
CREATE TABLE speaker_terms (
    guild_id    INTEGER NOT NULL,
    term        TEXT NOT NULL,        -- stem of one word: 'presid', 'kishida'
    speaker_id  INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    field       TEXT NOT NULL CHECK (field IN ('name', 'role')),
    PRIMARY KEY (guild_id, term, speaker_id, field)
) WITHOUT ROWID;
CREATE INDEX speaker_terms_speaker ON speaker_terms(speaker_id);

-- Chat quotes by member: /forget-me and "delete my quote" look quotes up by author.
CREATE INDEX quotes_author ON quotes(guild_id, author_id) WHERE author_id IS NOT NULL;

-- Chat speakers are found by their Discord member, whatever display name they had.
CREATE INDEX speakers_discord_user ON speakers(guild_id, discord_user_id) WHERE discord_user_id IS NOT NULL;
