// $out, $merge, $bucket and $bucketAuto through the Node driver: what the
// target collection holds afterwards, the empty closed cursor mongod
// answers with, the errors a user sees (a duplicate key under $merge is
// code 11000 with keyPattern and keyValue), and that explain writes nothing.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient } = require('mongodb');
const { startServer } = require('./lib/server');

let server;
let client;
let db;

before(async () => {
  server = await startServer();
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  db = client.db('test');
  await db.collection('sales').insertMany([
    { _id: 1, item: 'a', qty: 5, price: 10 },
    { _id: 2, item: 'b', qty: 12, price: 3 },
    { _id: 3, item: 'a', qty: 7, price: 10 },
    { _id: 4, item: 'c', qty: 30, price: 1.5 },
    { _id: 5, item: 'b', qty: 1, price: 3 },
  ]);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

async function rejectsWith(promise, code, errmsg) {
  let caught;
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, err.message);
    if (errmsg !== undefined) assert.equal(err.errmsg, errmsg);
    caught = err;
    return true;
  });
  return caught;
}

const byId = { sort: { _id: 1 } };

test('$out replies with an empty closed cursor and replaces the target', async () => {
  const reply = await db.command({
    aggregate: 'sales',
    pipeline: [{ $group: { _id: '$item', total: { $sum: '$qty' } } }, { $sort: { _id: 1 } }, { $out: 'totals' }],
    cursor: { batchSize: 0 },
  });
  assert.deepEqual(reply.cursor.firstBatch, []);
  assert.equal(Number(reply.cursor.id), 0);
  assert.equal(reply.cursor.ns, 'test.sales');
  assert.deepEqual(await db.collection('totals').find({}, byId).toArray(), [
    { _id: 'a', total: 12 }, { _id: 'b', total: 13 }, { _id: 'c', total: 30 },
  ]);

  // A second run replaces the whole collection and keeps its indexes.
  await db.collection('totals').createIndex({ total: 1 }, { unique: true });
  await db.collection('sales').aggregate([{ $match: { item: 'a' } }, { $project: { total: '$qty' } }, { $out: 'totals' }]).toArray();
  assert.deepEqual(await db.collection('totals').find({}, byId).toArray(), [
    { _id: 1, total: 5 }, { _id: 3, total: 7 },
  ]);
  const names = (await db.collection('totals').indexes()).map((i) => i.name).sort();
  assert.deepEqual(names, ['_id_', 'total_1']);

  // {db, coll} form, into another database.
  await db.collection('sales').aggregate([{ $match: { _id: 1 } }, { $out: { db: 'reports', coll: 'one' } }]).toArray();
  assert.deepEqual(await client.db('reports').collection('one').find().toArray(),
    [{ _id: 1, item: 'a', qty: 5, price: 10 }]);
});

test('$out and $merge check writeConcern before writing', async () => {
  await rejectsWith(db.command({
    aggregate: 'sales', pipeline: [{ $out: 'unwritten' }], cursor: {}, writeConcern: { w: 2 },
  }), 2, "cannot use 'w' > 1 when a host is not replicated");
  await rejectsWith(db.command({
    aggregate: 'sales', pipeline: [{ $merge: 'unwritten' }], cursor: {}, writeConcern: { w: 2 },
  }), 2, "cannot use 'w' > 1 when a host is not replicated");
  assert.equal(await db.collection('unwritten').countDocuments(), 0);
  await db.command({
    aggregate: 'sales', pipeline: [{ $out: 'written' }], cursor: {}, writeConcern: { w: 'majority', j: true },
  });
  assert.equal(await db.collection('written').countDocuments(), 5);
});

test('a failing $out leaves the old target intact and no temporary collection', async () => {
  const before = await db.collection('totals').find({}, byId).toArray();
  // Two results with the same total violate the copied unique index.
  const err = await rejectsWith(
    db.collection('sales').aggregate([{ $project: { total: { $literal: 1 } } }, { $out: 'totals' }]).toArray(),
    11000);
  assert.deepEqual(err.keyPattern, { total: 1 });
  assert.deepEqual(err.keyValue, { total: 1 });
  assert.deepEqual(await db.collection('totals').find({}, byId).toArray(), before);
  const names = (await db.listCollections().toArray()).map((c) => c.name);
  assert.ok(!names.some((n) => n.startsWith('tmp.agg_out')), names.join(','));
});

test('$out over the collection it reads stays consistent', async () => {
  const copy = db.collection('loop');
  await copy.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, n: i })));
  await copy.aggregate([{ $set: { n: { $multiply: ['$n', 2] } } }, { $out: 'loop' }]).toArray();
  const docs = await copy.find({}, byId).toArray();
  assert.equal(docs.length, 50);
  assert.deepEqual(docs[49], { _id: 49, n: 98 });
});

test('$merge into the collection being read does not loop', async () => {
  const grow = db.collection('grow');
  await grow.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i })));
  // Every document read yields a new one; a read that saw the writes would never end.
  await grow.aggregate([{ $project: { _id: { $add: ['$_id', 100] } } }, { $merge: 'grow' }]).toArray();
  assert.equal(await grow.countDocuments(), 40);
});

test('$merge whenMatched and whenNotMatched modes', async () => {
  const source = [{ $match: { _id: { $in: [1, 2] } } }, { $project: { qty: 1 } }];
  const cases = [
    [{}, [{ _id: 1, qty: 5, note: 'old' }, { _id: 2, qty: 12 }]],
    [{ whenMatched: 'replace' }, [{ _id: 1, qty: 5 }, { _id: 2, qty: 12 }]],
    [{ whenMatched: 'keepExisting' }, [{ _id: 1, qty: 0, note: 'old' }, { _id: 2, qty: 12 }]],
    [{ whenMatched: 'merge', whenNotMatched: 'discard' }, [{ _id: 1, qty: 5, note: 'old' }]],
    [{ whenMatched: 'replace', whenNotMatched: 'discard' }, [{ _id: 1, qty: 5 }]],
    [{ whenMatched: [{ $set: { qty: { $add: ['$qty', '$$new.qty', '$$bonus'] } } }], let: { bonus: 100 } },
      [{ _id: 1, qty: 105, note: 'old' }, { _id: 2, qty: 12 }]],
  ];
  for (const [modes, expected] of cases) {
    const target = db.collection('merged');
    await target.deleteMany({});
    await target.insertOne({ _id: 1, qty: 0, note: 'old' });
    const reply = await db.command({
      aggregate: 'sales', pipeline: [...source, { $merge: { into: 'merged', ...modes } }], cursor: {},
    });
    assert.deepEqual(reply.cursor.firstBatch, [], JSON.stringify(modes));
    assert.equal(Number(reply.cursor.id), 0);
    assert.deepEqual(await target.find({}, byId).toArray(), expected, JSON.stringify(modes));
  }

  const target = db.collection('merged');
  await target.deleteMany({});
  await target.insertOne({ _id: 1, qty: 0 });
  await rejectsWith(db.collection('sales').aggregate([...source, { $merge: { into: 'merged', whenNotMatched: 'fail' } }]).toArray(),
    13113,
    'PlanExecutor error during aggregation :: caused by :: $merge could not find a matching document in the ' +
      'target collection for at least one document in the source collection');
  const err = await rejectsWith(
    db.collection('sales').aggregate([...source, { $merge: { into: 'merged', whenMatched: 'fail' } }]).toArray(),
    11000,
    'PlanExecutor error during aggregation :: caused by :: $merge with whenMatched: fail found an existing ' +
      "document with the same values for the 'on' fields :: caused by :: E11000 duplicate key error " +
      'collection: test.merged index: _id_ dup key: { _id: 1 }');
  assert.deepEqual(err.keyPattern, { _id: 1 });
  assert.deepEqual(err.keyValue, { _id: 1 });
});

test('$merge into a collection with a unique index reports 11000 with keyPattern and keyValue', async () => {
  const byItem = db.collection('byItem');
  await byItem.createIndex({ item: 1 }, { unique: true });
  await byItem.createIndex({ code: 1 }, { unique: true });
  await byItem.insertOne({ _id: 'x', item: 'z', code: 'B' });

  // Merging on the unique field works: one document per item.
  await db.collection('sales').aggregate([
    { $group: { _id: null, item: { $first: '$item' } } }, { $project: { _id: 0, item: 1, code: 'A' } },
    { $merge: { into: 'byItem', on: 'item' } },
  ]).toArray();
  assert.equal(await byItem.countDocuments({ item: 'a' }), 1);

  // Inserting a new item whose code collides with another unique index.
  const err = await rejectsWith(db.collection('sales').aggregate([
    { $match: { _id: 2 } }, { $project: { _id: 0, item: 1, code: 'B' } },
    { $merge: { into: 'byItem', on: 'item' } },
  ]).toArray(), 11000);
  assert.equal(err.codeName, 'DuplicateKey');
  assert.equal(err.errmsg, 'PlanExecutor error during aggregation :: caused by :: $merge failed due to a ' +
    'DuplicateKey error :: caused by :: E11000 duplicate key error collection: test.byItem index: code_1 ' +
    'dup key: { code: "B" }');
  assert.deepEqual(err.keyPattern, { code: 1 });
  assert.deepEqual(err.keyValue, { code: 'B' });

  await rejectsWith(db.collection('sales').aggregate([{ $merge: { into: 'byItem', on: 'qty' } }]).toArray(),
    51183, 'Cannot find index to verify that join fields will be unique');
  // A partial unique index does not make the field unique.
  await byItem.createIndex({ price: 1 }, { unique: true, partialFilterExpression: { price: { $gt: 5 } } });
  await rejectsWith(db.collection('sales').aggregate([{ $merge: { into: 'byItem', on: 'price' } }]).toArray(),
    51183, 'Cannot find index to verify that join fields will be unique');
});

test('$out and $merge placement errors and explain', async () => {
  await rejectsWith(db.collection('sales').aggregate([{ $out: 'x' }, { $limit: 1 }]).toArray(),
    40601, '$out can only be the final stage in the pipeline');
  await rejectsWith(db.collection('sales').aggregate([{ $facet: { f: [{ $merge: 'x' }] } }]).toArray(),
    40600, '$merge is not allowed to be used within a $facet stage');
  await rejectsWith(db.collection('sales').aggregate([{ $unionWith: { coll: 'x', pipeline: [{ $out: 'y' }] } }]).toArray(),
    31441, "$out is not allowed within a $unionWith's sub-pipeline");

  const plan = await db.command({ aggregate: 'sales', pipeline: [{ $out: 'explained' }], explain: true });
  assert.deepEqual(plan.stages[1], { $out: { db: 'test', coll: 'explained' } });
  await db.command({ aggregate: 'sales', pipeline: [{ $merge: 'explained' }], explain: true });
  const names = (await db.listCollections().toArray()).map((c) => c.name);
  assert.ok(!names.includes('explained'), names.join(','));
});

test('$bucket and $bucketAuto through the driver', async () => {
  const buckets = await db.collection('sales').aggregate([
    { $bucket: { groupBy: '$qty', boundaries: [0, 10, 20], default: 'many', output: { n: { $sum: 1 }, items: { $addToSet: '$item' } } } },
  ]).toArray();
  for (const b of buckets) b.items.sort();
  assert.deepEqual(buckets, [
    { _id: 0, n: 3, items: ['a', 'b'] }, { _id: 10, n: 1, items: ['b'] }, { _id: 'many', n: 1, items: ['c'] },
  ]);

  const auto = await db.collection('sales').aggregate([
    { $bucketAuto: { groupBy: '$qty', buckets: 2, output: { ids: { $push: '$_id' } } } },
  ]).toArray();
  assert.deepEqual(auto, [{ _id: { min: 1, max: 12 }, ids: [5, 1, 3] }, { _id: { min: 12, max: 30 }, ids: [2, 4] }]);

  const rounded = await db.collection('sales').aggregate([
    { $bucketAuto: { groupBy: '$qty', buckets: 2, granularity: 'POWERSOF2' } },
  ]).toArray();
  assert.deepEqual(rounded, [{ _id: { min: 0.5, max: 8 }, count: 3 }, { _id: { min: 8, max: 32 }, count: 2 }]);

  await rejectsWith(db.collection('sales').aggregate([{ $bucket: { groupBy: '$qty', boundaries: [0, 10] } }]).toArray(),
    40066, 'PlanExecutor error during aggregation :: caused by :: $switch could not find a matching branch for ' +
      'an input, and no default was specified.');
  await rejectsWith(db.collection('sales').aggregate([{ $bucketAuto: { groupBy: '$qty', buckets: 0 } }]).toArray(),
    40243, "The $bucketAuto 'buckets' field must be greater than 0, but found: 0");
});
