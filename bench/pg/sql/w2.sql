-- W2: upsert by email setting two fields, half of the keys existing.
-- Each transaction flips a coin: an existing user (random of the :rows preloaded)
-- or a key never used before (:base is unique per pgbench invocation, so new keys
-- never collide across clients or runs).  run_pg.sh deletes the rows a run added
-- before the next one, so every run starts from the same :rows users.
\set i :i + 1
\set fresh :base + :client_id * 1000000000 + :i
\set existing random(1, :rows)
\set key CASE WHEN random(0, 1) = 0 THEN :existing ELSE :fresh END
INSERT INTO users (id, email, name, n)
    VALUES (:fresh, 'user' || :key || '@example.com', 'upserted', :i)
    ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, n = EXCLUDED.n;
