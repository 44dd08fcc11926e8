-- Cramp Coach database at schema version 5. Do not edit.
BEGIN TRANSACTION;
CREATE TABLE "episodes" (
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
            );
INSERT INTO "episodes" VALUES(1,1,'2024-11-02T07:50:00.000000+00:00','calf',5.0,'mild','now',1,0,NULL,'self_care');
INSERT INTO "episodes" VALUES(2,1,'2024-11-09T18:00:00.000000+00:00','hamstring',200.0,'severe','after',0,1,1,'see_doctor');
INSERT INTO "episodes" VALUES(3,2,'2024-12-24T20:10:00.000000+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'info');
INSERT INTO "episodes" VALUES(4,2,'2025-01-10T09:00:00.000000+00:00','calf',NULL,NULL,'after',NULL,NULL,NULL,'urgent');
CREATE TABLE inbox (
                update_id   INTEGER PRIMARY KEY,
                user_id     INTEGER,
                payload     TEXT,
                received_at TEXT    NOT NULL,
                done_at     TEXT,
                attempts    INTEGER NOT NULL DEFAULT 0
            );
CREATE TABLE intake (
                id      INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL,
                at      TEXT    NOT NULL
            );
CREATE TABLE outbox (
                id        INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id   INTEGER NOT NULL,
                chat_id   INTEGER NOT NULL,
                kind      TEXT    NOT NULL CHECK (kind IN ('text', 'photo', 'document')),
                body      TEXT    NOT NULL DEFAULT '',
                markup    TEXT,
                filename  TEXT,
                data      BLOB,
                queued_at TEXT    NOT NULL
            );
CREATE TABLE profiles (
                user_id     INTEGER PRIMARY KEY,
                first_seen  TEXT    NOT NULL,
                language    TEXT,
                time_zone   TEXT,
                quiet_start TEXT    NOT NULL DEFAULT '22:00:00',
                quiet_end   TEXT    NOT NULL DEFAULT '07:00:00',
                active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
            );
INSERT INTO "profiles" VALUES(1,'2024-11-02T08:00:00.000000+00:00','en','Europe/Berlin','22:00:00','07:00:00',1);
INSERT INTO "profiles" VALUES(2,'2024-12-24T20:15:00.500000+00:00',NULL,NULL,'23:30:00','06:00:00',0);
CREATE TABLE reminders (
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
            );
CREATE TABLE sessions (
                user_id    INTEGER PRIMARY KEY,
                state      TEXT    NOT NULL,
                slots      TEXT    NOT NULL DEFAULT '{}',
                updated_at TEXT,
                turn       INTEGER NOT NULL DEFAULT 0
            );
INSERT INTO "sessions" VALUES(1,'ask_duration','{"hot": true, "hours": 1.5, "minutes": 5, "muscle": "calf"}','2024-11-02T08:05:00.000000+00:00',4);
INSERT INTO "sessions" VALUES(2,'greet','{}',NULL,0);
CREATE INDEX reminders_due ON reminders (due_at);
CREATE INDEX intake_by_user_time ON intake (user_id, at);
CREATE VIEW turn_writes AS SELECT
                NULL AS user_id, NULL AS state, NULL AS slots, NULL AS updated_at,
                NULL AS turn, NULL AS episode_id, NULL AS at, NULL AS muscle,
                NULL AS duration_minutes, NULL AS severity, NULL AS timing,
                NULL AS "returning", NULL AS hot, NULL AS intense, NULL AS advice_level,
                NULL AS first_seen, NULL AS language, NULL AS time_zone,
                NULL AS quiet_start, NULL AS quiet_end, NULL AS active
            WHERE 0;
CREATE INDEX episodes_by_user_time ON episodes (user_id, at);
CREATE TRIGGER turn_writes_insert INSTEAD OF INSERT ON turn_writes BEGIN
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
            END;
CREATE INDEX inbox_pending ON inbox (user_id, update_id) WHERE done_at IS NULL;
CREATE INDEX inbox_done ON inbox (done_at) WHERE done_at IS NOT NULL;
CREATE INDEX outbox_by_user ON outbox (user_id, id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('episodes',4);
COMMIT;
PRAGMA user_version = 5;
