-- W1: insertOne into a table with a unique index on email.
-- Keys are made client-side, like a driver's ObjectId, and never repeat within
-- a run (w1 is emptied before each): :i counts this client's transactions
-- (pgbench keeps variables across transactions; run_pg.sh passes -D i=0).
\set i :i + 1
\set id :client_id * 1000000000 + :i
INSERT INTO w1 (id, email, name, n)
    VALUES (:id, 'w1-' || :id || '@example.com', 'W1 user', 0);
