-- One row per watch session that commits through the cursor store: its committed upstream position.
CREATE TABLE watch_session (
    session_key       VARCHAR(200) PRIMARY KEY,
    upstream_cursor   VARCHAR      NOT NULL,
    upstream_sequence BIGINT,
    epoch             BIGINT       NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE  NOT NULL
);

-- One row per journaled session: the newest offset given and the upstream position journaled last.
-- Only appends change it, in the transaction that inserts the entries.
CREATE TABLE journal_session (
    session_key       VARCHAR(200) PRIMARY KEY,
    head_offset       BIGINT       NOT NULL,
    upstream_cursor   VARCHAR,
    upstream_sequence BIGINT,
    epoch             BIGINT       NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE  NOT NULL
);

-- The notifications a session received, numbered by a per-session offset that only grows.
CREATE TABLE journal_entry (
    session_key       VARCHAR(200) NOT NULL,
    entry_offset      BIGINT       NOT NULL,
    epoch             BIGINT       NOT NULL,
    upstream_cursor   VARCHAR      NOT NULL,
    upstream_sequence BIGINT,
    event_type        VARCHAR      NOT NULL,
    event_time        TIMESTAMP WITH TIME ZONE,
    entry_time        TIMESTAMP WITH TIME ZONE  NOT NULL,
    journaled_at      TIMESTAMP WITH TIME ZONE  NOT NULL,
    identifier        VARCHAR      NOT NULL,
    payload           VARCHAR,
    raw               VARCHAR      NOT NULL,
    PRIMARY KEY (session_key, entry_offset)
);

-- A numbered notification is journaled once per epoch; unnumbered ones (NULL) are never duplicates.
CREATE UNIQUE INDEX journal_entry_sequence ON journal_entry (session_key, epoch, upstream_sequence);
CREATE INDEX journal_entry_time ON journal_entry (session_key, entry_time);
CREATE INDEX journal_entry_journaled ON journal_entry (session_key, journaled_at);
