// Large insert batches, which the server writes in groups of documents: every
// document still gets the outcome it would get inserted alone, in order, with
// duplicates against stored documents and against earlier documents of the
// same batch, across group boundaries; ordered batches stop at the first
// error; bulkWrite's runs of inserts behave the same; racing batches leave
// exactly one document per key.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient, MongoBulkWriteError } = require('mongodb');
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

const dupEmail = (coll, email) =>
  `E11000 duplicate key error collection: test.${coll} index: email_1 dup key: { email: "${email}" }`;
const dupId = (coll, id) =>
  `E11000 duplicate key error collection: test.${coll} index: _id_ dup key: { _id: ${id} }`;

// 3000 users; the faults sit on both sides of the server's group boundaries.
function users() {
  const docs = [];
  for (let i = 0; i < 3000; i++) docs.push({ _id: i, email: `u${i}@x.org`, n: i });
  docs[600].email = 'u100@x.org';        // an earlier document's email
  docs[1100]._id = 1024;                 // an earlier document's _id
  docs[1500].email = 'stored@x.org';     // a stored document's email
  docs[2047]._id = [2047];               // refused before storage
  docs[2048] = { _id: 2048, a: [1], b: [2] };  // no key can be made of it
  docs[2999].email = 'u2998@x.org';      // the document just before it
  return docs;
}

async function prepare(name) {
  const coll = db.collection(name);
  await coll.createIndex({ email: 1 }, { unique: true });
  await coll.createIndex({ a: 1, b: 1 });
  await coll.insertOne({ _id: 'stored', email: 'stored@x.org' });
  return coll;
}

test('an unordered batch of 3000 reports each failure in order, and stores the rest', async () => {
  const coll = await prepare('unordered');
  const reply = await db.command({ insert: 'unordered', documents: users(), ordered: false });
  assert.equal(reply.n, 2994);
  assert.deepEqual(reply.writeErrors.map((e) => [e.index, e.code, e.errmsg]), [
    [600, 11000, dupEmail('unordered', 'u100@x.org')],
    [1100, 11000, dupId('unordered', 1024)],
    [1500, 11000, dupEmail('unordered', 'stored@x.org')],
    [2047, 2, "can't use an array for _id"],
    [2048, 171, 'cannot index parallel arrays [b] [a]'],
    [2999, 11000, dupEmail('unordered', 'u2998@x.org')],
  ]);
  assert.deepEqual(Object.keys(reply.writeErrors[0]), ['index', 'code', 'errmsg', 'keyPattern', 'keyValue']);
  assert.deepEqual(reply.writeErrors[0].keyValue, { email: 'u100@x.org' });
  assert.equal(await coll.countDocuments(), 2995);
  // The first of two documents sharing a key is the one kept.
  assert.deepEqual(await coll.findOne({ email: 'u100@x.org' }), { _id: 100, email: 'u100@x.org', n: 100 });
  assert.deepEqual(await coll.findOne({ _id: 1024 }), { _id: 1024, email: 'u1024@x.org', n: 1024 });
  assert.equal(await coll.findOne({ n: 2999 }), null);
  assert.equal((await coll.find({ email: { $gte: 'u' } }).hint('email_1').toArray()).length, 2994);
});

test('an ordered batch stops at its first failure, keeping everything before it', async () => {
  const coll = await prepare('ordered');
  const reply = await db.command({ insert: 'ordered', documents: users() });
  assert.equal(reply.n, 600);
  assert.deepEqual(reply.writeErrors.map((e) => [e.index, e.code, e.errmsg]), [
    [600, 11000, dupEmail('ordered', 'u100@x.org')],
  ]);
  assert.equal(await coll.countDocuments(), 601);
  assert.equal(await coll.findOne({ _id: 601 }), null);
  // Stopping at a document refused before storage works the same way.
  const refused = await db.command({
    insert: 'ordered', documents: [{ _id: 5000 }, { _id: [1] }, { _id: 5001 }],
  });
  assert.equal(refused.n, 1);
  assert.deepEqual(refused.writeErrors.map((e) => [e.index, e.code]), [[1, 2]]);
  assert.equal(await coll.countDocuments({ _id: { $gte: 5000 } }), 1);
});

test('insertMany through the driver: MongoBulkWriteError with the partial result', async () => {
  const coll = await prepare('driver');
  const docs = users().filter((d) => !Array.isArray(d._id));
  await assert.rejects(coll.insertMany(docs, { ordered: false }), (err) => {
    assert.ok(err instanceof MongoBulkWriteError);
    assert.equal(err.result.insertedCount, 2994);
    assert.deepEqual(err.writeErrors.map((e) => e.index), [600, 1100, 1500, 2047, 2998]);
    return true;
  });
});

test('bulkWrite: runs of inserts give one item per op, ordered stopping at the first error', async () => {
  await db.collection('bw').createIndex({ email: 1 }, { unique: true });
  const ops = [
    { insert: 0, document: { _id: 1, email: 'a' } },
    { insert: 0, document: { _id: 2, email: 'a' } },
    { insert: 0, document: { _id: 3, email: 'b' } },
    { update: 0, filter: { _id: 3 }, updateMods: { $set: { seen: true } } },
    { insert: 1, document: { _id: 1 } },
    { insert: 0, document: { _id: 1, email: 'c' } },
    { insert: 0, document: { _id: 4, email: 'd' } },
  ];
  const nsInfo = [{ ns: 'test.bw' }, { ns: 'test.bw_other' }];
  const admin = client.db('admin');
  const unordered = await admin.command({ bulkWrite: 1, ops, nsInfo, ordered: false });
  assert.deepEqual(unordered.cursor.firstBatch.map((i) => [i.idx, i.ok, i.code ?? null, i.n]), [
    [0, 1, null, 1], [1, 0, 11000, 0], [2, 1, null, 1], [3, 1, null, 1],
    [4, 1, null, 1], [5, 0, 11000, 0], [6, 1, null, 1],
  ]);
  assert.equal(unordered.cursor.firstBatch[5].errmsg, dupId('bw', 1));
  assert.deepEqual([unordered.nErrors, unordered.nInserted, unordered.nModified], [2, 4, 1]);

  const ordered = await admin.command({
    bulkWrite: 1,
    ops: [
      { insert: 0, document: { _id: 10, email: 'e' } },
      { insert: 0, document: { _id: 11, email: 'e' } },
      { insert: 0, document: { _id: 12, email: 'f' } },
    ],
    nsInfo,
  });
  assert.deepEqual(ordered.cursor.firstBatch.map((i) => [i.idx, i.ok]), [[0, 1], [1, 0]]);
  assert.equal(ordered.cursor.firstBatch[1].errmsg, dupEmail('bw', 'e'));
  assert.equal(await db.collection('bw').countDocuments({ _id: { $gte: 10 } }), 1);
});

test('8 clients racing the same 2000 keys in big batches end with one document per key', async () => {
  const coll = db.collection('race');
  await coll.createIndex({ email: 1 }, { unique: true });
  const clients = await Promise.all(Array.from({ length: 8 }, () =>
    new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 }).connect()));
  try {
    const replies = await Promise.all(clients.map((c, t) => {
      // Each client its own _ids, all of them the same emails, each from its own starting point.
      const docs = [];
      for (let k = 0; k < 2000; k++) {
        const i = (k + t * 250) % 2000;
        docs.push({ _id: t * 10000 + i, email: `r${i}` });
      }
      return c.db('test').command({ insert: 'race', documents: docs, ordered: false });
    }));
    const inserted = replies.reduce((sum, r) => sum + r.n, 0);
    const duplicates = replies.reduce((sum, r) => sum + (r.writeErrors?.length ?? 0), 0);
    assert.equal(inserted, 2000);
    assert.equal(duplicates, 7 * 2000);
    assert.ok(replies.every((r) => (r.writeErrors ?? []).every((e) => e.code === 11000)));
    assert.equal(await coll.countDocuments(), 2000);
    const validate = await db.command({ validate: 'race' });
    assert.equal(validate.valid, true);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});
