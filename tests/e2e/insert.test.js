// insert / insertOne / insertMany: duplicate keys reported exactly as mongod
// reports them, ordered and unordered batches, and racing writers.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient, Double, Int32, Long, ObjectId, MongoServerError, MongoBulkWriteError } = require('mongodb');
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

// The reply with BSON types kept (Int32 vs Double), for assertions on types.
async function typedCommand(cmd) {
  return db.command(cmd, { promoteValues: false });
}

after(async () => {
  await client?.close();
  await server?.stop();
});

test('insertOne adds an ObjectId _id first and the document reads back as sent', async () => {
  const result = await db.collection('a').insertOne({ name: 'x', n: 1 });
  assert.ok(result.insertedId instanceof ObjectId);
  const raw = await typedCommand({ insert: 'a', documents: [{ b: 1, _id: 7, c: 2 }] });
  assert.deepEqual(raw, { n: new Int32(1), ok: new Double(1) });
});

test('a duplicate _id is write error 11000 with keyPattern and keyValue, fields in mongod order', async () => {
  await db.command({ insert: 'dup', documents: [{ _id: 1 }] });
  const reply = await typedCommand({ insert: 'dup', documents: [{ _id: new Double(1.0) }] });
  assert.equal(reply.n.valueOf(), 0);
  assert.equal(reply.writeErrors.length, 1);
  const err = reply.writeErrors[0];
  assert.deepEqual(Object.keys(err), ['index', 'code', 'errmsg', 'keyPattern', 'keyValue']);
  assert.equal(err.index.valueOf(), 0);
  assert.equal(err.code.valueOf(), 11000);
  assert.equal(err.errmsg, 'E11000 duplicate key error collection: test.dup index: _id_ dup key: { _id: 1.0 }');
  assert.deepEqual(err.keyPattern, { _id: new Int32(1) });
  assert.deepEqual(err.keyValue, { _id: new Double(1) });
  assert.deepEqual(Object.keys(reply), ['n', 'writeErrors', 'ok']);
});

test('1, 1L and 1.0 are one key; strings and ObjectIds print in shell notation', async () => {
  await db.command({ insert: 'keys', documents: [{ _id: new Long(5) }, { _id: 'a@b.c' }] });
  const reply = await typedCommand({
    insert: 'keys', ordered: false,
    documents: [{ _id: new Int32(5) }, { _id: new Double(5) }, { _id: 'a@b.c' }],
  });
  assert.equal(reply.n.valueOf(), 0);
  assert.deepEqual(reply.writeErrors.map((e) => [e.index.valueOf(), e.errmsg]), [
    [0, 'E11000 duplicate key error collection: test.keys index: _id_ dup key: { _id: 5 }'],
    [1, 'E11000 duplicate key error collection: test.keys index: _id_ dup key: { _id: 5.0 }'],
    [2, 'E11000 duplicate key error collection: test.keys index: _id_ dup key: { _id: "a@b.c" }'],
  ]);
  const oid = new ObjectId('65a1b2c3d4e5f60718293a4b');
  await db.command({ insert: 'keys', documents: [{ _id: oid }] });
  const again = await typedCommand({ insert: 'keys', documents: [{ _id: oid }] });
  assert.equal(again.writeErrors[0].errmsg,
    "E11000 duplicate key error collection: test.keys index: _id_ dup key: { _id: ObjectId('65a1b2c3d4e5f60718293a4b') }");
});

test('ordered batches stop at the first error; unordered ones go on', async () => {
  const ordered = await db.command({ insert: 'batch1', documents: [{ _id: 1 }, { _id: 1 }, { _id: 1 }, { _id: 2 }] });
  assert.equal(ordered.n.valueOf(), 1);
  assert.deepEqual(ordered.writeErrors.map((e) => e.index.valueOf()), [1]);
  const unordered = await db.command({
    insert: 'batch2', ordered: false, documents: [{ _id: 1 }, { _id: 1 }, { _id: 1 }, { _id: 2 }],
  });
  assert.equal(unordered.n.valueOf(), 2);
  assert.deepEqual(unordered.writeErrors.map((e) => e.index.valueOf()), [1, 2]);
});

test('insertMany ordered:false throws MongoBulkWriteError carrying the partial result', async () => {
  const coll = db.collection('bulk');
  await assert.rejects(coll.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }], { ordered: false }), (err) => {
    assert.ok(err instanceof MongoBulkWriteError);
    assert.equal(err.code, 11000);
    assert.equal(err.result.insertedCount, 3);
    assert.deepEqual(err.writeErrors.map((e) => e.index), [1, 3]);
    assert.deepEqual(err.writeErrors.map((e) => e.errmsg), [
      'E11000 duplicate key error collection: test.bulk index: _id_ dup key: { _id: 1 }',
      'E11000 duplicate key error collection: test.bulk index: _id_ dup key: { _id: 2 }',
    ]);
    return true;
  });
});

test('insertOne of a duplicate throws MongoServerError 11000 with keyValue', async () => {
  const coll = db.collection('one');
  await coll.insertOne({ _id: 'k' });
  await assert.rejects(coll.insertOne({ _id: 'k' }), (err) => {
    assert.ok(err instanceof MongoServerError);
    assert.equal(err.code, 11000);
    assert.deepEqual(err.keyValue, { _id: 'k' });
    assert.deepEqual(err.keyPattern, { _id: 1 });
    return true;
  });
});

test('bad documents are refused with mongod codes and messages', async () => {
  const reply = await db.command({
    insert: 'bad', ordered: false,
    documents: [{ _id: [1] }, { _id: /x/ }, { _id: 1, x: 1, _id2: 1 }],
  });
  assert.equal(reply.n.valueOf(), 1);
  assert.deepEqual(reply.writeErrors.map((e) => [e.index.valueOf(), e.code.valueOf(), e.errmsg]), [
    [0, 2, "can't use an array for _id"],
    [1, 2, "can't use a regex for _id"],
  ]);
  await assert.rejects(db.command({ insert: 'bad', documents: [] }), (err) => {
    assert.equal(err.code, 16);
    assert.equal(err.errmsg, 'Write batch sizes must be between 1 and 100000. Got 0 operations.');
    return true;
  });
  await assert.rejects(db.command({ insert: 'bad', documents: [{}], frob: 1 }), (err) => {
    assert.equal(err.code, 40415);
    assert.equal(err.errmsg, "BSON field 'insert.frob' is an unknown field.");
    return true;
  });
  await assert.rejects(db.command({ insert: 'bad' }), (err) => {
    assert.equal(err.code, 40414);
    assert.equal(err.errmsg, "BSON field 'insert.documents' is missing but a required field");
    return true;
  });
  await assert.rejects(db.command({ insert: 'bad', documents: [1] }), (err) => {
    assert.equal(err.code, 14);
    return true;
  });
  const deep = {};
  let cur = deep;
  for (let i = 0; i < 185; i++) { cur.a = {}; cur = cur.a; }
  const tooDeep = await db.command({ insert: 'bad', documents: [deep] });
  assert.equal(tooDeep.writeErrors[0].code.valueOf(), 15);
  assert.equal(tooDeep.writeErrors[0].errmsg, 'cannot insert document because it exceeds 180 levels of nesting');
});

test('writeConcern w:1, w:"majority" and j:true are accepted; w:2 fails as on a standalone mongod', async () => {
  for (const wc of [{ w: 1 }, { w: 'majority' }, { j: true }, { w: 1, wtimeout: 100 }]) {
    const reply = await db.command({ insert: 'wc', documents: [{}], writeConcern: wc });
    assert.equal(reply.n.valueOf(), 1);
    assert.equal(reply.writeConcernError, undefined);
  }
  // A standalone refuses what it cannot satisfy before writing anything.
  await assert.rejects(db.command({ insert: 'wc', documents: [{}], writeConcern: { w: 2 } }), (err) => {
    assert.equal(err.code, 2);
    assert.equal(err.errmsg, "cannot use 'w' > 1 when a host is not replicated");
    return true;
  });
  await assert.rejects(db.command({ insert: 'wc', documents: [{}], writeConcern: { w: 'dc1' } }), (err) => {
    assert.equal(err.code, 2);
    assert.equal(err.errmsg, 'cannot use non-majority \'w\' mode "dc1" when a host is not a member of a replica set');
    return true;
  });
});

test('32 clients racing to insert one _id end with exactly one document', async () => {
  const clients = await Promise.all(Array.from({ length: 8 }, () =>
    new MongoClient(server.uri, { maxPoolSize: 8, serverSelectionTimeoutMS: 5000 }).connect()));
  try {
    for (let round = 0; round < 5; round++) {
      const attempts = Array.from({ length: 32 }, (_, i) =>
        clients[i % clients.length].db('test').collection('race').insertOne({ _id: `key-${round}`, by: i })
          .then(() => 'ok', (err) => err.code));
      const outcomes = await Promise.all(attempts);
      assert.equal(outcomes.filter((o) => o === 'ok').length, 1, `round ${round}: ${outcomes}`);
      assert.equal(outcomes.filter((o) => o === 11000).length, 31);
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

test('mongosh shows the duplicate key error a user sees', () => {
  const result = mongosh(server.uri + 'test',
    'db.sh.insertOne({_id: 1}); try { db.sh.insertOne({_id: 1}) } catch (e) { print(e.code, e.message) }');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(),
    '11000 E11000 duplicate key error collection: test.sh index: _id_ dup key: { _id: 1 }');
});
