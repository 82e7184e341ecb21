// find's returnKey, showRecordId, min/max, and the planner's index use: $in
// through an index, a sort taken from index order (no SORT stage), explain
// for distinct.
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
  const docs = Array.from({ length: 20 }, (_, i) => ({ _id: i, a: i % 5, b: 20 - i, s: `k${i}` }));
  await db.collection('opts').insertMany(docs);
  await db.collection('opts').createIndex({ a: 1, b: -1 });
  await db.collection('opts').createIndex({ b: 1 });
});

after(async () => {
  await client?.close();
  await server?.stop();
});

const find = async (cmd) => (await db.command({ find: 'opts', ...cmd })).cursor.firstBatch;
const explain = (cmd, verbosity = 'executionStats') => db.command({ explain: cmd, verbosity });

function stages(plan) {
  const out = [];
  for (let s = plan; s; s = s.inputStage) out.push(s.stage);
  return out;
}

test('returnKey returns the scanned index key, {} for a collection scan', async () => {
  assert.deepEqual(await find({ filter: { b: { $gte: 18 } }, returnKey: true }), [
    { b: 18 }, { b: 19 }, { b: 20 },
  ]);
  assert.deepEqual(await find({ filter: { a: 2, b: { $lt: 10 } }, returnKey: true }), [
    { a: 2, b: 8 }, { a: 2, b: 3 },
  ]);
  assert.deepEqual(await find({ filter: { s: 'k3' }, returnKey: true }), [{}]);
  assert.deepEqual(await find({ filter: { _id: 4 }, returnKey: true }), [{ _id: 4 }]);
  // Through an in-memory sort, the key still comes from the entry.
  assert.deepEqual(
    await find({ filter: { b: { $lte: 3 } }, sort: { s: -1 }, returnKey: true }),
    [{ b: 1 }, { b: 2 }, { b: 3 }],
  );
});

test('showRecordId adds $recordId (the _id), also with returnKey and projection', async () => {
  assert.deepEqual(await find({ filter: { _id: { $in: [1, 2] } }, showRecordId: true }), [
    { _id: 1, a: 1, b: 19, s: 'k1', $recordId: 1 },
    { _id: 2, a: 2, b: 18, s: 'k2', $recordId: 2 },
  ]);
  assert.deepEqual(
    await find({ filter: { b: 20 }, projection: { _id: 0, s: 1 }, showRecordId: true }),
    [{ s: 'k0', $recordId: 0 }],
  );
  assert.deepEqual(await find({ filter: { b: 20 }, returnKey: true, showRecordId: true }), [
    { b: 20, $recordId: 0 },
  ]);
});

test('min and max bound the hinted index: min inclusive, max exclusive', async () => {
  const docs = await find({ min: { b: 5 }, max: { b: 8 }, hint: { b: 1 } });
  assert.deepEqual(docs.map((d) => d.b), [5, 6, 7]);
  const fromMin = await find({ min: { b: 18 }, hint: 'b_1' });
  assert.deepEqual(fromMin.map((d) => d.b), [18, 19, 20]);
  const compound = await find({ min: { a: 1, b: 100 }, max: { a: 1, b: 9 }, hint: { a: 1, b: -1 } });
  assert.deepEqual(compound.map((d) => d.b), [19, 14]);
  const filtered = await find({ filter: { s: { $in: ['k14', 'k3'] } }, max: { b: 8 }, hint: { b: 1 } });
  assert.deepEqual(filtered.map((d) => d._id), [14]);
});

test('min/max errors as mongod', async () => {
  const rejects = (cmd, code, errmsg) =>
    assert.rejects(db.command({ find: 'opts', ...cmd }), (err) => {
      assert.equal(err.code, code);
      assert.equal(err.errmsg, errmsg);
      return true;
    });
  await rejects({ min: { b: 1 } }, 51173,
    'When using min()/max() a hint of which index to use must be provided');
  await rejects({ max: { b: 1 }, hint: { $natural: 1 } }, 51173,
    'When using min()/max() a hint of which index to use must be provided');
  await rejects({ min: { a: 1 }, hint: { b: 1 } }, 51174,
    'The index chosen is not compatible with min/max');
  await rejects({ min: { a: 1 }, hint: { a: 1, b: -1 } }, 51174,
    'The index chosen is not compatible with min/max');
  await rejects({ min: { b: 5 }, max: { b: 5 }, hint: { b: 1 } }, 51175,
    'The value provided for min() does not come before the value provided for max() in the hinted index');
  await assert.rejects(db.command({ find: 'opts', min: 1, hint: { b: 1 } }), { code: 14 });
});

test('$in on an indexed field scans one point per value', async () => {
  const docs = await find({ filter: { b: { $in: [7, 3, 3, 15, 99] } } });
  assert.deepEqual(docs.map((d) => d.b), [3, 7, 15]);
  const ex = await explain({ find: 'opts', filter: { b: { $in: [7, 3, 3, 15, 99] } } });
  assert.deepEqual(stages(ex.queryPlanner.winningPlan), ['FETCH', 'IXSCAN']);
  assert.equal(ex.queryPlanner.winningPlan.inputStage.indexName, 'b_1');
  assert.equal(ex.executionStats.nReturned, 3);
  assert.equal(ex.executionStats.totalKeysExamined, 3);
  assert.equal(ex.executionStats.totalDocsExamined, 3);
  // Compound: equality on a, $in on b.
  const ex2 = await explain({ find: 'opts', filter: { a: 2, b: { $in: [8, 3, 4] } } });
  assert.equal(ex2.queryPlanner.winningPlan.inputStage.indexName, 'a_1_b_-1');
  assert.equal(ex2.executionStats.totalKeysExamined, 2);
  assert.equal(ex2.executionStats.nReturned, 2);
});

test('a sort an index provides uses the index order and no SORT stage', async () => {
  const cases = [
    [{ sort: { b: 1 } }, 'b_1', 'forward', Array.from({ length: 20 }, (_, i) => 19 - i)],
    [{ sort: { b: -1 } }, 'b_1', 'backward', Array.from({ length: 20 }, (_, i) => i)],
    [{ filter: { a: 3 }, sort: { b: -1 } }, 'a_1_b_-1', 'forward', [3, 8, 13, 18]],
    [{ filter: { a: 3 }, sort: { b: 1 } }, 'a_1_b_-1', 'backward', [18, 13, 8, 3]],
    [{ filter: { a: 3 }, sort: { a: 1, b: 1 } }, 'a_1_b_-1', 'backward', [18, 13, 8, 3]],
    [{ sort: { a: -1, b: 1 }, limit: 3 }, 'a_1_b_-1', 'backward', [19, 14, 9]],
    [{ filter: { s: { $ne: 'k0' } }, sort: { b: -1 }, limit: 2 }, 'b_1', 'backward', [1, 2]],
  ];
  for (const [cmd, indexName, direction, ids] of cases) {
    const docs = await find(cmd);
    assert.deepEqual(docs.map((d) => d._id), ids, JSON.stringify(cmd));
    const ex = await explain({ find: 'opts', ...cmd });
    const planStages = stages(ex.queryPlanner.winningPlan);
    assert.ok(!planStages.includes('SORT'), JSON.stringify(planStages));
    const ixscan = planStages.indexOf('IXSCAN');
    let s = ex.queryPlanner.winningPlan;
    for (let i = 0; i < ixscan; ++i) s = s.inputStage;
    assert.equal(s.indexName, indexName, JSON.stringify(cmd));
    assert.equal(s.direction, direction, JSON.stringify(cmd));
  }
  // A sort no index gives is still a SORT.
  const ex = await explain({ find: 'opts', sort: { s: 1 } });
  assert.deepEqual(stages(ex.queryPlanner.winningPlan), ['SORT', 'COLLSCAN']);
  const mixed = await explain({ find: 'opts', sort: { a: 1, b: 1 } });
  assert.deepEqual(stages(mixed.queryPlanner.winningPlan), ['SORT', 'COLLSCAN']);
});

test('an index sort over arrays orders by the smallest (largest) element as mongod', async () => {
  const c = db.collection('arr');
  await c.insertMany([{ _id: 1, x: [5, 1] }, { _id: 2, x: 3 }, { _id: 3, x: [4, 9] }, { _id: 4 }]);
  await c.createIndex({ x: 1 });
  const up = await c.find({}).sort({ x: 1 }).toArray();
  assert.deepEqual(up.map((d) => d._id), [4, 1, 2, 3]);
  const down = await c.find({}).sort({ x: -1 }).toArray();
  assert.deepEqual(down.map((d) => d._id), [3, 1, 2, 4]);
});

test('explain distinct shows the plan and execution stats', async () => {
  const ex = await explain({ distinct: 'opts', key: 's', query: { b: { $in: [1, 2] } } });
  assert.deepEqual(stages(ex.queryPlanner.winningPlan), ['FETCH', 'IXSCAN']);
  assert.equal(ex.queryPlanner.namespace, 'test.opts');
  assert.equal(ex.executionStats.nReturned, 2);
  assert.equal(ex.executionStats.totalKeysExamined, 2);
  const planner = await explain({ distinct: 'opts', key: 's' }, 'queryPlanner');
  assert.deepEqual(stages(planner.queryPlanner.winningPlan), ['COLLSCAN']);
  assert.equal(planner.executionStats, undefined);
  await assert.rejects(explain({ distinct: 'opts' }), { code: 40414 });
  const values = await db.collection('opts').distinct('a', { b: { $gt: 15 } });
  assert.deepEqual(values, [0, 1, 2, 3, 4]);
});
