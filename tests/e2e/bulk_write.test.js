// bulkWrite: MongoDB 8.0's command (what MongoClient.bulkWrite sends once the
// server advertises wire version 25) and the collection-level bulkWrite (which
// the driver splits into insert/update/delete commands), with duplicate keys.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient, Double, Int32, Long, MongoBulkWriteError, MongoClientBulkWriteError } = require('mongodb');
const { startServer } = require('./lib/server');

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

function adminCommand(cmd) {
  return client.db('admin').command(cmd, { promoteValues: false });
}

test('the raw reply: cursor of per-op items, then the counters, in mongod order and types', async () => {
  await db.collection('raw').createIndex({ email: 1 }, { unique: true });
  const reply = await adminCommand({
    bulkWrite: 1,
    ops: [
      { insert: 0, document: { _id: 1, email: 'a' } },
      { insert: 0, document: { _id: 2, email: 'a' } },
      { update: 0, filter: { _id: 1 }, updateMods: { $set: { name: 'x' } } },
      { update: 0, filter: { _id: 9 }, updateMods: { $set: { email: 'z' } }, upsert: true },
      { delete: 1, filter: {}, multi: true },
    ],
    nsInfo: [{ ns: 'test.raw' }, { ns: 'test.other' }],
    ordered: false,
  });
  assert.deepEqual(Object.keys(reply),
    ['cursor', 'nErrors', 'nInserted', 'nMatched', 'nModified', 'nUpserted', 'nDeleted', 'ok']);
  assert.deepEqual(Object.keys(reply.cursor), ['firstBatch', 'id', 'ns']);
  assert.deepEqual(reply.cursor.id, Long.fromNumber(0));
  assert.equal(reply.cursor.ns, 'admin.$cmd.bulkWrite');
  const items = reply.cursor.firstBatch;
  assert.deepEqual(items[0], { ok: new Double(1), idx: new Int32(0), n: new Int32(1) });
  assert.deepEqual(Object.keys(items[1]), ['ok', 'idx', 'code', 'errmsg', 'keyPattern', 'keyValue', 'n']);
  assert.deepEqual(items[1].ok, new Double(0));
  assert.equal(items[1].code.valueOf(), 11000);
  assert.equal(items[1].errmsg,
    'E11000 duplicate key error collection: test.raw index: email_1 dup key: { email: "a" }');
  assert.deepEqual(items[1].keyPattern, { email: new Int32(1) });
  assert.deepEqual(items[1].keyValue, { email: 'a' });
  assert.deepEqual(items[2], { ok: new Double(1), idx: new Int32(2), n: new Int32(1), nModified: new Int32(1) });
  assert.deepEqual(items[3], {
    ok: new Double(1), idx: new Int32(3), n: new Int32(1), nModified: new Int32(0),
    upserted: { index: new Int32(0), _id: new Int32(9) },
  });
  assert.deepEqual(items[4], { ok: new Double(1), idx: new Int32(4), n: new Int32(0) });
  assert.deepEqual(
    [reply.nErrors, reply.nInserted, reply.nMatched, reply.nModified, reply.nUpserted, reply.nDeleted]
      .map((v) => v.valueOf()),
    [1, 1, 1, 1, 1, 0]);
});

test('errorsOnly, ordered stop, a bad nsInfo index and admin-only', async () => {
  const reply = await adminCommand({
    bulkWrite: 1,
    ops: [
      { insert: 0, document: { _id: 1 } },
      { insert: 0, document: { _id: 1 } },
      { insert: 0, document: { _id: 2 } },
    ],
    nsInfo: [{ ns: 'test.ordered' }],
    errorsOnly: true,
  });
  assert.equal(reply.cursor.firstBatch.length, 1);
  assert.equal(reply.cursor.firstBatch[0].idx.valueOf(), 1);
  assert.equal(reply.nErrors.valueOf(), 1);
  assert.equal(reply.nInserted.valueOf(), 1);
  assert.equal(await db.collection('ordered').countDocuments(), 1);

  const admin = client.db('admin');
  await assert.rejects(
    admin.command({ bulkWrite: 1, ops: [{ insert: 1, document: {} }], nsInfo: [{ ns: 'test.x' }] }),
    { code: 2, message: 'BulkWrite ops entry 0 has an invalid nsInfo index.' });
  await assert.rejects(
    admin.command({ bulkWrite: 1, ops: [{ insert: 0, document: {} }], nsInfo: [{ ns: 'test.x' }], fooField: 0 }),
    { code: 40415 });
  await assert.rejects(admin.command({ bulkWrite: 1, nsInfo: [{ ns: 'test.x' }] }), { code: 40414 });
  await assert.rejects(
    db.command({ bulkWrite: 1, ops: [{ insert: 0, document: {} }], nsInfo: [{ ns: 'test.x' }] }),
    { code: 13, message: 'bulkWrite may only be run against the admin database.' });
});

test('a small cursor batchSize leaves the rest to getMore', async () => {
  const ops = Array.from({ length: 5 }, (_, i) => ({ insert: 0, document: { _id: i } }));
  const reply = await client.db('admin').command({
    bulkWrite: 1, ops, nsInfo: [{ ns: 'test.batched' }], cursor: { batchSize: 2 },
  });
  assert.equal(reply.cursor.firstBatch.length, 2);
  assert.notEqual(Number(reply.cursor.id), 0);
  const more = await client.db('admin').command({ getMore: reply.cursor.id, collection: '$cmd.bulkWrite' });
  assert.deepEqual(more.cursor.nextBatch.map((item) => item.idx), [2, 3, 4]);
  assert.equal(Number(more.cursor.id), 0);
});

test('MongoClient.bulkWrite unordered inserts every non-duplicate and reports each duplicate', async () => {
  const coll = db.collection('clientBulk');
  await coll.createIndex({ email: 1 }, { unique: true });
  const models = [
    { name: 'insertOne', namespace: 'test.clientBulk', document: { email: 'a@x' } },
    { name: 'insertOne', namespace: 'test.clientBulk', document: { email: 'a@x' } },
    { name: 'insertOne', namespace: 'test.clientBulk', document: { email: 'b@x' } },
    { name: 'insertOne', namespace: 'test.clientBulk', document: { email: 'b@x' } },
    { name: 'updateOne', namespace: 'test.clientBulk', filter: { email: 'c@x' },
      update: { $set: { n: 1 } }, upsert: true },
  ];
  const err = await client.bulkWrite(models, { ordered: false, verboseResults: true })
    .then(() => null, (e) => e);
  assert.ok(err instanceof MongoClientBulkWriteError, String(err));
  assert.deepEqual([...err.writeErrors.keys()], [1, 3]);
  for (const [index, writeError] of err.writeErrors) {
    assert.equal(writeError.code, 11000);
    assert.match(writeError.message, /^E11000 duplicate key error collection: test.clientBulk index: email_1/);
    assert.equal(index % 2, 1);
  }
  assert.equal(err.partialResult.insertedCount, 2);
  assert.equal(err.partialResult.upsertedCount, 1);
  assert.equal(err.partialResult.updateResults.get(4).didUpsert, true);
  assert.deepEqual((await coll.find({}, { projection: { _id: 0 } }).sort({ email: 1 }).toArray()),
    [{ email: 'a@x' }, { email: 'b@x' }, { email: 'c@x', n: 1 }]);
});

test('MongoClient.bulkWrite ordered stops at the first duplicate', async () => {
  const coll = db.collection('clientOrdered');
  await coll.insertOne({ _id: 2 });
  const models = [1, 2, 3].map((i) => ({ name: 'insertOne', namespace: 'test.clientOrdered', document: { _id: i } }));
  const err = await client.bulkWrite(models).then(() => null, (e) => e);
  assert.ok(err instanceof MongoClientBulkWriteError, String(err));
  assert.deepEqual([...err.writeErrors.keys()], [1]);
  assert.equal(err.partialResult.insertedCount, 1);
  assert.deepEqual((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 2]);
});

test('MongoClient.bulkWrite success: counts across two collections', async () => {
  const result = await client.bulkWrite([
    { name: 'insertOne', namespace: 'test.mixA', document: { _id: 1, v: 1 } },
    { name: 'insertOne', namespace: 'test.mixB', document: { _id: 1, v: 1 } },
    { name: 'updateMany', namespace: 'test.mixA', filter: {}, update: { $inc: { v: 1 } } },
    { name: 'replaceOne', namespace: 'test.mixB', filter: { _id: 1 }, replacement: { v: 5 } },
    { name: 'deleteOne', namespace: 'test.mixA', filter: { _id: 1 } },
  ]);
  assert.equal(result.insertedCount, 2);
  assert.equal(result.matchedCount, 2);
  assert.equal(result.modifiedCount, 2);
  assert.equal(result.deletedCount, 1);
  assert.equal(result.upsertedCount, 0);
  assert.deepEqual(await db.collection('mixB').findOne(), { _id: 1, v: 5 });
});

test('collection.bulkWrite unordered (insert/update/delete commands) reports each duplicate index', async () => {
  const coll = db.collection('collBulk');
  await coll.createIndex({ email: 1 }, { unique: true });
  const err = await coll.bulkWrite([
    { insertOne: { document: { email: 'a' } } },
    { insertOne: { document: { email: 'a' } } },
    { insertOne: { document: { email: 'b' } } },
    { insertOne: { document: { email: 'b' } } },
    { insertOne: { document: { email: 'c' } } },
  ], { ordered: false }).then(() => null, (e) => e);
  assert.ok(err instanceof MongoBulkWriteError, String(err));
  assert.deepEqual(err.writeErrors.map((e) => e.index), [1, 3]);
  assert.deepEqual(err.writeErrors.map((e) => e.code), [11000, 11000]);
  // The driver keeps only {index, code, errmsg, errInfo, op} of each write error.
  assert.equal(err.writeErrors[0].errmsg,
    'E11000 duplicate key error collection: test.collBulk index: email_1 dup key: { email: "a" }');
  assert.equal(err.result.insertedCount, 3);
  assert.equal(await coll.countDocuments(), 3);
});

test('collection.bulkWrite ordered stops at the first duplicate', async () => {
  const coll = db.collection('collOrdered');
  await coll.createIndex({ email: 1 }, { unique: true });
  const err = await coll.bulkWrite([
    { insertOne: { document: { email: 'a' } } },
    { insertOne: { document: { email: 'a' } } },
    { insertOne: { document: { email: 'b' } } },
  ]).then(() => null, (e) => e);
  assert.ok(err instanceof MongoBulkWriteError, String(err));
  assert.deepEqual(err.writeErrors.map((e) => e.index), [1]);
  assert.equal(err.result.insertedCount, 1);
  assert.equal(await coll.countDocuments(), 1);
});
