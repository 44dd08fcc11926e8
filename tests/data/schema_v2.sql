-- Cramp Coach database at schema version 2. Do not edit.
BEGIN TRANSACTION;
CREATE TABLE episodes (
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
            );
INSERT INTO "episodes" VALUES(1,1,'2024-11-02T07:50:00.000000+00:00','calf',5.0,'mild','now',1,0,NULL,'self_care');
INSERT INTO "episodes" VALUES(2,1,'2024-11-09T18:00:00.000000+00:00','hamstring',200.0,'severe','after',0,1,1,'see_doctor');
INSERT INTO "episodes" VALUES(3,2,'2024-12-24T20:10:00.000000+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'info');
CREATE TABLE intake (
                id      INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL,
                at      TEXT    NOT NULL
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
CREATE INDEX episodes_by_user_time ON episodes (user_id, at);
CREATE INDEX reminders_due ON reminders (due_at);
CREATE INDEX intake_by_user_time ON intake (user_id, at);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('episodes',3);
COMMIT;
PRAGMA user_version = 2;
