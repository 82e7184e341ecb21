// Catalog commands through the Node driver and mongosh: collections, indexes,
// databases, renames, statistics and validation, with mongod 7.0's replies;
// and a unique index that survives a restart of the server.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { MongoClient, Binary, Double, Int32, Long, MongoServerError } = require('mongodb');
const { startServer, mongosh } = require('./lib/server');

let server;
let client;
let db;

before(async () => {
  server = await startServer();
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  db = client.db('cat');
});

after(async () => {
  await client?.close();
  await server?.stop();
});

// The reply with BSON types kept (Int32, Long, Double), for assertions on types.
function typed(database, cmd) {
  return database.command(cmd, { promoteValues: false, promoteLongs: false });
}

async function rejectsWith(promise, code, codeName, errmsg) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof MongoServerError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.codeName, codeName);
    assert.equal(err.errmsg, errmsg);
    return true;
  });
}

test('createCollection, then listCollections describes it as mongod does', async () => {
  await db.createCollection('people', { validator: { age: { $gte: 0 } }, validationLevel: 'moderate' });
  const infos = await db.listCollections({ name: 'people' }).toArray();
  assert.equal(infos.length, 1);
  const info = infos[0];
  assert.deepEqual(Object.keys(info), ['name', 'type', 'options', 'info', 'idIndex']);
  assert.equal(info.type, 'collection');
  assert.deepEqual(info.options, { validator: { age: { $gte: 0 } }, validationLevel: 'moderate' });
  assert.equal(info.info.readOnly, false);
  assert.ok(info.info.uuid instanceof Binary);
  assert.equal(info.info.uuid.sub_type, Binary.SUBTYPE_UUID);
  assert.deepEqual(info.idIndex, { v: 2, key: { _id: 1 }, name: '_id_' });
  const names = await db.listCollections({}, { nameOnly: true }).toArray();
  assert.deepEqual(names, [{ name: 'people', type: 'collection' }]);
  await rejectsWith(db.createCollection('people'), 48, 'NamespaceExists',
    'Collection cat.people already exists.');
  await rejectsWith(db.createCollection('ring', { capped: true, size: 4096 }), 115,
    'CommandNotSupported', 'capped collections are not supported yet');
});

test('createIndex unique, listIndexes, and the duplicate it then refuses', async () => {
  const users = db.collection('users');
  const reply = await typed(db, {
    createIndexes: 'users', indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }],
  });
  assert.deepEqual(reply, {
    numIndexesBefore: new Int32(1), numIndexesAfter: new Int32(2),
    createdCollectionAutomatically: true, ok: new Double(1),
  });
  assert.equal(await users.createIndex({ email: 1 }, { unique: true }), 'email_1');
  const again = await typed(db, {
    createIndexes: 'users', indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }],
  });
  assert.equal(again.note, 'all indexes already exist');
  assert.deepEqual(await users.indexes(), [
    { v: 2, key: { _id: 1 }, name: '_id_' },
    { v: 2, unique: true, key: { email: 1 }, name: 'email_1' },
  ]);
  await users.insertOne({ email: 'a@b.c' });
  await assert.rejects(users.insertOne({ email: 'a@b.c' }), (err) => {
    assert.equal(err.code, 11000);
    assert.match(err.errmsg, /^E11000 duplicate key error collection: cat.users index: email_1 dup key: \{ email: "a@b.c" \}$/);
    return true;
  });
  await rejectsWith(db.command({ listIndexes: 'nobody' }), 26, 'NamespaceNotFound',
    'ns does not exist: cat.nobody');
});

test('a unique index over duplicates fails with 11000 and leaves no index behind', async () => {
  const dups = db.collection('dups');
  await dups.insertMany([{ _id: 1, k: 'x' }, { _id: 2, k: 'x' }, { _id: 3, k: 'y' }]);
  await assert.rejects(dups.createIndex({ k: 1 }, { unique: true }), (err) => {
    assert.equal(err.code, 11000);
    assert.match(err.errmsg, /^Index build failed: [0-9a-f-]{36}: Collection cat\.dups \( [0-9a-f-]{36} \) :: caused by :: E11000 duplicate key error collection: cat\.dups index: k_1 dup key: \{ k: "x" \}$/);
    assert.deepEqual(err.errorResponse.keyPattern, { k: 1 });
    assert.deepEqual(err.errorResponse.keyValue, { k: 'x' });
    return true;
  });
  assert.deepEqual((await dups.indexes()).map((i) => i.name), ['_id_']);
});

test('dropIndex by name and key, dropIndexes, and the _id index that cannot go', async () => {
  const c = db.collection('idx');
  await c.createIndexes([{ key: { a: 1 } }, { key: { b: -1 } }, { key: { c: 1 } }]);
  assert.deepEqual(await typed(db, { dropIndexes: 'idx', index: 'a_1' }),
    { nIndexesWas: new Int32(4), ok: new Double(1) });
  await c.dropIndex({ b: -1 });
  assert.deepEqual((await c.indexes()).map((i) => i.name), ['_id_', 'c_1']);
  await rejectsWith(c.dropIndex('_id_'), 72, 'InvalidOptions', 'cannot drop _id index');
  await rejectsWith(c.dropIndex('zzz'), 27, 'IndexNotFound', 'index not found with name [zzz]');
  assert.deepEqual(await typed(db, { dropIndexes: 'idx', index: '*' }), {
    nIndexesWas: new Int32(2), msg: 'non-_id indexes dropped for collection', ok: new Double(1),
  });
  assert.deepEqual((await c.indexes()).map((i) => i.name), ['_id_']);
});

test('drop reports nIndexesWas; dropping a missing collection succeeds', async () => {
  await db.collection('temp').insertOne({ x: 1 });
  assert.deepEqual(await typed(db, { drop: 'temp' }),
    { nIndexesWas: new Int32(1), ns: 'cat.temp', ok: new Double(1) });
  assert.deepEqual(await typed(db, { drop: 'temp' }), { ok: new Double(1) });
  assert.equal(await db.collection('temp').drop(), true);
});

test('renameCollection keeps the documents, the indexes and the uuid', async () => {
  const src = db.collection('before');
  await src.insertOne({ _id: 1, n: 'one' });
  await src.createIndex({ n: 1 });
  await db.collection('taken').insertOne({ _id: 9 });
  const [{ info: { uuid } }] = await db.listCollections({ name: 'before' }).toArray();
  await rejectsWith(src.rename('taken'), 48, 'NamespaceExists', 'target namespace exists');
  const renamed = await src.rename('after');
  assert.equal(renamed.collectionName, 'after');
  const [info] = await db.listCollections({ name: 'after' }).toArray();
  assert.equal(info.info.uuid.toString('hex'), uuid.toString('hex'));
  assert.deepEqual((await renamed.indexes()).map((i) => i.name), ['_id_', 'n_1']);
  assert.deepEqual(await db.listCollections({ name: 'before' }).toArray(), []);
  await rejectsWith(client.db('admin').command({ renameCollection: 'cat.before', to: 'cat.x' }),
    26, 'NamespaceNotFound', 'Source collection cat.before does not exist');
  await rejectsWith(db.command({ renameCollection: 'cat.after', to: 'cat.x' }), 13, 'Unauthorized',
    'renameCollection may only be run against the admin database.');
  await client.db('admin').command({ renameCollection: 'cat.after', to: 'cat.taken', dropTarget: true });
  assert.deepEqual(await db.collection('taken').find({}).toArray(), [{ _id: 1, n: 'one' }]);
});

test('collStats and dbStats report counts and sizes with mongod types', async () => {
  const s = client.db('stats');
  await s.collection('c').insertMany([{ _id: 1, v: 'aaaa' }, { _id: 2, v: 'bbbb' }]);
  await s.collection('c').createIndex({ v: 1 });
  const coll = await typed(s, { collStats: 'c' });
  assert.deepEqual(Object.keys(coll), ['ns', 'size', 'count', 'avgObjSize', 'numOrphanDocs',
    'storageSize', 'freeStorageSize', 'capped', 'nindexes', 'indexDetails', 'indexBuilds',
    'totalIndexSize', 'indexSizes', 'totalSize', 'scaleFactor', 'ok']);
  assert.equal(coll.ns, 'stats.c');
  assert.deepEqual(coll.count, new Int32(2));
  assert.deepEqual(coll.size, new Int32(2 * 26));  // {_id: int32, v: 4-char string} is 26 bytes
  assert.deepEqual(coll.avgObjSize, new Int32(26));
  assert.deepEqual(coll.nindexes, new Int32(2));
  assert.deepEqual(Object.keys(coll.indexSizes), ['_id_', 'v_1']);
  assert.equal(coll.totalIndexSize.valueOf(),
    coll.indexSizes._id_.valueOf() + coll.indexSizes.v_1.valueOf());
  assert.equal(coll.totalSize.valueOf(), coll.storageSize.valueOf() + coll.totalIndexSize.valueOf());
  const scaled = await s.command({ collStats: 'c', scale: 2 });
  assert.equal(scaled.size, 26);
  assert.equal(scaled.scaleFactor, 2);

  const dbs = await typed(s, { dbStats: 1 });
  assert.deepEqual(Object.keys(dbs), ['db', 'collections', 'views', 'objects', 'avgObjSize',
    'dataSize', 'storageSize', 'indexes', 'indexSize', 'totalSize', 'scaleFactor', 'fsUsedSize',
    'fsTotalSize', 'ok']);
  assert.deepEqual(dbs.collections, new Long(1));
  assert.deepEqual(dbs.objects, new Long(2));
  assert.deepEqual(dbs.indexes, new Long(2));
  assert.deepEqual(dbs.dataSize, new Double(52));
  assert.deepEqual(dbs.avgObjSize, new Double(26));
  assert.deepEqual(dbs.scaleFactor, new Long(1));
  assert.ok(dbs.fsTotalSize.valueOf() > 0 && dbs.fsUsedSize.valueOf() > 0);
  const missing = await s.command({ collStats: 'none' });
  assert.equal(missing.count, 0);
  assert.equal(missing.nindexes, 0);
});

test('validate finds records and indexes in agreement', async () => {
  const v = db.collection('checked');
  await v.insertMany([{ tags: ['a', 'b'] }, { tags: ['c'] }, { tags: [] }]);
  await v.createIndex({ tags: 1 });
  const reply = await db.command({ validate: 'checked', full: true });
  assert.deepEqual(Object.keys(reply), ['ns', 'uuid', 'nInvalidDocuments', 'nNonCompliantDocuments',
    'nrecords', 'nIndexes', 'keysPerIndex', 'indexDetails', 'valid', 'repaired', 'warnings',
    'errors', 'extraIndexEntries', 'missingIndexEntries', 'corruptRecords', 'ok']);
  assert.equal(reply.valid, true);
  assert.equal(reply.nrecords, 3);
  // A document with an empty array is indexed under undefined: one key each.
  assert.deepEqual(reply.keysPerIndex, { _id_: 3, tags_1: 4 });
  assert.deepEqual(reply.indexDetails, { _id_: { valid: true }, tags_1: { valid: true } });
  assert.deepEqual(reply.errors, []);
  await rejectsWith(db.command({ validate: 'nothing' }), 26, 'NamespaceNotFound',
    "Collection 'cat.nothing' does not exist to validate.");
});

test('listDatabases and dropDatabase', async () => {
  const doomed = client.db('doomed');
  await doomed.collection('x').insertOne({ a: 1 });
  const list = await client.db('admin').admin().listDatabases();
  assert.deepEqual(Object.keys(list), ['databases', 'totalSize', 'totalSizeMb', 'ok']);
  const entry = list.databases.find((d) => d.name === 'doomed');
  assert.deepEqual(Object.keys(entry), ['name', 'sizeOnDisk', 'empty']);
  assert.ok(entry.sizeOnDisk > 0);
  assert.equal(entry.empty, false);
  const named = await client.db('admin').admin().listDatabases({ nameOnly: true, filter: { name: /^doo/ } });
  assert.deepEqual(named.databases, [{ name: 'doomed' }]);
  assert.deepEqual(await typed(doomed, { dropDatabase: 1 }), { ok: new Double(1) });
  assert.equal(await doomed.dropDatabase(), true);
  const after = await client.db('admin').admin().listDatabases({ nameOnly: true });
  assert.equal(after.databases.some((d) => d.name === 'doomed'), false);
});

test('mongosh: createIndex, getIndexes, show collections, db.stats()', () => {
  const result = mongosh(server.uri + 'shell', 'show collections', ['--eval', [
    'print(db.c.createIndex({email: 1}, {unique: true}));',
    'print(JSON.stringify(db.c.getIndexes()));',
    'db.createCollection("b");',
    'const s = db.stats(); print(s.db, Number(s.collections), Number(s.indexes), s.ok);',
  ].join(' ')]);
  assert.equal(result.status, 0, result.stderr + result.stdout);
  assert.deepEqual(result.stdout.trim().split('\n'), [
    'email_1',
    '[{"v":2,"key":{"_id":1},"name":"_id_"},{"v":2,"unique":true,"key":{"email":1},"name":"email_1"}]',
    'shell 2 3 1',
    'b',
    'c',
  ]);
});

// --- Restart ------------------------------------------------------------------

test('a unique index created from mongosh survives a restart, and still enforces uniqueness', async () => {
  const dbpath = fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-restart-'));
  try {
    const first = await startServer([], { dbpath });
    const created = mongosh(first.uri + 'keep', [
      'print(db.users.createIndex({email: 1}, {unique: true}));',
      'print(db.users.insertOne({_id: 1, email: "ada@example.com"}).acknowledged);',
    ].join(' '));
    assert.equal(created.status, 0, created.stderr + created.stdout);
    assert.deepEqual(created.stdout.trim().split('\n'), ['email_1', 'true']);
    assert.deepEqual(await first.stop(), { code: 0, signal: null });

    const second = await startServer([], { dbpath });
    const again = new MongoClient(second.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      await again.connect();
      const keep = again.db('keep');
      assert.deepEqual((await keep.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name), ['users']);
      assert.deepEqual(await keep.collection('users').indexes(), [
        { v: 2, key: { _id: 1 }, name: '_id_' },
        { v: 2, unique: true, key: { email: 1 }, name: 'email_1' },
      ]);
      assert.equal((await keep.command({ collStats: 'users' })).count, 1);
      assert.deepEqual(await keep.collection('users').find({}).toArray(), [{ _id: 1, email: 'ada@example.com' }]);
      await assert.rejects(keep.collection('users').insertOne({ _id: 2, email: 'ada@example.com' }), (err) => {
        assert.equal(err.code, 11000);
        assert.equal(err.errmsg, 'E11000 duplicate key error collection: keep.users index: email_1 dup key: { email: "ada@example.com" }');
        return true;
      });
      assert.equal((await keep.command({ validate: 'users' })).valid, true);
    } finally {
      await again.close();
      assert.deepEqual(await second.stop(), { code: 0, signal: null });
    }
  } finally {
    fs.rmSync(dbpath, { recursive: true, force: true });
  }
});
