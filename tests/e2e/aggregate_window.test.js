// $setWindowFields, $densify and $fill through the Node driver: the
// manual's running totals, moving averages, ranks, gap filling and
// densification, and mongod's errors as a client sees them.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient, Double } = require('mongodb');
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
    { _id: 1, state: 'CA', day: new Date('2020-05-18'), qty: 162 },
    { _id: 2, state: 'CA', day: new Date('2021-01-11'), qty: 120 },
    { _id: 3, state: 'CA', day: new Date('2019-05-18'), qty: 145 },
    { _id: 4, state: 'WA', day: new Date('2020-05-18'), qty: 104 },
    { _id: 5, state: 'WA', day: new Date('2019-05-18'), qty: 134 },
    { _id: 6, state: 'WA', day: new Date('2021-01-11'), qty: 104 },
  ]);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

test('running totals, moving averages and ranks per partition', async () => {
  const docs = await db.collection('sales').aggregate([
    {
      $setWindowFields: {
        partitionBy: '$state',
        sortBy: { day: 1 },
        output: {
          total: { $sum: '$qty', window: { documents: ['unbounded', 'current'] } },
          moving: { $avg: '$qty', window: { documents: [-1, 0] } },
          rank: { $rank: {} },
          previous: { $shift: { output: '$qty', by: -1, default: 0 } },
        },
      },
    },
    { $project: { _id: 1, total: 1, moving: 1, rank: 1, previous: 1 } },
  ]).toArray();
  assert.deepEqual(docs, [
    { _id: 3, total: 145, moving: 145, rank: 1, previous: 0 },
    { _id: 1, total: 307, moving: 153.5, rank: 2, previous: 145 },
    { _id: 2, total: 427, moving: 141, rank: 3, previous: 162 },
    { _id: 5, total: 134, moving: 134, rank: 1, previous: 0 },
    { _id: 4, total: 238, moving: 119, rank: 2, previous: 134 },
    { _id: 6, total: 342, moving: 104, rank: 3, previous: 104 },
  ]);
});

test('ties share a rank; a range window over dates with a unit', async () => {
  const docs = await db.collection('sales').aggregate([
    {
      $setWindowFields: {
        sortBy: { qty: -1 },
        output: { rank: { $rank: {} }, dense: { $denseRank: {} } },
      },
    },
    { $match: { qty: 104 } },
    { $project: { rank: 1, dense: 1 } },
  ]).toArray();
  assert.deepEqual(docs, [{ _id: 4, rank: 5, dense: 5 }, { _id: 6, rank: 5, dense: 5 }]);

  const yearly = await db.collection('sales').aggregate([
    {
      $setWindowFields: {
        partitionBy: '$state',
        sortBy: { day: 1 },
        output: { lastYear: { $push: '$qty', window: { range: [-1, 0], unit: 'year' } } },
      },
    },
    { $match: { state: 'CA' } },
    { $project: { lastYear: 1 } },
  ]).toArray();
  assert.deepEqual(yearly, [
    { _id: 3, lastYear: [145] },
    { _id: 1, lastYear: [145, 162] },
    { _id: 2, lastYear: [162, 120] },
  ]);
});

test('$fill and $densify fill the gaps of a series', async () => {
  const readings = db.collection('readings');
  await readings.insertMany([
    { _id: 1, t: 1, temp: 20 },
    { _id: 2, t: 2, temp: null },
    { _id: 3, t: 4, temp: 26 },
  ]);
  const filled = await readings.aggregate([
    { $densify: { field: 't', range: { step: 1, bounds: 'full' } } },
    { $fill: { sortBy: { t: 1 }, output: { temp: { method: 'linear' } } } },
    { $project: { _id: 0, t: 1, temp: 1 } },
  ]).toArray();
  assert.deepEqual(filled, [
    { t: 1, temp: 20 },
    { t: 2, temp: 22 },
    { t: 3, temp: 24 },
    { t: 4, temp: 26 },
  ]);
  const raw = await readings.aggregate(
    [
      { $densify: { field: 't', range: { step: 1, bounds: 'full' } } },
      { $fill: { sortBy: { t: 1 }, output: { temp: { method: 'linear' } } } },
    ],
    { promoteValues: false },
  ).toArray();
  assert.ok(raw[1].temp instanceof Double, 'interpolated values are doubles');

  const locf = await readings.aggregate([
    { $fill: { sortBy: { t: 1 }, output: { temp: { method: 'locf' }, note: { value: 'n/a' } } } },
    { $project: { _id: 0, temp: 1, note: 1 } },
  ]).toArray();
  assert.deepEqual(locf, [
    { temp: 20, note: 'n/a' },
    { temp: 20, note: 'n/a' },
    { temp: 26, note: 'n/a' },
  ]);
});

async function rejectsWith(promise, code, errmsg) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, err.message);
    assert.equal(err.errmsg, errmsg);
    return true;
  });
}

test('bad specifications and bad data get mongod errors', async () => {
  const sales = db.collection('sales');
  await rejectsWith(
    sales.aggregate([{ $setWindowFields: { output: { s: { $sum: '$qty', window: { documents: [-1, 0] } } } } }]).toArray(),
    5339901,
    'Document-based bounds require a sortBy',
  );
  await rejectsWith(
    sales.aggregate([{ $setWindowFields: { output: { s: { $summ: '$qty' } } } }]).toArray(),
    9,
    'Unrecognized window function, $summ',
  );
  await rejectsWith(
    sales.aggregate([{ $setWindowFields: { sortBy: { state: 1 }, output: { s: { $sum: 1, window: { range: [-1, 0] } } } } }]).toArray(),
    5429414,
    'PlanExecutor error during aggregation :: caused by :: Invalid range: Expected the sortBy field to be a number, but it was string',
  );
  await rejectsWith(
    sales.aggregate([{ $densify: { field: 'state', range: { step: 1, bounds: 'full' } } }]).toArray(),
    5733201,
    'PlanExecutor error during aggregation :: caused by :: Densify field type must be numeric or a date',
  );
  await rejectsWith(
    sales.aggregate([{ $fill: { output: { qty: { method: 'mean' } } } }]).toArray(),
    6050202,
    'Method must be either locf or linear',
  );
});
