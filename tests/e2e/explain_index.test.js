// Index use as explain shows it: indexBounds in mongod's notation, multikey
// tracking (isMultiKey, multiKeyPaths, kept across restarts) and the sorts an
// index can serve once it knows its sort field never held an array.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { MongoClient } = require('mongodb');
const { startServer } = require('./lib/server');

let server;
let client;
let db;

before(async () => {
  server = await startServer();
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  db = client.db('explain_index');
});

after(async () => {
  await client?.close();
  await server?.stop();
});

// The stages of a winning plan from the top down, e.g. ['FETCH', 'IXSCAN'].
function stages(plan) {
  const out = [];
  for (let s = plan; s; s = s.inputStage) out.push(s.stage);
  return out;
}

function ixscan(plan) {
  let s = plan;
  while (s && s.stage !== 'IXSCAN') s = s.inputStage;
  return s;
}

async function explain(coll, filter, options = {}) {
  const cursor = db.collection(coll).find(filter, options);
  return (await cursor.explain('executionStats')).queryPlanner.winningPlan;
}

test('a range with a sort on a flat index needs no SORT stage, and bounds print as mongod', async () => {
  const people = db.collection('people');
  await people.insertMany([40, 20, 35, 50, 31, 30].map((age, i) => ({ _id: i, age })));
  await people.createIndex({ age: 1 });

  const plan = await explain('people', { age: { $gt: 30 } }, { sort: { age: 1 } });
  assert.deepEqual(stages(plan), ['FETCH', 'IXSCAN']);
  const scan = ixscan(plan);
  assert.deepEqual(scan.indexBounds, { age: ['(30, inf.0]'] });
  assert.equal(scan.isMultiKey, false);
  assert.deepEqual(scan.multiKeyPaths, { age: [] });
  const ages = (await people.find({ age: { $gt: 30 } }).sort({ age: 1 }).toArray()).map((d) => d.age);
  assert.deepEqual(ages, [31, 35, 40, 50]);

  // Backward: the scan meets the intervals reversed, and explain lists them so.
  const back = await explain('people', { age: { $in: [40, 20, 31] } }, { sort: { age: -1 } });
  assert.deepEqual(stages(back), ['FETCH', 'IXSCAN']);
  assert.equal(ixscan(back).direction, 'backward');
  assert.deepEqual(ixscan(back).indexBounds, { age: ['[40, 40]', '[31, 31]', '[20, 20]'] });
  const desc = (await people.find({ age: { $in: [40, 20, 31] } }).sort({ age: -1 }).toArray()).map((d) => d.age);
  assert.deepEqual(desc, [40, 31, 20]);

  const upper = await explain('people', { age: { $lt: 35 } });
  assert.deepEqual(ixscan(upper).indexBounds, { age: ['[-inf.0, 35)'] });
  const strings = await explain('people', { age: { $gte: 'm' } });
  assert.deepEqual(ixscan(strings).indexBounds, { age: ['["m", {})'] });
});

test('compound bounds list every key field, descending fields reversed', async () => {
  const c = db.collection('compound');
  await c.insertMany([{ a: 5, b: 1, c: 1 }, { a: 5, b: 3, c: 2 }, { a: 6, b: 4, c: 3 }]);
  await c.createIndex({ a: 1, b: -1, c: 1 });
  const plan = await explain('compound', { a: 5, b: { $gt: 2 } });
  assert.deepEqual(ixscan(plan).indexBounds, {
    a: ['[5, 5]'],
    b: ['[inf.0, 2)'],
    c: ['[MinKey, MaxKey]'],
  });
  assert.deepEqual((await c.find({ a: 5, b: { $gt: 2 } }).toArray()).map((d) => d.c), [2]);
});

test('an array makes the index multikey: explain says where, and the sort goes back to SORT', async () => {
  const scores = db.collection('scores');
  await scores.insertMany([{ _id: 1, s: 40 }, { _id: 2, s: 60 }, { _id: 3, s: 50 }]);
  await scores.createIndex({ s: 1 });
  assert.deepEqual(stages(await explain('scores', { s: { $gt: 30 } }, { sort: { s: 1 } })), ['FETCH', 'IXSCAN']);

  // Sorted ascending, an array sorts by its smallest element (10), although
  // the key inside the bounds is 55: only a blocking sort gets that right.
  await scores.insertOne({ _id: 4, s: [10, 55] });
  const plan = await explain('scores', { s: { $gt: 30 } }, { sort: { s: 1 } });
  assert.deepEqual(stages(plan), ['SORT', 'FETCH', 'IXSCAN']);
  assert.equal(ixscan(plan).isMultiKey, true);
  assert.deepEqual(ixscan(plan).multiKeyPaths, { s: ['s'] });
  const ids = (await scores.find({ s: { $gt: 30 } }).sort({ s: 1 }).toArray()).map((d) => d._id);
  assert.deepEqual(ids, [4, 1, 3, 2]);
  // Each document once, although the array gives it two keys in [0, 100].
  assert.deepEqual((await scores.find({ s: { $gte: 0, $lte: 100 } }).toArray()).length, 4);

  // Over the whole field the first key met is the sort key, multikey or not.
  assert.deepEqual(stages(await explain('scores', {}, { sort: { s: 1 } })), ['FETCH', 'IXSCAN']);
});

test('multiKeyPaths names the array along a dotted path', async () => {
  const orders = db.collection('orders');
  await orders.createIndex({ 'items.sku': 1, customer: 1 });
  await orders.insertOne({ items: [{ sku: 'a' }, { sku: 'b' }], customer: 'x' });
  const scan = ixscan(await explain('orders', { 'items.sku': 'a' }));
  assert.equal(scan.isMultiKey, true);
  assert.deepEqual(scan.multiKeyPaths, { 'items.sku': ['items'], customer: [] });
});

test('returnKey and projections show as mongod stages', async () => {
  assert.deepEqual(stages(await explain('people', { age: 40 }, { returnKey: true })), ['RETURN_KEY', 'FETCH', 'IXSCAN']);
  const simple = await explain('people', { age: 40 }, { projection: { age: 1, _id: 0 } });
  assert.equal(simple.stage, 'PROJECTION_SIMPLE');
  assert.deepEqual(simple.transformBy, { age: 1, _id: 0 });
  const dotted = await explain('people', { age: 40 }, { projection: { 'a.b': 1 } });
  assert.equal(dotted.stage, 'PROJECTION_DEFAULT');
});

test('the multikey flag survives a restart', async () => {
  const dbpath = fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-multikey-'));
  try {
    let srv = await startServer([], { dbpath });
    let c = new MongoClient(srv.uri, { serverSelectionTimeoutMS: 5000 });
    await c.connect();
    await c.db('mk').collection('t').createIndex({ tags: 1 });
    await c.db('mk').collection('t').insertOne({ tags: ['x', 'y'] });
    await c.close();
    assert.deepEqual(await srv.stop(), { code: 0, signal: null });

    srv = await startServer([], { dbpath });
    c = new MongoClient(srv.uri, { serverSelectionTimeoutMS: 5000 });
    await c.connect();
    try {
      const plan = (await c.db('mk').collection('t').find({ tags: 'x' }).explain()).queryPlanner.winningPlan;
      assert.equal(ixscan(plan).isMultiKey, true);
      assert.deepEqual(ixscan(plan).multiKeyPaths, { tags: ['tags'] });
    } finally {
      await c.close();
      await srv.stop();
    }
  } finally {
    fs.rmSync(dbpath, { recursive: true, force: true });
  }
});
