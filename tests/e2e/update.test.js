// update / upsert / findOneAndUpdate: the fixes users apply for duplicate
// keys, reported exactly as mongod reports them, under contention too.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient, ObjectId } = require('mongodb');
const { startServer, mongosh } = require('./lib/server');

let server;
let client;
let db;

before(async () => {
  server = await startServer();
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  db = client.db('test');
});

after(async () => {
  await client?.close();
  await server?.stop();
});

test('updateOne/updateMany count matched and modified as mongod (a no-op is matched, not modified)', async () => {
  const c = db.collection('u1');
  await c.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 1 }, { _id: 3, a: 2 }]);
  const one = await c.updateOne({ a: 1 }, { $set: { b: 5 } });
  assert.equal(one.matchedCount, 1);
  assert.equal(one.modifiedCount, 1);
  const noop = await c.updateOne({ _id: 1 }, { $set: { b: 5 } });
  assert.equal(noop.matchedCount, 1);
  assert.equal(noop.modifiedCount, 0);
  const many = await c.updateMany({ a: 1 }, { $inc: { n: 1 } });
  assert.equal(many.matchedCount, 2);
  assert.equal(many.modifiedCount, 2);
  assert.deepEqual(await c.findOne({ _id: 2 }), { _id: 2, a: 1, n: 1 });
  const raw = await db.command({ update: 'u1', updates: [{ q: { a: 2 }, u: { $set: { z: 1 } } }] });
  assert.deepEqual(raw, { n: 1, nModified: 1, ok: 1 });
  assert.deepEqual(Object.keys(raw), ['n', 'nModified', 'ok']);
});

test('upsert with $setOnInsert inserts once, then updates', async () => {
  const c = db.collection('u2');
  const first = await c.updateOne({ email: 'a@b.c' }, { $set: { seen: 1 }, $setOnInsert: { created: 'now' } }, { upsert: true });
  assert.equal(first.upsertedCount, 1);
  assert.ok(first.upsertedId instanceof ObjectId);
  const second = await c.updateOne({ email: 'a@b.c' }, { $set: { seen: 2 }, $setOnInsert: { created: 'later' } }, { upsert: true });
  assert.equal(second.upsertedCount, 0);
  assert.equal(second.matchedCount, 1);
  const doc = await c.findOne({ email: 'a@b.c' }, { projection: { _id: 0 } });
  assert.deepEqual(doc, { email: 'a@b.c', seen: 2, created: 'now' });
  const raw = await db.command({ update: 'u2', updates: [{ q: { _id: 77 }, u: { $set: { x: 1 } }, upsert: true }] });
  assert.deepEqual(raw, { n: 1, upserted: [{ index: 0, _id: 77 }], nModified: 0, ok: 1 });
});

test('an update that makes a unique key collide is write error 11000 with keyPattern/keyValue', async () => {
  const c = db.collection('u3');
  await c.createIndex({ email: 1 }, { unique: true });
  await c.insertMany([{ _id: 1, email: 'x' }, { _id: 2, email: 'y' }]);
  const reply = await db.command({ update: 'u3', updates: [{ q: { _id: 2 }, u: { $set: { email: 'x' } } }] });
  assert.equal(reply.n, 0);
  assert.equal(reply.nModified, 0);
  assert.deepEqual(reply.writeErrors, [{
    index: 0, code: 11000,
    errmsg: 'E11000 duplicate key error collection: test.u3 index: email_1 dup key: { email: "x" }',
    keyPattern: { email: 1 }, keyValue: { email: 'x' },
  }]);
  await assert.rejects(c.updateOne({ _id: 2 }, { $set: { email: 'x' } }), (err) => {
    assert.equal(err.code, 11000);
    assert.deepEqual(err.keyValue, { email: 'x' });
    return true;
  });
});

test('update errors carry mongod codes', async () => {
  const c = db.collection('u4');
  await c.insertOne({ _id: 1, s: 'text', a: 1 });
  const cases = [
    [{ $set: { _id: 2 } }, 66, "Performing an update on the path '_id' would modify the immutable field '_id'"],
    [{ $set: { a: 1 }, $inc: { a: 1 } }, 40, "Updating the path 'a' would create a conflict at 'a'"],
    [{ $foo: { a: 1 } }, 9, 'Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified as an array'],
    [{ $set: { 'a.b': 1 } }, 28, "Cannot create field 'b' in element {a: 1}"],
  ];
  for (const [u, code, errmsg] of cases) {
    const reply = await db.command({ update: 'u4', updates: [{ q: { _id: 1 }, u }] });
    assert.equal(reply.writeErrors?.[0]?.code, code, JSON.stringify(u));
    assert.equal(reply.writeErrors[0].errmsg, errmsg);
  }
  const inc = await db.command({ update: 'u4', updates: [{ q: { _id: 1 }, u: { $inc: { s: 1 } } }] });
  assert.equal(inc.writeErrors[0].code, 14);
});

test('findOneAndUpdate with $setOnInsert and returnDocument after', async () => {
  const c = db.collection('f1');
  const created = await c.findOneAndUpdate({ email: 'z@z' }, { $setOnInsert: { n: 0 }, $set: { last: 1 } },
    { upsert: true, returnDocument: 'after', projection: { _id: 0 } });
  assert.deepEqual(created, { email: 'z@z', n: 0, last: 1 });
  const before = await c.findOneAndUpdate({ email: 'z@z' }, { $inc: { n: 1 } });
  assert.equal(before.n, 0);
  const raw = await db.command({ findAndModify: 'f1', query: { email: 'z@z' }, update: { $inc: { n: 1 } }, new: true });
  assert.deepEqual(raw.lastErrorObject, { n: 1, updatedExisting: true });
  assert.equal(raw.value.n, 2);
  const none = await db.command({ findAndModify: 'f1', query: { email: 'none' }, update: { $inc: { n: 1 } } });
  assert.deepEqual(none, { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 });
  const removed = await db.command({ findAndModify: 'f1', query: { email: 'z@z' }, remove: true });
  assert.deepEqual(removed.lastErrorObject, { n: 1 });
  assert.equal(removed.value.email, 'z@z');
  await assert.rejects(db.command({ findAndModify: 'f1', query: {} }), (err) => {
    assert.equal(err.code, 9);
    assert.equal(err.errmsg, 'Either an update or remove=true must be specified');
    return true;
  });
});

test('findAndModify fails the whole command on a duplicate key, with keyPattern and keyValue', async () => {
  const c = db.collection('f2');
  await c.createIndex({ email: 1 }, { unique: true });
  await c.insertMany([{ _id: 1, email: 'a' }, { _id: 2, email: 'b' }]);
  await assert.rejects(db.command({ findAndModify: 'f2', query: { _id: 2 }, update: { $set: { email: 'a' } } }), (err) => {
    assert.equal(err.code, 11000);
    assert.equal(err.codeName, 'DuplicateKey');
    assert.equal(err.errmsg, 'E11000 duplicate key error collection: test.f2 index: email_1 dup key: { email: "a" }');
    assert.deepEqual(err.errorResponse.keyPattern, { email: 1 });
    assert.deepEqual(err.errorResponse.keyValue, { email: 'a' });
    return true;
  });
});

test('32 concurrent upserts of one email end as one document (mongod retries the losers as updates)', async () => {
  const c = db.collection('race');
  await c.createIndex({ email: 1 }, { unique: true });
  const clients = await Promise.all(Array.from({ length: 8 }, () =>
    new MongoClient(server.uri, { maxPoolSize: 8, serverSelectionTimeoutMS: 5000 }).connect()));
  try {
    for (let round = 0; round < 5; round++) {
      const email = `racer${round}@x`;
      const results = await Promise.all(Array.from({ length: 32 }, (_, i) =>
        clients[i % clients.length].db('test').collection('race')
          .updateOne({ email }, { $inc: { hits: 1 } }, { upsert: true })));
      assert.equal(results.reduce((s, r) => s + r.upsertedCount, 0), 1, `round ${round}`);
      const docs = await c.find({ email }).toArray();
      assert.equal(docs.length, 1);
      assert.equal(docs[0].hits, 32);
      const fam = await Promise.all(Array.from({ length: 32 }, (_, i) =>
        clients[i % clients.length].db('test').collection('race')
          .findOneAndUpdate({ email: `fam${round}` }, { $inc: { n: 1 } }, { upsert: true, returnDocument: 'after' })));
      assert.equal(fam.length, 32);
      assert.equal((await c.findOne({ email: `fam${round}` })).n, 32);
    }
  } finally {
    await Promise.all(clients.map((cl) => cl.close()));
  }
});

test('mongosh: the seed workflows print what mongod prints', () => {
  const result = mongosh(server.uri + 'test', [
    'const r = db.sh.updateOne({k: 1}, {$set: {v: 1}}, {upsert: true});',
    'print(r.acknowledged, r.matchedCount, r.modifiedCount, r.upsertedCount, typeof r.insertedId);',
    'const d = db.sh.findOneAndUpdate({k: 1}, {$inc: {v: 1}}, {returnNewDocument: true});',
    'print(d.k, d.v);',
  ].join(' '));
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), ['true 0 0 1 object', '1 2']);
});
