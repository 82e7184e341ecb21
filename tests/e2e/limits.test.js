// Resource limits: net.maxIncomingConnections, BSON nesting depth, and memory
// that idle, half-open, slow-sending and never-reading clients cannot grow
// without bound. Memory is the spawned basaltd's resident set (VmRSS).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const { MongoClient } = require('mongodb');
const { startServer } = require('./lib/server');
const { exchange, header, opMsg, OP_MSG } = require('./lib/wire');

const MB = 1024 * 1024;
// Set by scripts/test.sh for the sanitizer builds (see the idle-connections test).
const sanitized = Boolean(process.env.SANITIZERS);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssBytes(server) {
  const status = fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' }, () => resolve(sock));
    sock.once('error', reject);
  });
}

// Sends a hello on an open socket and resolves with the reply's body, or null if closed.
function helloOn(sock) {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
        sock.off('data', onData);
        resolve(buf);
      }
    };
    sock.on('data', onData);
    sock.once('close', () => resolve(null));
    sock.write(opMsg({ hello: 1, $db: 'admin' }));
  });
}

async function waitFor(predicate, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

test('maxConns: excess connections are accepted then closed, and logged as mongod does', async () => {
  const server = await startServer(['--maxConns', '5', '--storageEngine', 'inMemory']);
  const socks = [];
  try {
    // startServer's probe connection may still be closing; wait until it has.
    await waitFor(() => /"connectionCount":0|connectionCount: 0|Connection ended/.test(server.output()));
    for (let i = 0; i < 5; i++) {
      const sock = await connect(server.port);
      socks.push(sock);
      assert.notEqual(await helloOn(sock), null, `connection ${i + 1} of 5 is served`);
    }
    const refused = await exchange(server.port, opMsg({ hello: 1, $db: 'admin' }));
    assert.deepEqual(refused, { closed: true });
    assert.match(server.output(), /Connection refused because there are too many open connections/);
    // Served connections are unaffected, and a freed slot is reusable.
    assert.notEqual(await helloOn(socks[0]), null);
    socks.pop().destroy();
    let again = { closed: true };
    for (let i = 0; i < 50 && again.closed; i++) {
      await sleep(20);
      again = await exchange(server.port, opMsg({ hello: 1, $db: 'admin' }));
    }
    assert.equal(again.body.ok, 1);
  } finally {
    for (const s of socks) s.destroy();
    await server.stop();
  }
});

function nested(depth) {
  let doc = { leaf: 1 };
  for (let i = 1; i < depth; i++) doc = { a: doc };
  return doc;
}

test('BSON nesting depth: too-deep documents get mongod\'s Overflow error, the connection lives', async () => {
  const server = await startServer(['--storageEngine', 'inMemory']);
  const client = new MongoClient(server.uri);
  try {
    const coll = client.db('limits').collection('deep');
    await coll.insertOne({ _id: 'ok', d: nested(170) });
    await assert.rejects(coll.insertOne({ _id: 'user', d: nested(181) }), (e) => {
      assert.equal(e.code, 15);
      assert.match(e.message, /cannot insert document because it exceeds 180 levels of nesting/);
      return true;
    });
    // Past maxBSONDepth (200) the command itself is refused before it runs.
    await assert.rejects(coll.find({ d: nested(210) }).toArray(), (e) => {
      assert.equal(e.code, 15);
      assert.match(e.message, /BSONObj exceeds maximum nested object depth/);
      return true;
    });
    assert.equal(await coll.countDocuments({}), 1);
  } finally {
    await client.close();
    await server.stop();
  }
});

test('a client announcing 48 MB but sending slowly makes the server allocate only what arrived', async (t) => {
  const server = await startServer(['--storageEngine', 'inMemory']);
  const socks = [];
  try {
    await exchange(server.port, opMsg({ ping: 1, $db: 'admin' }));
    const before = rssBytes(server);
    for (let i = 0; i < 40; i++) {
      const sock = await connect(server.port);
      socks.push(sock);
      // A 48 MB OP_MSG header, then 1 KB of its body; the rest never comes.
      sock.write(Buffer.concat([header(48 * MB, i + 1, 0, OP_MSG), Buffer.alloc(1024)]));
    }
    await sleep(500);
    const growth = rssBytes(server) - before;
    t.diagnostic(`RSS growth for 40 slow 48 MB messages: ${(growth / MB).toFixed(1)} MB`);
    assert.ok(growth < 40 * MB, `RSS grew ${(growth / MB).toFixed(1)} MB for 40 x 48 MB announced`);
    // The server still serves others.
    assert.equal((await exchange(server.port, opMsg({ ping: 1, $db: 'admin' }))).body.ok, 1);
  } finally {
    for (const s of socks) s.destroy();
    await server.stop();
  }
});

test('500 idle and half-open connections hold little memory', async (t) => {
  const server = await startServer(['--storageEngine', 'inMemory']);
  const socks = [];
  try {
    await exchange(server.port, opMsg({ ping: 1, $db: 'admin' }));
    const before = rssBytes(server);
    for (let i = 0; i < 500; i++) {
      const sock = await connect(server.port);
      socks.push(sock);
      // Half of them stop part-way through a message header.
      if (i % 2) sock.write(Buffer.from([0x40, 0, 0, 0, 1, 0, 0]));
    }
    await sleep(500);
    const growth = rssBytes(server) - before;
    t.diagnostic(`RSS growth for 500 idle connections: ${(growth / MB).toFixed(1)} MB`);
    // Each connection is a thread; under AddressSanitizer every thread also carries
    // the sanitizer's own stack and allocator state (~110 KB here), which says
    // nothing about the server's footprint. The plain build holds the bound.
    if (!sanitized) {
      assert.ok(growth < 50 * MB, `RSS grew ${(growth / MB).toFixed(1)} MB for 500 idle connections`);
    }
    assert.equal((await exchange(server.port, opMsg({ ping: 1, $db: 'admin' }))).body.ok, 1);
  } finally {
    for (const s of socks) s.destroy();
    await server.stop();
  }
});

test('a client pipelining finds without reading replies is throttled, not buffered', async (t) => {
  const server = await startServer(['--storageEngine', 'inMemory']);
  const client = new MongoClient(server.uri);
  let sock;
  try {
    const coll = client.db('limits').collection('big');
    await coll.insertOne({ _id: 1, blob: 'x'.repeat(MB) });
    const find = (id) => opMsg({ find: 'big', filter: {}, $db: 'limits' }, { requestId: id });
    await exchange(server.port, find(1));  // warm-up: caches and allocator arenas
    const before = rssBytes(server);

    sock = await connect(server.port);
    sock.pause();  // never read: replies pile up in the kernel, then in the server
    const requests = 10000;
    const batch = Buffer.concat(Array.from({ length: requests }, (_, i) => find(i + 1)));
    sock.write(batch);
    await sleep(3000);
    const growth = rssBytes(server) - before;
    // Without backpressure this would be ~10 GB of replies.
    assert.ok(growth < 200 * MB, `RSS grew ${(growth / MB).toFixed(1)} MB`);
    const answered = (await client.db('admin').command({ serverStatus: 1 })).network.numRequests;
    t.diagnostic(`RSS growth ${(growth / MB).toFixed(1)} MB; ${answered} requests read of ${requests}`);
    assert.ok(answered < requests, `the server stopped reading (${answered} requests so far)`);
    // Other clients are still served while that one is stalled.
    assert.equal((await coll.findOne({ _id: 1 }, { projection: { _id: 1 } }))._id, 1);
  } finally {
    if (sock) sock.destroy();
    await client.close();
    await server.stop();
  }
});
