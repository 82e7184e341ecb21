// $expr in every command's filter, the commands' `let` variables, and
// aggregation-pipeline updates, through the Node.js driver and mongosh.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient } = require('mongodb');
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

async function seed(name, docs) {
  const c = db.collection(name);
  await c.insertMany(docs);
  return c;
}

const pairs = [
  { _id: 1, a: 5, b: 1, g: 'x' },
  { _id: 2, a: 1, b: 5, g: 'x' },
  { _id: 3, a: 7, b: 7, g: 'y' },
  { _id: 4, a: 9, b: 2, g: 'y' },
];

test('find, count and distinct filter with $expr comparing two fields', async () => {
  const c = await seed('e1', pairs);
  const found = await c.find({ $expr: { $gt: ['$a', '$b'] } }).sort({ _id: 1 }).toArray();
  assert.deepEqual(found.map((d) => d._id), [1, 4]);
  const mixed = await c.find({ g: 'y', $expr: { $gt: ['$a', '$b'] } }).toArray();
  assert.deepEqual(mixed.map((d) => d._id), [4]);
  const count = await db.command({ count: 'e1', query: { $expr: { $eq: ['$a', '$b'] } } });
  assert.equal(count.n, 1);
  assert.deepEqual(await c.distinct('g', { $expr: { $lt: ['$a', '$b'] } }), ['x']);
  assert.equal(await c.countDocuments({ $expr: { $gte: ['$a', 5] } }), 3);
});

test('the planner still uses an index for the rest of a filter holding $expr', async () => {
  const c = await seed('e2', pairs);
  await c.createIndex({ g: 1 });
  const plan = await c.find({ g: 'x', $expr: { $gt: ['$a', '$b'] } }).explain();
  assert.match(JSON.stringify(plan.queryPlanner.winningPlan), /"IXSCAN"/);
  assert.deepEqual((await c.find({ g: 'x', $expr: { $gt: ['$a', '$b'] } }).toArray()).map((d) => d._id), [1]);
});

test('find and aggregate see the command let in $expr, and $$NOW', async () => {
  const c = await seed('e3', pairs);
  const found = await c.find({ $expr: { $eq: ['$a', '$$target'] } }, { let: { target: { $add: [3, 4] } } }).toArray();
  assert.deepEqual(found.map((d) => d._id), [3]);
  const agg = await c.aggregate([{ $match: { $expr: { $eq: ['$b', '$$v'] } } }], { let: { v: 5 } }).toArray();
  assert.deepEqual(agg.map((d) => d._id), [2]);
  const now = await c.find({ $expr: { $lt: [new Date(0), '$$NOW'] } }).toArray();
  assert.equal(now.length, 4);
  // $$CLUSTER_TIME does not exist on a standalone.
  await assert.rejects(c.find({ $expr: { $eq: ['$$CLUSTER_TIME', 1] } }).toArray(), (err) => {
    assert.equal(err.code, 10071);
    return true;
  });
});

test('update, delete and findOneAndUpdate filter with $expr and let', async () => {
  const c = await seed('e4', pairs);
  const updated = await c.updateMany({ $expr: { $gt: ['$a', '$$min'] } }, { $set: { big: true } }, { let: { min: 6 } });
  assert.equal(updated.matchedCount, 2);
  assert.equal(updated.modifiedCount, 2);
  assert.deepEqual((await c.find({ big: true }).toArray()).map((d) => d._id), [3, 4]);

  const after = await c.findOneAndUpdate(
    { $expr: { $eq: ['$_id', '$$id'] } },
    [{ $set: { label: '$$name', sum: { $add: ['$a', '$b'] } } }],
    { let: { id: 2, name: 'two' }, returnDocument: 'after' });
  assert.deepEqual(after, { _id: 2, a: 1, b: 5, g: 'x', label: 'two', sum: 6 });

  const removed = await c.findOneAndDelete({ $expr: { $eq: ['$a', '$$a'] } }, { let: { a: 9 } });
  assert.equal(removed._id, 4);

  const deleted = await c.deleteMany({ $expr: { $eq: ['$g', '$$group'] } }, { let: { group: 'x' } });
  assert.equal(deleted.deletedCount, 2);
  assert.deepEqual((await c.find().toArray()).map((d) => d._id), [3]);
});

test('updateOne with a pipeline computes from the document', async () => {
  const c = await seed('e5', [{ _id: 1, a: 2, b: 3 }, { _id: 2, a: 10, b: 20 }]);
  const res = await c.updateOne({ _id: 1 }, [{ $set: { total: { $add: ['$a', '$b'] } } }, { $unset: 'b' }]);
  assert.equal(res.matchedCount, 1);
  assert.equal(res.modifiedCount, 1);
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, a: 2, total: 5 });
  await c.updateOne({ _id: 2 }, [{ $replaceWith: { only: '$a' } }]);
  // The replaced document keeps its _id.
  assert.deepEqual(await c.findOne({ _id: 2 }), { _id: 2, only: 10 });
  await c.updateOne({ _id: 2 }, [{ $project: { only: 1, twice: { $multiply: ['$only', 2] } } }]);
  assert.deepEqual(await c.findOne({ _id: 2 }), { _id: 2, only: 10, twice: 20 });
});

test('updateMany with a pipeline gives every document the same $$NOW', async () => {
  const c = await seed('e6', [{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  const before = Date.now();
  const res = await c.updateMany({}, [{ $set: { at: '$$NOW' } }]);
  assert.equal(res.modifiedCount, 3);
  const docs = await c.find().toArray();
  const times = new Set(docs.map((d) => d.at.getTime()));
  assert.equal(times.size, 1);
  const [at] = times;
  assert.ok(at >= before - 1000 && at <= Date.now() + 1000, `${at} not near ${before}`);
});

test('a pipeline that changes nothing is matched but not modified', async () => {
  const c = await seed('e7', [{ _id: 1, a: 1, b: 2 }]);
  const res = await c.updateOne({ _id: 1 }, [{ $set: { a: '$a' } }, { $addFields: { b: 2 } }]);
  assert.equal(res.matchedCount, 1);
  assert.equal(res.modifiedCount, 0);
  const raw = await db.command({ update: 'e7', updates: [{ q: {}, u: [{ $set: { a: { $literal: 1 } } }] }] });
  assert.deepEqual(raw, { n: 1, nModified: 0, ok: 1 });
});

test('upserts with a pipeline or $expr build the document from the query equalities', async () => {
  const c = db.collection('e8');
  const res = await c.updateOne({ k: 'x', n: 2 }, [{ $set: { n: { $multiply: ['$n', 10] }, made: '$$NOW' } }], { upsert: true });
  assert.equal(res.upsertedCount, 1);
  const doc = await c.findOne({ k: 'x' }, { projection: { _id: 0 } });
  assert.equal(doc.n, 20);
  assert.ok(doc.made instanceof Date);
  // $expr says nothing about the new document: mongod leaves it out.
  const raw = await db.command({
    update: 'e8',
    updates: [{ q: { _id: 7, $expr: { $eq: ['$a', 1] } }, u: { $set: { b: 1 } }, upsert: true }],
  });
  assert.deepEqual(raw, { n: 1, upserted: [{ index: 0, _id: 7 }], nModified: 0, ok: 1 });
  assert.deepEqual(await c.findOne({ _id: 7 }), { _id: 7, b: 1 });
  // With a unique index, the same pipeline upsert twice leaves one document.
  const users = db.collection('e8users');
  await users.createIndex({ email: 1 }, { unique: true });
  for (let i = 0; i < 2; i++) {
    await users.updateOne({ email: 'u@x.io' }, [{ $set: { visits: { $add: [{ $ifNull: ['$visits', 0] }, 1] } } }], { upsert: true });
  }
  const user = await users.find({ email: 'u@x.io' }).toArray();
  assert.equal(user.length, 1);
  assert.equal(user[0].visits, 2);
});

test('racing pipeline upserts on a unique key end as one document (mongod retries the losers)', async () => {
  const c = db.collection('e8race');
  await c.createIndex({ email: 1 }, { unique: true });
  const clients = await Promise.all(Array.from({ length: 16 }, () => new MongoClient(server.uri).connect()));
  try {
    const results = await Promise.all(clients.map((cl) => cl.db('test').collection('e8race').updateOne(
      { email: 'race@x.io' },
      [{ $set: { visits: { $add: [{ $ifNull: ['$visits', 0] }, 1] } } }],
      { upsert: true })));
    assert.equal(results.reduce((n, r) => n + r.upsertedCount, 0), 1);
    assert.equal(results.reduce((n, r) => n + r.modifiedCount, 0), 15);
  } finally {
    await Promise.all(clients.map((cl) => cl.close()));
  }
  const docs = await c.find({}, { projection: { _id: 0 } }).toArray();
  assert.deepEqual(docs, [{ email: 'race@x.io', visits: 16 }]);
});

test('pipeline constants `c` and bulkWrite with let', async () => {
  const c = await seed('e9', [{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
  const raw = await db.command({ update: 'e9', updates: [{ q: { _id: 1 }, u: [{ $set: { k: '$$k' } }], c: { k: 7 } }] });
  assert.equal(raw.nModified, 1);
  assert.equal((await c.findOne({ _id: 1 })).k, 7);
  const bad = await db.command({ update: 'e9', updates: [{ q: { _id: 1 }, u: { $set: { k: 1 } }, c: { k: 7 } }] });
  assert.deepEqual(bad.writeErrors, [{ index: 0, code: 51198, errmsg: 'Constant values may only be specified for pipeline updates' }]);

  const bulk = await client.db('admin').command({
    bulkWrite: 1,
    ops: [
      { update: 0, filter: { $expr: { $eq: ['$_id', '$$id'] } }, updateMods: [{ $set: { bw: '$$v' } }] },
      { delete: 0, filter: { $expr: { $eq: ['$a', '$$gone'] } } },
    ],
    nsInfo: [{ ns: 'test.e9' }],
    let: { id: 1, v: 'yes', gone: 2 },
  });
  assert.equal(bulk.nErrors, 0);
  assert.equal(bulk.nModified, 1);
  assert.equal(bulk.nDeleted, 1);
  assert.deepEqual(await c.find().toArray(), [{ _id: 1, a: 1, k: 7, bw: 'yes' }]);
});

test('errors carry mongod codes and messages', async () => {
  const c = await seed('e10', [{ _id: 1, a: 1, zero: 0 }]);
  const writeError = async (u, extra = {}) => {
    const reply = await db.command({ update: 'e10', updates: [{ q: { _id: 1 }, u, ...extra }] });
    assert.equal(reply.writeErrors?.length, 1, JSON.stringify(reply));
    const { code, errmsg } = reply.writeErrors[0];
    return { code, errmsg };
  };
  assert.deepEqual(await writeError([{ $match: { a: 1 } }]),
    { code: 72, errmsg: '$match is not allowed to be used within an update' });
  assert.deepEqual(await writeError([{ $set: { _id: 5 } }]),
    { code: 66, errmsg: "After applying the update, the (immutable) field '_id' was found to have been altered to _id: 5" });
  assert.deepEqual(await writeError([{ $set: { x: '$$nope' } }]),
    { code: 17276, errmsg: 'Invalid $set :: caused by :: Use of undefined variable: nope' });
  assert.deepEqual(await writeError([{ $set: { x: 1 } }], { arrayFilters: [{ 'i.a': 1 }] }),
    { code: 9, errmsg: 'arrayFilters may not be specified for pipeline-style updates' });
  assert.deepEqual(await writeError([{ $bogus: {} }]),
    { code: 40324, errmsg: "Unrecognized pipeline stage name: '$bogus'" });

  await assert.rejects(c.find({ $expr: { $eq: ['$a', '$$nope'] } }).toArray(), (err) => {
    assert.equal(err.code, 17276);
    assert.equal(err.message, 'Use of undefined variable: nope');
    return true;
  });
  // An expression failing on a document fails the command with its code.
  await assert.rejects(c.find({ $expr: { $divide: [1, '$zero'] } }).toArray(), (err) => {
    assert.equal(err.code, 2);
    assert.equal(err.message, "Executor error during find command: test.e10 :: caused by :: can't $divide by zero");
    return true;
  });
  await assert.rejects(db.command({ count: 'e10', query: { $expr: { $divide: [1, '$zero'] } } }), (err) => {
    assert.equal(err.code, 2);
    assert.equal(err.message, "can't $divide by zero");
    return true;
  });
  const bulk = await client.db('admin').command({
    bulkWrite: 1,
    ops: [{ update: 0, filter: { $expr: { $divide: [1, '$zero'] } }, updateMods: { $set: { x: 1 } } }],
    nsInfo: [{ ns: 'test.e10' }],
  });
  assert.equal(bulk.nErrors, 1);
  assert.deepEqual(bulk.cursor.firstBatch, [{ ok: 0, idx: 0, code: 2, errmsg: "can't $divide by zero", n: 0, nModified: 0 }]);
  await assert.rejects(c.distinct('a', { $expr: { $divide: [1, '$zero'] } }), (err) => {
    assert.equal(err.code, 2);
    assert.equal(err.message, "Executor error during distinct command :: caused by :: can't $divide by zero");
    return true;
  });
  const del = await db.command({ delete: 'e10', deletes: [{ q: { $expr: { $divide: [1, '$zero'] } }, limit: 0 }] });
  assert.deepEqual(del.writeErrors, [{ index: 0, code: 2, errmsg: "can't $divide by zero" }]);
  await assert.rejects(c.findOneAndUpdate({ $expr: { $divide: [1, '$zero'] } }, { $set: { x: 1 } }), (err) => err.code === 2);
  assert.equal(await c.countDocuments({ x: 1 }), 0);
});

test('let is validated as mongod validates it', async () => {
  await seed('e11', [{ _id: 1, a: 1 }]);
  const fails = async (cmd, code, message) => {
    await assert.rejects(db.command(cmd), (err) => {
      assert.equal(err.code, code, err.message);
      if (message) assert.equal(err.message, message);
      return true;
    });
  };
  await fails({ find: 'e11', filter: {}, let: { Bad: 1 } }, 16867,
    "Invalid 'let' parameter :: caused by :: 'Bad' starts with an invalid character for a user variable name");
  await fails({ find: 'e11', filter: {}, let: { NOW: 1 } }, 4738901, 'Attempt to set internal constant: NOW');
  await fails({ update: 'e11', updates: [{ q: {}, u: { $set: { b: 1 } } }], let: { x: '$a' } }, 4890500,
    'Command let Expression tried to access a field, but this is not allowed becauseCommand let Expressions run before the query examines any documents.');
  await fails({ delete: 'e11', deletes: [{ q: {}, limit: 1 }], let: { 'a.b': 1 } }, 16868);
  await fails({ findAndModify: 'e11', query: {}, remove: true, let: { v: { $divide: [1, 0] } } }, 2);
  await fails({ aggregate: 'e11', pipeline: [], cursor: {}, let: { v: '$$ROOT' } }, 4890500);
  await fails({ find: 'e11', filter: {}, let: 5 }, 14);
  // count and distinct take no let.
  await fails({ count: 'e11', query: {}, let: {} }, 40415, "BSON field 'count.let' is an unknown field.");
  await fails({ distinct: 'e11', key: 'a', let: {} }, 40415);
  // Later let variables see earlier ones.
  const ok = await db.command({ find: 'e11', filter: { $expr: { $eq: ['$a', '$$two'] } }, let: { one: 0, two: { $add: ['$$one', 1] } } });
  assert.equal(ok.cursor.firstBatch.length, 1);
});

test('mongosh: pipeline update and $expr find', async () => {
  await seed('e12', [{ _id: 1, name: 'ann', a: 3, b: 1 }, { _id: 2, name: 'bob', a: 1, b: 3 }]);
  const result = mongosh(server.uri + 'test', [
    'const r = db.e12.updateOne({_id: 1}, [{$set: {shout: {$concat: [{$toUpper: "$name"}, "!"]}}}]);',
    'print(r.matchedCount, r.modifiedCount);',
    'print(JSON.stringify(db.e12.find({$expr: {$gt: ["$a", "$b"]}}, {_id: 0, shout: 1}).toArray()));',
    'print(JSON.stringify(db.e12.findOneAndUpdate({$expr: {$eq: ["$name", "$$who"]}}, [{$set: {seen: true}}], {let: {who: "bob"}, returnNewDocument: true})));',
  ].join('\n'));
  assert.equal(result.status, 0, result.stderr + result.stdout);
  assert.equal(result.stdout.trim(),
    '1 1\n[{"shout":"ANN!"}]\n{"_id":2,"name":"bob","a":1,"b":3,"seen":true}');
});
