-- W6 by _id: point read of one of :rows users.
\set id random(1, :rows)
SELECT id, email, name, n FROM users WHERE id = :id;
