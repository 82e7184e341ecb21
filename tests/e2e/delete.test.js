// delete / deleteOne / deleteMany, including the duplicate clean-up users run.
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
});

after(async () => {
  await client?.close();
  await server?.stop();
});

test('deleteOne removes one match, deleteMany all of them', async () => {
  const c = db.collection('d1');
  await c.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, k: i % 2 })));
  assert.equal((await c.deleteOne({ k: 1 })).deletedCount, 1);
  assert.equal((await c.deleteMany({ k: 1 })).deletedCount, 4);
  assert.equal((await c.deleteMany({ k: 1 })).deletedCount, 0);
  assert.deepEqual((await c.find({}).toArray()).map((d) => d._id), [0, 2, 4, 6, 8]);
});

test('deleteMany with $in removes the listed duplicates', async () => {
  const c = db.collection('d2');
  await c.insertMany([{ _id: 1, email: 'a' }, { _id: 2, email: 'a' }, { _id: 3, email: 'b' }, { _id: 4, email: 'a' }]);
  const result = await c.deleteMany({ _id: { $in: [2, 4] } });
  assert.equal(result.deletedCount, 2);
  assert.deepEqual(await c.find({}).toArray(), [{ _id: 1, email: 'a' }, { _id: 3, email: 'b' }]);
});

test('the raw reply and malformed deletes are as mongod', async () => {
  await db.collection('d3').insertMany([{ _id: 1 }, { _id: 2 }]);
  assert.deepEqual(await db.command({ delete: 'd3', deletes: [{ q: {}, limit: 0 }] }), { n: 2, ok: 1 });
  assert.deepEqual(await db.command({ delete: 'missing', deletes: [{ q: {}, limit: 1 }] }), { n: 0, ok: 1 });
  await assert.rejects(db.command({ delete: 'd3', deletes: [{ q: {}, limit: 2 }] }), (err) => {
    assert.equal(err.code, 9);
    assert.equal(err.errmsg, 'The limit field in delete objects must be 0 or 1. Got 2');
    return true;
  });
  await assert.rejects(db.command({ delete: 'd3', deletes: [{ limit: 1 }] }), (err) => {
    assert.equal(err.code, 40414);
    assert.equal(err.errmsg, "BSON field 'delete.deletes.q' is missing but a required field");
    return true;
  });
  // A filter that does not parse fails that one delete, as a write error.
  const bad = await db.command({ delete: 'd3', deletes: [{ q: { $bogus: 1 }, limit: 1 }] });
  assert.equal(bad.n, 0);
  assert.equal(bad.writeErrors[0].index, 0);
  assert.equal(bad.writeErrors[0].code, 2);
  assert.match(bad.writeErrors[0].errmsg, /^unknown top level operator: \$bogus/);
});
