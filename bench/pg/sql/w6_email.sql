-- W6 by the unique key: point read of one of :rows users by email.
\set id random(1, :rows)
SELECT id, email, name, n FROM users WHERE email = 'user' || :id || '@example.com';
