"""The SQLite schema: its migrations, the tables that hold a person, and the SQL texts.

The schema is the ordered tuple `MIGRATIONS`. Step N brings a database from
`PRAGMA user_version` N-1 to N, inside its own `BEGIN IMMEDIATE ... COMMIT`
(user_version is set in the same transaction, so a crash leaves the database at
N-1 or N, never in between). Opening a store (bot/store/sqlite_open.py) applies
the steps a database has not seen yet; on a migrated database it does nothing.

To change the schema, APPEND a step; never edit a step that has shipped (old
databases have already run it, and tests/unit/store/test_migrations.py compares
the old fixtures with the steps):

    Migration(
        version=4,                       # the next number
        description="notes: what a person asked to be reminded of",
        statements=(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, ...)",
            "CREATE INDEX notes_by_user ON notes (user_id)",
        ),
    ),

then write its fixture (`python tests/unit/store/test_migrations.py write N`) so
that every schema ever shipped stays tested. A table that holds something about a
person has a `user_id` column and is named in `PERSON_TABLES`, which `forget()`
deletes from and `export()` reads (a unit test fails until it is). SqliteStore
caches sessions, profiles and episodes and sees only the writes made through its
own methods: a new trigger must not write those tables (the one of step 3,
`turn_writes`, runs only for `save_turn`, and the TEMP `turn_commits` below, made at
every open and never migrated, only for a transaction's held writes).
"""

from __future__ import annotations

from bot.store.schema import EPISODE_COLUMNS as EPISODE_COLUMNS
from bot.store.schema import INCOMING_COLUMNS as INCOMING_COLUMNS
from bot.store.schema import OUTGOING_COLUMNS as OUTGOING_COLUMNS
from bot.store.schema import PROFILE_COLUMNS as PROFILE_COLUMNS
from bot.store.schema import REMINDER_COLUMNS as REMINDER_COLUMNS
from bot.store.schema import REMINDER_WIDTH as REMINDER_WIDTH
from bot.store.schema import SESSION_COLUMNS as SESSION_COLUMNS
from bot.store.schema import Migration as Migration
from bot.store.schema import check_migrations as check_migrations
from bot.store.schema import qualified

#: Step 3's trigger, recreated as it was by step 4 (which rebuilds the table it writes).
_TURN_WRITES_TRIGGER = """CREATE TRIGGER turn_writes_insert INSTEAD OF INSERT ON turn_writes BEGIN
                INSERT INTO sessions (user_id, state, slots, updated_at, turn)
                VALUES (NEW.user_id, NEW.state, NEW.slots, NEW.updated_at, NEW.turn)
                ON CONFLICT (user_id) DO UPDATE SET
                    state = excluded.state, slots = excluded.slots,
                    updated_at = excluded.updated_at, turn = excluded.turn;
                INSERT INTO episodes (id, user_id, at, muscle, duration_minutes, severity,
                                      timing, "returning", hot, intense, advice_level)
                SELECT NEW.episode_id, NEW.user_id, NEW.at, NEW.muscle,
                       NEW.duration_minutes, NEW.severity, NEW.timing, NEW."returning",
                       NEW.hot, NEW.intense, NEW.advice_level
                WHERE NEW.at IS NOT NULL;
                INSERT INTO profiles (user_id, first_seen, language, time_zone,
                                      quiet_start, quiet_end, active)
                SELECT NEW.user_id, NEW.first_seen, NEW.language, NEW.time_zone,
                       NEW.quiet_start, NEW.quiet_end, NEW.active
                WHERE NEW.first_seen IS NOT NULL
                ON CONFLICT (user_id) DO UPDATE SET
                    first_seen = excluded.first_seen, language = excluded.language,
                    time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
                    quiet_end = excluded.quiet_end, active = excluded.active;
            END"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="profiles, sessions and episodes",
        statements=(
            """CREATE TABLE profiles (
                user_id     INTEGER PRIMARY KEY,
                first_seen  TEXT    NOT NULL,
                language    TEXT,
                time_zone   TEXT,
                quiet_start TEXT    NOT NULL DEFAULT '22:00:00',
                quiet_end   TEXT    NOT NULL DEFAULT '07:00:00',
                active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
            )""",
            """CREATE TABLE sessions (
                user_id    INTEGER PRIMARY KEY,
                state      TEXT    NOT NULL,
                slots      TEXT    NOT NULL DEFAULT '{}',
                updated_at TEXT,
                turn       INTEGER NOT NULL DEFAULT 0
            )""",
            # AUTOINCREMENT: an id is never reused after forget(), so a reference kept
            # elsewhere (an exported file, a future reminder) can never point at
            # someone else's cramp.
            """CREATE TABLE episodes (
                id               INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id          INTEGER NOT NULL,
                at               TEXT    NOT NULL,
                muscle           TEXT,
                duration_minutes REAL    CHECK (duration_minutes >= 0),
                severity         TEXT,
                timing           TEXT,
                "returning"      INTEGER CHECK ("returning" IN (0, 1)),
                hot              INTEGER CHECK (hot IN (0, 1)),
                intense          INTEGER CHECK (intense IN (0, 1)),
                advice_level     TEXT    NOT NULL DEFAULT 'self_care'
                    CHECK (advice_level IN ('info', 'self_care', 'see_doctor', 'emergency'))
            )""",
            "CREATE INDEX episodes_by_user_time ON episodes (user_id, at)",
        ),
    ),
    Migration(
        version=2,
        description="reminders (one per person and kind, indexed by due time) and intake",
        statements=(
            # AUTOINCREMENT: a sweep that read a reminder must never update a new one
            # that happens to reuse its id.
            """CREATE TABLE reminders (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id      INTEGER NOT NULL,
                kind         TEXT    NOT NULL CHECK (kind IN ('series', 'daily')),
                due_at       TEXT    NOT NULL,
                every        REAL    NOT NULL CHECK (every > 0),
                started_at   TEXT    NOT NULL,
                ends_at      TEXT,
                last_sent_at TEXT,
                sent         INTEGER NOT NULL DEFAULT 0,
                UNIQUE (user_id, kind)
            )""",
            "CREATE INDEX reminders_due ON reminders (due_at)",
            """CREATE TABLE intake (
                id      INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL,
                at      TEXT    NOT NULL
            )""",
            "CREATE INDEX intake_by_user_time ON intake (user_id, at)",
        ),
    ),
    Migration(
        version=3,
        description="turn_writes: a turn's session, episode and profile in one statement",
        statements=(
            # A view that holds no rows: an INSERT into it runs the trigger below, which
            # writes the three tables. One statement is one transaction, so a turn is
            # saved whole or not at all, in ONE round trip to the connection's thread
            # (1.7-2.3x faster than BEGIN + statements + COMMIT: see WRITE_TURN below).
            """CREATE VIEW turn_writes AS SELECT
                NULL AS user_id, NULL AS state, NULL AS slots, NULL AS updated_at,
                NULL AS turn, NULL AS episode_id, NULL AS at, NULL AS muscle,
                NULL AS duration_minutes, NULL AS severity, NULL AS timing,
                NULL AS "returning", NULL AS hot, NULL AS intense, NULL AS advice_level,
                NULL AS first_seen, NULL AS language, NULL AS time_zone,
                NULL AS quiet_start, NULL AS quiet_end, NULL AS active
            WHERE 0""",
            # The session always; the episode when `at` is set; the profile when
            # `first_seen` is set.
            _TURN_WRITES_TRIGGER,
        ),
    ),
    Migration(
        version=4,
        description="episodes: the advice level 'urgent' (get seen today)",
        # SQLite cannot change a CHECK in place: rebuild the table the sqlite-utils way
        # (create the new table, copy, drop, rename, recreate the index). The trigger of
        # step 3 writes to episodes, so it is dropped first and recreated, unchanged,
        # after the rename. The AUTOINCREMENT counter is carried over, so an id deleted
        # by forget() is still never reused.
        statements=(
            "DROP TRIGGER turn_writes_insert",
            """CREATE TABLE episodes_new (
                id               INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id          INTEGER NOT NULL,
                at               TEXT    NOT NULL,
                muscle           TEXT,
                duration_minutes REAL    CHECK (duration_minutes >= 0),
                severity         TEXT,
                timing           TEXT,
                "returning"      INTEGER CHECK ("returning" IN (0, 1)),
                hot              INTEGER CHECK (hot IN (0, 1)),
                intense          INTEGER CHECK (intense IN (0, 1)),
                advice_level     TEXT    NOT NULL DEFAULT 'self_care'
                    CHECK (advice_level IN
                        ('info', 'self_care', 'see_doctor', 'urgent', 'emergency'))
            )""",
            """INSERT INTO episodes_new (id, user_id, at, muscle, duration_minutes, severity,
                                         timing, "returning", hot, intense, advice_level)
            SELECT id, user_id, at, muscle, duration_minutes, severity, timing, "returning",
                   hot, intense, advice_level
            FROM episodes""",
            """INSERT INTO sqlite_sequence (name, seq)
            SELECT 'episodes_new', seq FROM sqlite_sequence
            WHERE name = 'episodes'
              AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'episodes_new')""",
            """UPDATE sqlite_sequence SET seq = max(seq, coalesce(
                (SELECT seq FROM sqlite_sequence WHERE name = 'episodes'), 0))
            WHERE name = 'episodes_new'""",
            "DROP TABLE episodes",
            "ALTER TABLE episodes_new RENAME TO episodes",
            "CREATE INDEX episodes_by_user_time ON episodes (user_id, at)",
            _TURN_WRITES_TRIGGER,
        ),
    ),
    Migration(
        version=5,
        description="inbox and outbox: updates kept until handled, replies until sent",
        statements=(
            # A pending update has its person and its JSON; a handled one keeps only its
            # id and when it was handled, so the same update seen again is handled once.
            """CREATE TABLE inbox (
                update_id   INTEGER PRIMARY KEY,
                user_id     INTEGER,
                payload     TEXT,
                received_at TEXT    NOT NULL,
                done_at     TEXT,
                attempts    INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX inbox_pending ON inbox (user_id, update_id) WHERE done_at IS NULL",
            "CREATE INDEX inbox_done ON inbox (done_at) WHERE done_at IS NOT NULL",
            """CREATE TABLE outbox (
                id        INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id   INTEGER NOT NULL,
                chat_id   INTEGER NOT NULL,
                kind      TEXT    NOT NULL CHECK (kind IN ('text', 'photo', 'document')),
                body      TEXT    NOT NULL DEFAULT '',
                markup    TEXT,
                filename  TEXT,
                data      BLOB,
                queued_at TEXT    NOT NULL
            )""",
            "CREATE INDEX outbox_by_user ON outbox (user_id, id)",
        ),
    ),
    # Append the next step here (see the module docstring).
)

LATEST_VERSION = MIGRATIONS[-1].version


check_migrations(MIGRATIONS)


#: Every table with a user_id column, in the order forget() deletes from them: a table
#: whose rows may reference another's comes before it (profiles, the parent, last).
#: tests/unit/store/test_sqlite_schema.py checks this against a migrated database.
PERSON_TABLES: tuple[str, ...] = (
    "sessions",
    "episodes",
    "reminders",
    "intake",
    "inbox",
    "outbox",
    "profiles",
)

#: INSERT ... RETURNING (save_reminder, and save_turn's one statement) came with SQLite 3.35.
MIN_SQLITE = (3, 35, 0)


# --------------------------------------------------------------------------- the SQL texts

# The column lists (EPISODE_COLUMNS, ...), Migration and check_migrations are PostgreSQL's
# too: bot/store/schema.py.

LOAD_PERSON = f"""
    SELECT {qualified("s", SESSION_COLUMNS)},
           {qualified("p", PROFILE_COLUMNS)}
    FROM (SELECT ? AS user_id) AS u
    LEFT JOIN sessions AS s ON s.user_id = u.user_id
    LEFT JOIN profiles AS p ON p.user_id = u.user_id
"""

#: amend_episode: the fields a correction after the advice may change, of the last
#: episode the person logged at that time (the same time to the microsecond).
AMEND_EPISODE = """
    UPDATE episodes SET
        muscle = ?, duration_minutes = ?, severity = ?, timing = ?, "returning" = ?,
        hot = ?, intense = ?, advice_level = ?
    WHERE id = (SELECT id FROM episodes WHERE user_id = ? AND at = ? ORDER BY id DESC LIMIT 1)
    RETURNING id
"""

UPSERT_SESSION = f"""
    INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET
        state = excluded.state, slots = excluded.slots,
        updated_at = excluded.updated_at, turn = excluded.turn
"""
UPSERT_PROFILE = f"""
    INSERT INTO profiles ({PROFILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET
        first_seen = excluded.first_seen, language = excluded.language,
        time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
        quiet_end = excluded.quiet_end, active = excluded.active
"""
UPSERT_REMINDER = """
    INSERT INTO reminders (user_id, kind, due_at, every, started_at, ends_at, last_sent_at, sent)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id, kind) DO UPDATE SET
        due_at = excluded.due_at, every = excluded.every, started_at = excluded.started_at,
        ends_at = excluded.ends_at, last_sent_at = excluded.last_sent_at, sent = excluded.sent
    RETURNING id
"""
DUE_REMINDERS = f"""
    SELECT {qualified("r", REMINDER_COLUMNS)},
           {qualified("p", PROFILE_COLUMNS)}
    FROM reminders AS r INDEXED BY reminders_due
    JOIN profiles AS p ON p.user_id = r.user_id
    WHERE r.due_at <= ? AND p.active = 1
    ORDER BY r.due_at
    LIMIT ?
"""

TURN_WIDTH = 20
#: What it buys (`python -m bench store`, 2 runs on a shared machine): a save_turn with an
#: episode takes 0.097-0.165 ms as this one statement against 0.163-0.376 ms as BEGIN, the
#: two statements and COMMIT (median; 1.69-2.27x), as it is one round trip, not four.
#: save_turn's one statement (migration 3). A new episode's id is the one AUTOINCREMENT
#: would give (past the largest ever used: ids are never reused), chosen here so that
#: RETURNING can hand it back; an id the episode already has is kept.
WRITE_TURN = f"""
    INSERT INTO turn_writes (
        user_id, state, slots, updated_at, turn, at, muscle, duration_minutes, severity,
        timing, "returning", hot, intense, advice_level, first_seen, language, time_zone,
        quiet_start, quiet_end, active, episode_id
    )
    VALUES ({", ".join(f"?{n}" for n in range(1, TURN_WIDTH + 1))},
        CASE WHEN ?6 IS NULL THEN NULL ELSE coalesce(?{TURN_WIDTH + 1}, 1 + max(
            coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'episodes'), 0),
            coalesce((SELECT max(id) FROM episodes), 0)
        )) END)
    RETURNING episode_id
"""

#: A transaction's usual writes as ONE statement (SqliteStore.transaction): the turn's
#: session (and a new person's profile), the replies it queued and its update marked
#: handled; and the sent messages whose delete was left for the next statement
#: (SqliteStore.message_sent). A view that holds no rows, and the trigger an INSERT
#: into it runs; TEMP, so each connection makes its own at open (sqlite_open.connect)
#: and the file's schema, and its migrations, stay as they are. Every column may be
#: NULL: that part is not written. `messages` is a JSON array of [user_id, chat_id,
#: kind, body, markup, queued_at] (no bytes: a photo or document goes through
#: queue_messages' own INSERT), given the ids from `first_message` on; `sent` a JSON
#: array of outbox ids to delete, whatever `ok` says; `ok` whether the turn's part
#: is written at all (COMMIT_TURN's condition); `earlier` is only read back (RETURNING).
TURN_COMMITS: tuple[str, ...] = (
    """CREATE TEMP VIEW turn_commits AS SELECT
        NULL AS user_id, NULL AS state, NULL AS slots, NULL AS updated_at, NULL AS turn,
        NULL AS first_seen, NULL AS language, NULL AS time_zone, NULL AS quiet_start,
        NULL AS quiet_end, NULL AS active, NULL AS messages, NULL AS update_id,
        NULL AS done_at, NULL AS first_message, NULL AS earlier, NULL AS sent, NULL AS ok
    WHERE 0""",
    """CREATE TEMP TRIGGER turn_commits_insert INSTEAD OF INSERT ON turn_commits BEGIN
        DELETE FROM outbox
        WHERE NEW.sent IS NOT NULL AND id IN (SELECT value FROM json_each(NEW.sent));
        INSERT INTO sessions (user_id, state, slots, updated_at, turn)
        SELECT NEW.user_id, NEW.state, NEW.slots, NEW.updated_at, NEW.turn
        WHERE NEW.ok AND NEW.state IS NOT NULL
        ON CONFLICT (user_id) DO UPDATE SET
            state = excluded.state, slots = excluded.slots,
            updated_at = excluded.updated_at, turn = excluded.turn;
        INSERT INTO profiles (user_id, first_seen, language, time_zone,
                              quiet_start, quiet_end, active)
        SELECT NEW.user_id, NEW.first_seen, NEW.language, NEW.time_zone,
               NEW.quiet_start, NEW.quiet_end, NEW.active
        WHERE NEW.ok AND NEW.first_seen IS NOT NULL
        ON CONFLICT (user_id) DO UPDATE SET
            first_seen = excluded.first_seen, language = excluded.language,
            time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
            quiet_end = excluded.quiet_end, active = excluded.active;
        INSERT INTO outbox (id, user_id, chat_id, kind, body, markup, queued_at)
        SELECT NEW.first_message + key, json_extract(value, '$[0]'), json_extract(value, '$[1]'),
               json_extract(value, '$[2]'), json_extract(value, '$[3]'),
               json_extract(value, '$[4]'), json_extract(value, '$[5]')
        FROM json_each(coalesce(NEW.messages, '[]')) WHERE NEW.ok ORDER BY key;
        INSERT INTO inbox (update_id, received_at, done_at)
        SELECT NEW.update_id, NEW.done_at, NEW.done_at
        WHERE NEW.ok AND NEW.update_id IS NOT NULL
        ON CONFLICT (update_id) DO UPDATE SET
            done_at = excluded.done_at, user_id = NULL, payload = NULL;
    END""",
)

#: The INSERT into turn_commits: ?1-?14 its columns, ?15 the person whose next update
#: ?13 must be (NULL: no such condition, Store.finish_update's `next_of`), ?17 whether
#: ?13 is new (never kept: it arrives with its turn, finish_update's `new`), ?18 the
#: sent messages to delete (JSON, or NULL). When ?13 is not their next (handled
#: already, or kept already when new, or an earlier update of theirs, never failed,
#: still pending) `ok` is 0 and only ?18's deletes are written. One row comes back:
#: the first message's id (the one AUTOINCREMENT would give: ids are never reused),
#: how many messages ?16, the person they go to, had queued before (the ones ?18
#: deletes aside), and `ok`.
COMMIT_TURN = f"""
    INSERT INTO turn_commits (
        user_id, state, slots, updated_at, turn, first_seen, language, time_zone,
        quiet_start, quiet_end, active, messages, update_id, done_at, first_message, earlier,
        sent, ok
    )
    SELECT {", ".join(f"?{n}" for n in range(1, 15))},
        CASE WHEN ?12 IS NOT NULL THEN 1 + max(
            coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),
            coalesce((SELECT max(id) FROM outbox), 0)
        ) END,
        (SELECT count(*) FROM outbox WHERE user_id = ?16
            AND id NOT IN (SELECT value FROM json_each(coalesce(?18, '[]')))),
        ?18,
        ?15 IS NULL OR (
            CASE WHEN ?17 THEN NOT EXISTS (SELECT 1 FROM inbox WHERE update_id = ?13)
                 ELSE EXISTS (SELECT 1 FROM inbox WHERE update_id = ?13 AND done_at IS NULL)
            END
            AND NOT EXISTS (
                SELECT 1 FROM inbox
                WHERE user_id = ?15 AND done_at IS NULL AND update_id < ?13 AND attempts = 0
            )
        )
    RETURNING first_message, earlier, ok
"""
