-- Tables for bench/pg/run_pg.sh.  A row mirrors the benchmark's document
-- {_id, email, name, n}: the primary key stands for MongoDB's mandatory _id
-- index and the unique index on email for the workloads' unique key.
-- Run with psql -v rows=N.

-- W1 inserts here; emptied before every run.
CREATE TABLE w1 (
    id    bigint PRIMARY KEY,
    email text   NOT NULL,
    name  text   NOT NULL,
    n     bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX w1_email ON w1 (email);

-- W2, W3 and W6 work on :rows preloaded users, emails user<id>@example.com.
CREATE TABLE users (
    id    bigint PRIMARY KEY,
    email text   NOT NULL,
    name  text   NOT NULL,
    n     bigint NOT NULL DEFAULT 0
);
INSERT INTO users (id, email, name, n)
    SELECT g, 'user' || g || '@example.com', 'user ' || g, 0
    FROM generate_series(1, :rows) AS g;
-- Built after the load because that is faster; it exists before any workload runs.
CREATE UNIQUE INDEX users_email ON users (email);
VACUUM ANALYZE users;
ANALYZE w1;
