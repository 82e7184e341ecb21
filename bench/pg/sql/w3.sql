-- W3: findOneAndUpdate by _id with $inc, returning the document.
\set id random(1, :rows)
UPDATE users SET n = n + 1 WHERE id = :id RETURNING id, email, name, n;
