// find, cursors (getMore, killCursors), count: what applications and mongosh read with.
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
  const docs = Array.from({ length: 250 }, (_, i) => ({ _id: i, n: i, parity: i % 2 ? 'odd' : 'even' }));
  await db.collection('nums').insertMany(docs);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

test('find returns a first batch of 101 and getMore continues to the end', async () => {
  const first = await db.command({ find: 'nums', filter: {} });
  assert.equal(first.cursor.firstBatch.length, 101);
  assert.equal(first.cursor.ns, 'test.nums');
  assert.ok(first.cursor.id > 0);
  assert.deepEqual(Object.keys(first.cursor), ['firstBatch', 'id', 'ns']);
  const more = await db.command({ getMore: first.cursor.id, collection: 'nums', batchSize: 100 });
  assert.equal(more.cursor.nextBatch.length, 100);
  assert.deepEqual(Object.keys(more.cursor), ['nextBatch', 'id', 'ns']);
  const last = await db.command({ getMore: first.cursor.id, collection: 'nums' });
  assert.equal(last.cursor.nextBatch.length, 49);
  assert.equal(Number(last.cursor.id), 0);
  await assert.rejects(db.command({ getMore: first.cursor.id, collection: 'nums' }), (err) => {
    assert.equal(err.code, 43);
    assert.equal(err.errmsg, `cursor id ${first.cursor.id} not found`);
    return true;
  });
});

test('the driver iterates every document through getMore', async () => {
  const all = await db.collection('nums').find({}, { batchSize: 7 }).toArray();
  assert.equal(all.length, 250);
  assert.deepEqual(all.map((d) => d._id), Array.from({ length: 250 }, (_, i) => i));
});

test('filter, skip and limit', async () => {
  const odd = await db.collection('nums').find({ parity: 'odd', n: { $gte: 200 } }).toArray();
  assert.equal(odd.length, 25);
  assert.ok(odd.every((d) => d.n % 2 === 1 && d.n >= 200));
  const page = await db.collection('nums').find({}).skip(10).limit(5).toArray();
  assert.deepEqual(page.map((d) => d._id), [10, 11, 12, 13, 14]);
  const reply = await db.command({ find: 'nums', limit: 3 });
  assert.equal(reply.cursor.firstBatch.length, 3);
  assert.equal(Number(reply.cursor.id), 0, 'a cursor that reached its limit is closed');
});

test('findOne by _id and a missing collection', async () => {
  assert.deepEqual(await db.collection('nums').findOne({ _id: 42 }), { _id: 42, n: 42, parity: 'even' });
  assert.equal(await db.collection('nums').findOne({ _id: 4242 }), null);
  const none = await db.command({ find: 'nope' });
  assert.deepEqual(none.cursor, { firstBatch: [], id: 0, ns: 'test.nope' });
});

test('batchSize 0 opens a cursor with an empty first batch; singleBatch closes it', async () => {
  const empty = await db.command({ find: 'nums', batchSize: 0 });
  assert.equal(empty.cursor.firstBatch.length, 0);
  assert.ok(empty.cursor.id > 0);
  const killed = await db.command({ killCursors: 'nums', cursors: [empty.cursor.id, Long.fromNumber(12345)] });
  assert.deepEqual(killed, {
    cursorsKilled: [empty.cursor.id], cursorsNotFound: [12345], cursorsAlive: [], cursorsUnknown: [], ok: 1,
  });
  const single = await db.command({ find: 'nums', batchSize: 10, singleBatch: true });
  assert.equal(single.cursor.firstBatch.length, 10);
  assert.equal(Number(single.cursor.id), 0);
});

test('getMore on another collection is refused with code 13', async () => {
  const first = await db.command({ find: 'nums', batchSize: 1 });
  await assert.rejects(db.command({ getMore: first.cursor.id, collection: 'other' }), (err) => {
    assert.equal(err.code, 13);
    assert.equal(err.errmsg, "Requested getMore on namespace 'test.other', but cursor belongs to a different namespace test.nums");
    return true;
  });
});

test('bad options fail as mongod fails them', async () => {
  await assert.rejects(db.command({ find: 'nums', skip: -1 }), (err) => {
    assert.equal(err.code, 51024);
    assert.equal(err.errmsg, "BSON field 'skip' value must be >= 0, actual value '-1'");
    return true;
  });
  await assert.rejects(db.command({ find: 'nums', filter: 5 }), (err) => {
    assert.equal(err.code, 14);
    return true;
  });
  await assert.rejects(db.command({ find: 'nums', filter: { n: { $foo: 1 } } }), (err) => {
    assert.equal(err.code, 2);
    assert.equal(err.errmsg, 'unknown operator: $foo');
    return true;
  });
  await assert.rejects(db.command({ find: 'nums', hint: 'no_such_index' }), (err) => {
    assert.equal(err.code, 2);
    assert.equal(err.errmsg, 'hint provided does not correspond to an existing index');
    return true;
  });
});

test('count and countDocuments-style counts', async () => {
  assert.deepEqual(await db.command({ count: 'nums' }), { n: 250, ok: 1 });
  assert.equal((await db.command({ count: 'nums', query: { parity: 'odd' } })).n, 125);
  assert.equal((await db.command({ count: 'nums', query: { n: { $lt: 10 } }, skip: 2, limit: 5 })).n, 5);
  assert.equal(await db.collection('nums').estimatedDocumentCount(), 250);
});

test('maxTimeMS is enforced with code 50', async () => {
  const big = Array.from({ length: 30000 }, (_, i) => ({ i, pad: 'x'.repeat(200) }));
  await db.collection('slow').insertMany(big);
  // A regex that never matches makes every one of 30,000 documents cost a
  // pattern search: far more than 1 ms.
  await assert.rejects(db.command({ find: 'slow', filter: { pad: { $regex: 'y$' } }, maxTimeMS: 1 }), (err) => {
    assert.equal(err.code, 50);
    assert.equal(err.codeName, 'MaxTimeMSExpired');
    assert.equal(err.errmsg, 'operation exceeded time limit');
    return true;
  });
  // Without the limit the same query completes.
  const ok = await db.command({ find: 'slow', filter: { pad: { $regex: 'y$' } } });
  assert.equal(ok.cursor.firstBatch.length, 0);
});

test('mongosh: find with it-style iteration, forEach and toArray', () => {
  const result = mongosh(server.uri + 'test', [
    'let c = 0; db.nums.find({}).forEach(() => c++); print(c);',
    'print(db.nums.find({parity: "odd"}).toArray().length);',
    'print(JSON.stringify(db.nums.findOne({_id: 3})));',
    'print(db.nums.countDocuments ? "has" : "no");',
  ].join(' '));
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), ['250', '125', '{"_id":3,"n":3,"parity":"odd"}', 'has']);
});

test('explain shows IDHACK, IXSCAN after createIndex, and COLLSCAN otherwise', async () => {
  const users = db.collection('users');
  await users.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, email: `u${i}@x.io`, age: i % 50 })));
  await users.createIndex({ email: 1 }, { unique: true });
  await users.createIndex({ age: 1 });

  const byId = await users.find({ _id: 7 }).explain('executionStats');
  assert.equal(byId.queryPlanner.winningPlan.stage, 'IDHACK');
  assert.equal(byId.executionStats.totalKeysExamined, 1);
  assert.equal(byId.executionStats.totalDocsExamined, 1);

  const byEmail = await users.find({ email: 'u123@x.io' }).explain('executionStats');
  assert.equal(byEmail.queryPlanner.winningPlan.stage, 'FETCH');
  assert.equal(byEmail.queryPlanner.winningPlan.inputStage.stage, 'IXSCAN');
  assert.equal(byEmail.queryPlanner.winningPlan.inputStage.indexName, 'email_1');
  assert.equal(byEmail.executionStats.nReturned, 1);
  assert.equal(byEmail.executionStats.totalKeysExamined, 1);
  assert.equal(byEmail.executionStats.totalDocsExamined, 1);

  const range = await users.find({ age: { $gte: 10, $lt: 12 } }).explain('executionStats');
  assert.equal(range.queryPlanner.winningPlan.inputStage.indexName, 'age_1');
  assert.equal(range.executionStats.nReturned, 12);
  assert.equal(range.executionStats.totalDocsExamined, 12);

  const scan = await users.find({ name: 'x' }).explain('executionStats');
  assert.equal(scan.queryPlanner.winningPlan.stage, 'COLLSCAN');
  assert.equal(scan.executionStats.totalDocsExamined, 300);

  const hinted = await users.find({ age: 3 }).hint({ email: 1 }).explain('executionStats');
  assert.equal(hinted.queryPlanner.winningPlan.inputStage.indexName, 'email_1');
  assert.equal(hinted.executionStats.nReturned, 6);
});

test('range and equality queries through indexes return exactly what a scan would', async () => {
  const users = db.collection('users');
  const viaIndex = await users.find({ age: { $gt: 45 } }).toArray();
  const viaScan = await users.find({ age: { $gt: 45 } }).hint({ $natural: 1 }).toArray();
  assert.equal(viaIndex.length, 4 * 6);
  assert.deepEqual(viaIndex.map((d) => d._id).sort((a, b) => a - b), viaScan.map((d) => d._id).sort((a, b) => a - b));
  // "u0@..." (i = 0), "u1@..." and "u1x@..." / "u1xx@..." (i = 1, 10-19, 100-199) sort before "u2".
  const strings = await users.find({ email: { $lt: 'u2' } }).toArray();
  assert.equal(strings.length, 112);
  const stringsScan = await users.find({ email: { $lt: 'u2' } }).hint({ $natural: 1 }).toArray();
  assert.equal(stringsScan.length, 112);
});

test('distinct unwinds arrays, merges equal numbers and sorts in BSON order', async () => {
  const c = db.collection('dist');
  await c.insertMany([
    { _id: 1, a: 3, t: 'x' }, { _id: 2, a: [1, 2, 3.0], t: 'y' }, { _id: 3, a: 'str', t: 'x' },
    { _id: 4, a: { b: 1 }, t: 'x' }, { _id: 5, t: 'x' }, { _id: 6, a: null, t: 'y' }, { _id: 7, a: [[5]], t: 'x' },
    { _id: 8, n: [{ v: 'p' }, { v: 'q' }, { w: 1 }] },
  ]);
  assert.deepEqual(await c.distinct('a'), [null, 1, 2, 3, 'str', { b: 1 }, [5]]);
  assert.deepEqual(await c.distinct('a', { t: 'x' }), [3, 'str', { b: 1 }, [5]]);
  assert.deepEqual(await c.distinct('n.v'), ['p', 'q']);
  await assert.rejects(db.command({ distinct: 'dist' }), (err) => {
    assert.equal(err.code, 40414);
    return true;
  });
});

test('sort, projection, skip and limit together, as mongod orders them', async () => {
  const c = db.collection('people');
  await c.insertMany([
    { _id: 1, name: 'ann', age: 30, tags: ['b', 'z'], addr: { city: 'Oslo', zip: '1' } },
    { _id: 2, name: 'bob', age: 25, tags: ['a'], addr: { city: 'Rome', zip: '2' } },
    { _id: 3, name: 'cid', age: 35, tags: [], addr: { city: 'Oslo', zip: '3' } },
    { _id: 4, name: 'dee', age: 25, addr: { city: 'Lima', zip: '4' } },
    { _id: 5, name: 'eve', tags: ['c', 'a'] },
  ]);
  const byAge = await c.find({}, { projection: { _id: 0, name: 1 } }).sort({ age: -1, name: 1 }).toArray();
  assert.deepEqual(byAge.map((d) => d.name), ['cid', 'ann', 'bob', 'dee', 'eve']);
  assert.deepEqual(byAge[0], { name: 'cid' });
  // Arrays sort by their smallest element ascending; an empty array sorts before missing.
  const byTags = await c.find({}).sort({ tags: 1, _id: 1 }).toArray();
  assert.deepEqual(byTags.map((d) => d._id), [3, 4, 2, 5, 1]);
  const page = await c.find({ age: { $gte: 25 } }).sort({ age: 1, _id: 1 }).skip(1).limit(2)
    .project({ 'addr.city': 1 }).toArray();
  assert.deepEqual(page, [{ _id: 4, addr: { city: 'Lima' } }, { _id: 1, addr: { city: 'Oslo' } }]);
  const sliced = await c.findOne({ _id: 1 }, { projection: { tags: { $slice: 1 }, addr: 0 } });
  assert.deepEqual(sliced, { _id: 1, name: 'ann', age: 30, tags: ['b'] });
  const positional = await c.findOne({ tags: 'a' }, { projection: { 'tags.$': 1 }, sort: { _id: -1 } });
  assert.deepEqual(positional, { _id: 5, tags: ['a'] });
  await assert.rejects(c.find({}, { projection: { a: 1, b: 0 } }).toArray(), (err) => {
    assert.equal(err.code, 31254);
    assert.equal(err.errmsg, 'Cannot do exclusion on field b in inclusion projection');
    return true;
  });
  await assert.rejects(db.command({ find: 'people', sort: { a: 2 } }), (err) => {
    assert.equal(err.code, 15975);
    assert.equal(err.errmsg, '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    return true;
  });
  const explained = await c.find({}).sort({ age: 1 }).limit(2).explain();
  assert.equal(explained.queryPlanner.winningPlan.stage, 'LIMIT');
  assert.equal(explained.queryPlanner.winningPlan.inputStage.stage, 'SORT');
});
