// Drivers and mongosh connect, handshake and run the admin commands they use.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient } = require('mongodb');
const { startServer, mongosh } = require('./lib/server');

let server;
let client;

before(async () => {
  server = await startServer();
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
});

after(async () => {
  await client?.close();
  await server?.stop();
});

test('ping answers { ok: 1 }', async () => {
  assert.deepEqual(await client.db('admin').command({ ping: 1 }), { ok: 1 });
});

test('hello describes a writable standalone with mongod limits', async () => {
  const hello = await client.db('admin').command({ hello: 1 });
  assert.equal(hello.isWritablePrimary, true);
  assert.equal(hello.maxBsonObjectSize, 16 * 1024 * 1024);
  assert.equal(hello.maxMessageSizeBytes, 48000000);
  assert.equal(hello.maxWriteBatchSize, 100000);
  assert.equal(hello.minWireVersion, 0);
  assert.equal(hello.maxWireVersion, 25);
  assert.equal(hello.logicalSessionTimeoutMinutes, 30);
  assert.equal(hello.readOnly, false);
  assert.ok(hello.localTime instanceof Date);
  assert.equal(typeof hello.connectionId, 'number');
  assert.equal(hello.ok, 1);
  assert.deepEqual(Object.keys(hello), [
    'isWritablePrimary', 'maxBsonObjectSize', 'maxMessageSizeBytes', 'maxWriteBatchSize',
    'localTime', 'logicalSessionTimeoutMinutes', 'connectionId', 'minWireVersion',
    'maxWireVersion', 'readOnly', 'ok',
  ]);
});

test('isMaster answers with ismaster and echoes helloOk', async () => {
  const reply = await client.db('admin').command({ isMaster: 1, helloOk: true });
  assert.equal(reply.helloOk, true);
  assert.equal(reply.ismaster, true);
  assert.equal(reply.isWritablePrimary, undefined);
  const lower = await client.db('admin').command({ ismaster: 1 });
  assert.equal(lower.ismaster, true);
  assert.equal(lower.helloOk, undefined);
});

test('an unknown command fails with CommandNotFound', async () => {
  await assert.rejects(client.db('test').command({ frobnicate: 1 }), (err) => {
    assert.equal(err.code, 59);
    assert.equal(err.codeName, 'CommandNotFound');
    assert.equal(err.errmsg, "no such command: 'frobnicate'");
    return true;
  });
});

test('buildInfo reports the version drivers gate features on', async () => {
  const info = await client.db('admin').command({ buildInfo: 1 });
  assert.equal(info.version, '8.0.0');
  assert.deepEqual(info.versionArray, [8, 0, 0, 0]);
  assert.equal(info.maxBsonObjectSize, 16 * 1024 * 1024);
  assert.equal(info.bits, 64);
});

test('getParameter returns * and featureCompatibilityVersion, rejects unknown ones', async () => {
  const all = await client.db('admin').command({ getParameter: '*' });
  assert.deepEqual(all.featureCompatibilityVersion, { version: '8.0' });
  const fcv = await client.db('admin').command({ getParameter: 1, featureCompatibilityVersion: 1 });
  assert.deepEqual(Object.keys(fcv), ['featureCompatibilityVersion', 'ok']);
  await assert.rejects(client.db('admin').command({ getParameter: 1, noSuchParam: 1 }), (err) => {
    assert.equal(err.code, 72);
    assert.equal(err.errmsg, 'no option found to get');
    return true;
  });
  await assert.rejects(client.db('test').command({ getParameter: '*' }), (err) => {
    assert.equal(err.code, 13);
    assert.equal(err.errmsg, 'getParameter may only be run against the admin database.');
    return true;
  });
});

test('serverStatus counts connections, commands and uptime', async () => {
  const before = await client.db('admin').command({ serverStatus: 1 });
  await client.db('admin').command({ ping: 1 });
  const status = await client.db('admin').command({ serverStatus: 1 });
  assert.ok(status.connections.current >= 1);
  assert.ok(status.connections.totalCreated >= status.connections.current);
  assert.ok(status.opcounters.command >= before.opcounters.command + 2);
  assert.ok(status.uptimeMillis >= 0);
  assert.equal(status.process, 'basaltd');
});

test('the other admin commands mongosh and tools call succeed', async () => {
  const admin = client.db('admin');
  const opts = await admin.command({ getCmdLineOpts: 1 });
  assert.ok(opts.argv.includes('--dbpath'));
  assert.equal(opts.parsed.net.port, server.port);
  assert.equal(opts.parsed.storage.dbPath, server.dbpath);
  const host = await admin.command({ hostInfo: 1 });
  assert.ok(host.system.numCores >= 1);
  const uri = await admin.command({ whatsmyuri: 1 });
  assert.match(uri.you, /^127\.0\.0\.1:\d+$/);
  const conn = await admin.command({ connectionStatus: 1 });
  assert.deepEqual(conn.authInfo, { authenticatedUsers: [], authenticatedUserRoles: [] });
  const log = await admin.command({ getLog: 'startupWarnings' });
  assert.equal(log.totalLinesWritten, 0);
  assert.deepEqual(log.log, []);
  const cmds = await admin.command({ listCommands: 1 });
  assert.ok(cmds.commands.hello && cmds.commands.ping && cmds.commands.buildInfo);
  // currentOp reports the commands in progress, itself among them (as mongod).
  const { inprog } = await admin.command({ currentOp: 1 });
  assert.deepEqual(inprog.map((op) => op.command.currentOp), [1]);
  assert.deepEqual(await admin.command({ endSessions: [] }), { ok: 1 });
  assert.deepEqual(await admin.command({ killAllSessions: [] }), { ok: 1 });
  const dbs = await admin.command({ listDatabases: 1 });
  assert.ok(Array.isArray(dbs.databases));
});

test('mongosh runs a command and prints no warning', () => {
  const result = mongosh(server.uri, 'db.runCommand({ping: 1})');
  assert.equal(result.error, undefined);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '{ ok: 1 }');
  assert.equal(result.stderr, '');
});

test('mongosh helpers: db.version(), db.serverStatus(), show dbs', () => {
  const result = mongosh(
    server.uri,
    'print(db.version()); print(db.serverStatus().connections.current >= 1); ' +
      'print(db.hello().isWritablePrimary); const r = db.adminCommand({listDatabases: 1}); ' +
      'print(Array.isArray(r.databases))',
  );
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), ['8.0.0', 'true', 'true', 'true']);
  const show = mongosh(server.uri, 'show dbs');
  assert.equal(show.status, 0, show.stderr + show.stdout);
  assert.equal(show.stderr, '');
});
