// aggregate: what users run with the Node driver and mongosh — duplicate
// clean-up, countDocuments, reports — and the replies, cursors and errors
// mongod gives.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient, Long } = require('mongodb');
const { startServer, mongosh } = require('./lib/server');

let server;
let client;
let db;

before(async () => {
  server = await startServer();
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  db = client.db('test');
  const nums = Array.from({ length: 1000 }, (_, i) => ({ _id: i, n: i, parity: i % 2 ? 'odd' : 'even' }));
  await db.collection('nums').insertMany(nums);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

async function rejectsWith(promise, code, errmsg) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, err.message);
    assert.equal(err.errmsg, errmsg);
    return true;
  });
}

test('the duplicate clean-up users run in mongosh leaves the first of each email', async () => {
  const users = db.collection('users');
  await users.insertMany([
    { _id: 1, email: 'a@x.io', name: 'first a' },
    { _id: 2, email: 'b@x.io', name: 'first b' },
    { _id: 3, email: 'a@x.io', name: 'second a' },
    { _id: 4, email: 'c@x.io', name: 'only c' },
    { _id: 5, email: 'a@x.io', name: 'third a' },
    { _id: 6, email: 'b@x.io', name: 'second b' },
  ]);
  const script = [
    'db.users.aggregate([{ $group: { _id: "$email", count: { $sum: 1 }, docs: { $push: "$_id" } } }, ' +
      '{ $match: { count: { $gt: 1 } } }]).forEach(function(doc) { doc.docs.shift(); ' +
      'db.users.deleteMany({ _id: { $in: doc.docs } }); });',
    'print(JSON.stringify(db.users.find({}, {_id: 1}).sort({_id: 1}).toArray()));',
    'print(db.users.createIndex({email: 1}, {unique: true}));',
  ].join('\n');
  const result = mongosh(server.uri + 'test', script);
  assert.equal(result.status, 0, result.stderr + result.stdout);
  assert.equal(result.stdout.trim(), '[{"_id":1},{"_id":2},{"_id":4}]\nemail_1');
  assert.deepEqual(await users.find({}).sort({ _id: 1 }).toArray(), [
    { _id: 1, email: 'a@x.io', name: 'first a' },
    { _id: 2, email: 'b@x.io', name: 'first b' },
    { _id: 4, email: 'c@x.io', name: 'only c' },
  ]);
});

test('the same duplicate report with the Node driver', async () => {
  await db.collection('dups').insertMany([
    { _id: 1, email: 'x' }, { _id: 2, email: 'y' }, { _id: 3, email: 'x' }, { _id: 4 }, { _id: 5 },
  ]);
  const dups = await db.collection('dups').aggregate([
    { $group: { _id: '$email', ids: { $push: '$_id' }, n: { $sum: 1 } } },
    { $match: { n: { $gt: 1 } } },
    { $sort: { _id: 1 } },
  ]).toArray();
  // Missing emails group together as null, which sorts first.
  assert.deepEqual(dups, [{ _id: null, ids: [4, 5], n: 2 }, { _id: 'x', ids: [1, 3], n: 2 }]);
  const ids = dups.flatMap((d) => d.ids.slice(1));
  const deleted = await db.collection('dups').deleteMany({ _id: { $in: ids } });
  assert.equal(deleted.deletedCount, 2);
  assert.equal(await db.collection('dups').countDocuments(), 3);
});

test('countDocuments with filters, skip and limit', async () => {
  const nums = db.collection('nums');
  assert.equal(await nums.countDocuments(), 1000);
  assert.equal(await nums.countDocuments({ parity: 'odd' }), 500);
  assert.equal(await nums.countDocuments({ n: { $lt: 100 } }, { skip: 10 }), 90);
  assert.equal(await nums.countDocuments({ n: { $lt: 100 } }, { skip: 10, limit: 5 }), 5);
  assert.equal(await nums.countDocuments({ n: { $gt: 5000 } }), 0);
  assert.equal(await db.collection('missing').countDocuments(), 0);
  // What the driver sends, and mongod's reply to it.
  const reply = await db.command({
    aggregate: 'nums',
    pipeline: [{ $match: { parity: 'even' } }, { $skip: 1 }, { $limit: 3 }, { $group: { _id: 1, n: { $sum: 1 } } }],
    cursor: {},
  });
  assert.deepEqual(reply, { cursor: { firstBatch: [{ _id: 1, n: 3 }], id: 0, ns: 'test.nums' }, ok: 1 });
});

test('a 1000-document aggregate goes through getMore', async () => {
  const first = await db.command({ aggregate: 'nums', pipeline: [{ $project: { n: 1 } }], cursor: {} });
  assert.deepEqual(Object.keys(first.cursor), ['firstBatch', 'id', 'ns']);
  assert.equal(first.cursor.firstBatch.length, 101);
  assert.equal(first.cursor.ns, 'test.nums');
  assert.ok(first.cursor.id > 0);
  const more = await db.command({ getMore: first.cursor.id, collection: 'nums', batchSize: 400 });
  assert.equal(more.cursor.nextBatch.length, 400);
  assert.deepEqual(more.cursor.nextBatch[0], { _id: 101, n: 101 });
  const rest = await db.command({ getMore: first.cursor.id, collection: 'nums' });
  assert.equal(rest.cursor.nextBatch.length, 499);
  assert.equal(Number(rest.cursor.id), 0);
  await rejectsWith(db.command({ getMore: first.cursor.id, collection: 'nums' }), 43,
    `cursor id ${first.cursor.id} not found`);

  const all = await db.collection('nums').aggregate([{ $sort: { n: -1 } }], { batchSize: 7 }).toArray();
  assert.equal(all.length, 1000);
  assert.deepEqual(all.map((d) => d._id), Array.from({ length: 1000 }, (_, i) => 999 - i));

  const empty = await db.command({ aggregate: 'nums', pipeline: [], cursor: { batchSize: 0 } });
  assert.deepEqual(empty.cursor.firstBatch, []);
  assert.ok(empty.cursor.id > 0);
  const killed = await db.command({ killCursors: 'nums', cursors: [empty.cursor.id] });
  assert.deepEqual(killed.cursorsKilled, [empty.cursor.id]);
});

test('reports: grouping, sorting, joining and reshaping', async () => {
  await db.collection('orders').insertMany([
    { _id: 1, user: 'ann', total: 10, at: new Date('2024-01-05T10:00:00Z'), items: ['a', 'b'] },
    { _id: 2, user: 'bob', total: 5, at: new Date('2024-01-20T10:00:00Z'), items: ['a'] },
    { _id: 3, user: 'ann', total: 7.5, at: new Date('2024-02-02T10:00:00Z'), items: [] },
  ]);
  await db.collection('people').insertMany([{ _id: 'ann', city: 'Oslo' }, { _id: 'bob', city: 'Rome' }]);
  const byMonth = await db.collection('orders').aggregate([
    { $group: { _id: { $dateToString: { format: '%Y-%m', date: '$at' } }, revenue: { $sum: '$total' }, orders: { $sum: 1 } } },
    { $sort: { _id: 1 } },
  ]).toArray();
  assert.deepEqual(byMonth, [{ _id: '2024-01', revenue: 15, orders: 2 }, { _id: '2024-02', revenue: 7.5, orders: 1 }]);

  const joined = await db.collection('orders').aggregate([
    { $lookup: { from: 'people', localField: 'user', foreignField: '_id', as: 'who' } },
    { $unwind: '$who' },
    { $group: { _id: '$who.city', avg: { $avg: '$total' }, max: { $max: '$total' } } },
    { $sort: { avg: -1 } },
  ]).toArray();
  assert.deepEqual(joined, [{ _id: 'Oslo', avg: 8.75, max: 10 }, { _id: 'Rome', avg: 5, max: 5 }]);

  const items = await db.collection('orders').aggregate([
    { $unwind: '$items' },
    { $sortByCount: '$items' },
  ]).toArray();
  assert.deepEqual(items, [{ _id: 'a', count: 2 }, { _id: 'b', count: 1 }]);

  const facets = await db.collection('orders').aggregate([
    { $facet: { n: [{ $count: 'n' }], big: [{ $match: { total: { $gte: 7 } } }, { $project: { _id: 1 } }] } },
  ]).toArray();
  assert.deepEqual(facets, [{ n: [{ n: 3 }], big: [{ _id: 1 }, { _id: 3 }] }]);

  const shaped = await db.collection('orders').aggregate([
    { $match: { _id: 1 } },
    { $project: { _id: 0, user: { $toUpper: '$user' }, count: { $size: '$items' }, cents: { $multiply: ['$total', 100] } } },
  ]).toArray();
  assert.deepEqual(shaped, [{ user: 'ANN', count: 2, cents: 1000 }]);
});

test('a leading $match is served by an index', async () => {
  await db.collection('nums').createIndex({ n: 1 });
  const explained = await db.command({
    aggregate: 'nums', pipeline: [{ $match: { n: { $gte: 990 } } }, { $group: { _id: null, c: { $sum: 1 } } }], explain: true,
  });
  assert.equal(explained.explainVersion, '1');
  const planner = explained.stages[0].$cursor.queryPlanner;
  assert.equal(planner.winningPlan.stage, 'FETCH');
  assert.equal(planner.winningPlan.inputStage.stage, 'IXSCAN');
  assert.equal(planner.winningPlan.inputStage.indexName, 'n_1');
  assert.deepEqual(explained.stages[1], { $group: { _id: null, c: { $sum: 1 } } });
  const counted = await db.collection('nums').aggregate([{ $match: { n: { $gte: 990 } } }, { $count: 'c' }]).toArray();
  assert.deepEqual(counted, [{ c: 10 }]);
});

test('aggregate: 1 with $documents, $currentOp and $listLocalSessions', async () => {
  const reply = await db.command({ aggregate: 1, pipeline: [{ $documents: [{ x: 1 }, { x: 2 }] }, { $match: { x: 2 } }], cursor: {} });
  assert.deepEqual(reply, { cursor: { firstBatch: [{ x: 2 }], id: 0, ns: 'test.$cmd.aggregate' }, ok: 1 });
  const admin = client.db('admin');
  // $currentOp lists the operations in progress: at least this aggregate itself.
  const ops = await admin.aggregate([{ $currentOp: {} }, { $match: { 'command.aggregate': 1 } }]).toArray();
  assert.equal(ops.length, 1);
  assert.equal(ops[0].ns, 'admin.$cmd.aggregate');
  assert.equal(ops[0].active, true);
  assert.equal(typeof ops[0].opid, 'number');
  assert.deepEqual(await admin.aggregate([{ $listLocalSessions: {} }]).toArray(), []);
  await rejectsWith(db.command({ aggregate: 1, pipeline: [{ $match: {} }], cursor: {} }), 73,
    "{aggregate: 1} is not valid for '$match'; a collection is required.");
  await rejectsWith(db.command({ aggregate: 1, pipeline: [{ $currentOp: {} }], cursor: {} }), 73,
    "$currentOp must be run against the 'admin' database with {aggregate: 1}");
});

test('command and pipeline errors are mongod\'s', async () => {
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [] }), 9,
    "The 'cursor' option is required, except for aggregate with the explain argument");
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: {}, cursor: {} }), 14,
    "BSON field 'aggregate.pipeline' is the wrong type 'object', expected type 'array'");
  await rejectsWith(db.command({ aggregate: 'nums', cursor: {} }), 40414,
    "BSON field 'aggregate.pipeline' is missing but a required field");
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [{ $foo: 1 }], cursor: {} }), 40324,
    "Unrecognized pipeline stage name: '$foo'");
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [{ $match: {}, $limit: 1 }], cursor: {} }), 40323,
    'A pipeline stage specification object must contain exactly one field.');
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [5], cursor: {} }), 14,
    "Each element of the 'pipeline' array must be an object");
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [], cursor: {}, foo: 1 }), 40415,
    "BSON field 'aggregate.foo' is an unknown field.");
  await rejectsWith(db.command({ aggregate: 2, pipeline: [], cursor: {} }), 9,
    "Invalid command format: the 'aggregate' field must specify a collection name or 1");
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [{ $project: { x: { $foo: 1 } } }], cursor: {} }), 168,
    "Invalid $project :: caused by :: Unrecognized expression '$foo'");
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [{ $project: { x: { $add: ['$parity', 1] } } }], cursor: {} }), 14,
    'PlanExecutor error during aggregation :: caused by :: $add only supports numeric or date types, not string');
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [{ $group: { n: { $sum: 1 } } }], cursor: {} }), 15955,
    'a group specification must include an _id');
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [{ $graphLookup: {} }], cursor: {} }), 238,
    'The $graphLookup stage is not supported by Basalt yet');
  await assert.rejects(db.command({ aggregate: 'nums', pipeline: [{ $foo: 1 }], cursor: {} }), (err) => {
    assert.equal(err.codeName, 'Location40324');
    return true;
  });
});

test('errors on a later batch come from getMore', async () => {
  await db.collection('mixed').insertMany(Array.from({ length: 150 }, (_, i) => ({ _id: i, v: i < 140 ? i : 'text' })));
  const first = await db.command({ aggregate: 'mixed', pipeline: [{ $project: { w: { $add: ['$v', 1] } } }], cursor: {} });
  assert.equal(first.cursor.firstBatch.length, 101);
  await rejectsWith(db.command({ getMore: first.cursor.id, collection: 'mixed' }), 14,
    'Executor error during getMore :: caused by :: $add only supports numeric or date types, not string');
});

test('$group over the memory limit fails with 292 unless allowDiskUse', async () => {
  const docs = Array.from({ length: 2000 }, (_, i) => ({ _id: i, pad: 'p'.repeat(60000) }));
  for (let i = 0; i < docs.length; i += 200) await db.collection('big').insertMany(docs.slice(i, i + 200));
  const pipeline = [{ $group: { _id: null, all: { $push: '$pad' } } }, { $project: { n: { $size: '$all' } } }];
  await rejectsWith(db.command({ aggregate: 'big', pipeline, cursor: {} }), 292,
    "PlanExecutor error during aggregation :: caused by :: Exceeded memory limit for $group, but didn't allow external sort. Pass allowDiskUse:true to opt in.");
  const ok = await db.collection('big').aggregate(pipeline, { allowDiskUse: true }).toArray();
  assert.deepEqual(ok, [{ _id: null, n: 2000 }]);
});

test('maxTimeMS stops a long aggregate with code 50', async () => {
  // Building a 100,000-element array per document takes milliseconds each.
  const slow = { $match: { $expr: { $gt: [{ $size: { $range: [0, { $add: [100000, '$n'] }] } }, 0] } } };
  await rejectsWith(db.command({ aggregate: 'nums', pipeline: [slow], cursor: {}, maxTimeMS: 1 }),
    50, 'PlanExecutor error during aggregation :: caused by :: operation exceeded time limit');
  const counted = await db.command({ aggregate: 'nums', pipeline: [{ $match: { n: { $lt: 3 } } }, slow, { $count: 'c' }], cursor: {}, maxTimeMS: 60000 });
  assert.deepEqual(counted.cursor.firstBatch, [{ c: 3 }]);
});

test('let variables and $expr', async () => {
  const docs = await db.collection('nums').aggregate(
    [{ $match: { $expr: { $lt: ['$n', '$$limit'] } } }, { $project: { _id: 0, n: 1, now: { $type: '$$NOW' } } }],
    { let: { limit: 3 } },
  ).toArray();
  assert.deepEqual(docs, [{ n: 0, now: 'date' }, { n: 1, now: 'date' }, { n: 2, now: 'date' }]);
});

test('mongosh: aggregate helpers', () => {
  const result = mongosh(server.uri + 'test', [
    'print(db.nums.aggregate([{$match: {n: {$lt: 5}}}, {$group: {_id: "$parity", s: {$sum: "$n"}}}, {$sort: {_id: 1}}]).toArray().map(d => d._id + "=" + d.s).join(","));',
    'print(db.nums.aggregate([{$skip: 990}]).itcount());',
    'print(db.nums.countDocuments({n: {$gte: 995}}));',
    'print(typeof db.nums.aggregate([{$sample: {size: 3}}]).toArray()[0].n);',
    'try { db.nums.aggregate([{$limit: 0}]).toArray(); } catch (e) { print(e.code + " " + e.message); }',
  ].join('\n'));
  assert.equal(result.status, 0, result.stderr + result.stdout);
  assert.equal(result.stdout.trim(), 'even=6,odd=4\n10\n5\nnumber\n15958 the limit must be positive');
});

test('a $sum of longs stays a long', async () => {
  await db.collection('money').insertMany([{ v: Long.fromNumber(2) }, { v: 2147483647 }]);
  const [sum] = await db.collection('money').aggregate([{ $group: { _id: null, s: { $sum: '$v' } } }], { promoteLongs: false }).toArray();
  assert.ok(sum.s instanceof Long);
  assert.equal(sum.s.toString(), '2147483649');
});

test('the explain command explains an aggregate as aggregate with explain: true does', async () => {
  await db.collection('explained').insertMany([{ a: 1 }, { a: 2 }]);
  const viaExplain = await db.command({
    explain: { aggregate: 'explained', pipeline: [{ $match: { a: 1 } }, { $group: { _id: '$a' } }], cursor: {} },
    verbosity: 'queryPlanner',
  });
  const viaFlag = await db.command({
    aggregate: 'explained', pipeline: [{ $match: { a: 1 } }, { $group: { _id: '$a' } }], explain: true,
  });
  assert.deepEqual(Object.keys(viaExplain), ['explainVersion', 'stages', 'command', 'serverInfo', 'ok']);
  assert.deepEqual(viaExplain.stages, viaFlag.stages);
  assert.ok(viaExplain.stages[0].$cursor.queryPlanner);
});
