// Frames only a broken or hostile client sends: the server answers with
// mongod's error where the protocol allows it, otherwise closes that one
// connection, and keeps serving everyone else.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { MongoClient } = require('mongodb');
const { startServer } = require('./lib/server');
const wire = require('./lib/wire');

let server;
let client;

before(async () => {
  server = await startServer();
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
});

after(async () => {
  await client?.close();
  const { code } = await server.stop();
  assert.equal(code, 0, 'basaltd exits cleanly on SIGTERM');
});

async function stillServing() {
  assert.deepEqual(await client.db('admin').command({ ping: 1 }), { ok: 1 });
}

test('OP_QUERY isMaster on admin.$cmd is answered with OP_REPLY', async () => {
  const reply = await wire.exchange(server.port, wire.opQuery('admin.$cmd', { isMaster: 1, helloOk: true }, { requestId: 7 }));
  assert.equal(reply.opCode, wire.OP_REPLY);
  assert.equal(reply.responseTo, 7);
  assert.equal(reply.numberReturned, 1);
  assert.equal(reply.body.ismaster, true);
  assert.equal(reply.body.helloOk, true);
  assert.equal(reply.body.ok, 1);
});

test('OP_MSG without $db fails with 40571', async () => {
  const reply = await wire.exchange(server.port, wire.opMsg({ ping: 1 }, { requestId: 9 }));
  assert.equal(reply.opCode, wire.OP_MSG);
  assert.equal(reply.responseTo, 9);
  assert.deepEqual(reply.body, {
    ok: 0,
    errmsg: 'OP_MSG requests require a $db argument',
    code: 40571,
    codeName: 'Location40571',
  });
});

test('moreToCome requests get no reply, and the next request is answered', async () => {
  const silent = wire.opMsg({ ping: 1, $db: 'admin' }, { requestId: 1, flags: 2 });
  const answered = wire.opMsg({ ping: 1, $db: 'admin' }, { requestId: 2 });
  const reply = await wire.exchange(server.port, Buffer.concat([silent, answered]));
  assert.equal(reply.responseTo, 2);
  assert.deepEqual(reply.body, { ok: 1 });
});

for (const [name, bytes] of [
  ['random garbage', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['a negative messageLength', wire.header(-5, 1, 0, wire.OP_MSG)],
  ['a messageLength below the header size', wire.header(8, 1, 0, wire.OP_MSG)],
  ['a messageLength over 48,000,000', wire.header(48000001, 1, 0, wire.OP_MSG)],
]) {
  test(`${name} closes only that connection`, async () => {
    const reply = await wire.exchange(server.port, bytes);
    assert.deepEqual(reply, { closed: true });
    await stillServing();
  });
}

test('an unknown opcode is ignored, as mongod ignores it, and the connection goes on', async () => {
  const unknown = Buffer.concat([wire.header(21, 1, 0, 4242), Buffer.alloc(5)]);
  const ping = wire.opMsg({ ping: 1, $db: 'admin' }, { requestId: 3 });
  const reply = await wire.exchange(server.port, Buffer.concat([unknown, ping]));
  assert.equal(reply.responseTo, 3);
  assert.deepEqual(reply.body, { ok: 1 });
});

test('a truncated frame does not stall other clients, and closing it frees the session', async () => {
  const sock = net.connect({ port: server.port, host: '127.0.0.1' });
  await new Promise((r) => sock.once('connect', r));
  // Claims 1,000,000 bytes, sends 30.
  sock.write(Buffer.concat([wire.header(1000000, 1, 0, wire.OP_MSG), Buffer.alloc(14)]));
  await stillServing();
  sock.destroy();
  await stillServing();
});

test('invalid BSON in an OP_MSG body is answered with an error, not a crash', async () => {
  const frame = wire.opMsg({ ping: 1, $db: 'admin' });
  frame.writeInt32LE(1000, 21);  // the body's length now points past the frame
  const reply = await wire.exchange(server.port, frame);
  if (!reply.closed) {
    assert.equal(reply.body.ok, 0);
    assert.equal(typeof reply.body.code, 'number');
  }
  await stillServing();
});

test('the Node.js driver negotiates zlib compression and still round-trips', async () => {
  const zclient = new MongoClient(server.uri, { compressors: ['zlib'], serverSelectionTimeoutMS: 5000 });
  try {
    await zclient.connect();
    const hello = await zclient.db('admin').command({ hello: 1 });
    assert.equal(hello.isWritablePrimary, true);
    const big = 'x'.repeat(100000);
    const echo = await zclient.db('admin').command({ ping: 1, comment: big });
    assert.deepEqual(echo, { ok: 1 });
  } finally {
    await zclient.close();
  }
});
