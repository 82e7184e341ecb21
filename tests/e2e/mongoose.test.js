// Mongoose 8 applications against Basalt: a unique index built by Model.init()
// (createIndexes), a duplicate rejected with code 11000 and keyValue, and the
// upsert-with-$setOnInsert idiom through findOneAndUpdate.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const mongoose = require('mongoose');
const { startServer } = require('./lib/server');

let server;
let conn;
let User;

before(async () => {
  server = await startServer();
  conn = await mongoose.createConnection(`${server.uri}app`, { serverSelectionTimeoutMS: 5000 }).asPromise();
  const schema = new mongoose.Schema({
    email: { type: String, unique: true },
    name: String,
    createdAt: Date,
  });
  User = conn.model('User', schema);
  await User.init();
});

after(async () => {
  await conn?.close();
  await server?.stop();
});

test('User.init() builds the unique index', async () => {
  const indexes = await User.collection.indexes();
  const email = indexes.find((i) => i.name === 'email_1');
  assert.ok(email, JSON.stringify(indexes));
  assert.deepEqual(email.key, { email: 1 });
  assert.equal(email.unique, true);
});

test('User.create of a duplicate email rejects with code 11000 and keyValue', async () => {
  await User.create({ email: 'ann@example.com', name: 'Ann' });
  const err = await User.create({ email: 'ann@example.com', name: 'Other' }).then(() => null, (e) => e);
  assert.ok(err, 'the duplicate was accepted');
  assert.equal(err.code, 11000);
  assert.deepEqual(err.keyValue, { email: 'ann@example.com' });
  assert.deepEqual(err.keyPattern, { email: 1 });
  assert.equal(err.message,
    'E11000 duplicate key error collection: app.users index: email_1 dup key: { email: "ann@example.com" }');
  assert.equal(await User.countDocuments({ email: 'ann@example.com' }), 1);
});

test('findOneAndUpdate upsert with $setOnInsert inserts once, then updates without touching createdAt', async () => {
  const email = 'bob@example.com';
  const createdAt = new Date('2024-01-02T03:04:05Z');
  const first = await User.findOneAndUpdate(
    { email }, { $setOnInsert: { createdAt }, $set: { name: 'Bob' } }, { upsert: true, new: true });
  assert.equal(first.email, email);
  assert.equal(first.name, 'Bob');
  assert.equal(first.createdAt.getTime(), createdAt.getTime());

  const second = await User.findOneAndUpdate(
    { email }, { $setOnInsert: { createdAt: new Date() }, $set: { name: 'Robert' } },
    { upsert: true, new: true });
  assert.equal(String(second._id), String(first._id));
  assert.equal(second.name, 'Robert');
  assert.equal(second.createdAt.getTime(), createdAt.getTime());
  assert.equal(await User.countDocuments({ email }), 1);
});

test('insertMany unordered keeps the non-duplicates and reports the duplicate', async () => {
  const err = await User.insertMany(
    [{ email: 'c1@x' }, { email: 'c1@x' }, { email: 'c2@x' }], { ordered: false })
    .then(() => null, (e) => e);
  assert.ok(err, 'the duplicate was accepted');
  assert.equal(err.code, 11000);
  assert.deepEqual(err.writeErrors.map((e) => e.index), [1]);
  assert.equal(await User.countDocuments({ email: /^c/ }), 2);
});
