// Start-up and shutdown as an operator sees them: options, config file, logs, signals.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { MongoClient } = require('mongodb');
const { BASALTD, startServer, freePort } = require('./lib/server');

function run(args) {
  return spawnSync(BASALTD, args, { encoding: 'utf8', timeout: 10000 });
}

test('--version and --help print and exit 0', () => {
  const version = run(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^basaltd version v\d+\.\d+\.\d+ \(MongoDB 8\.0\.0 compatible\)$/m);
  const help = run(['--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--port', '--bind_ip', '--dbpath', '--config', '--logpath', '--quiet']) {
    assert.ok(help.stdout.includes(flag), `help lists ${flag}`);
  }
});

test('an unknown option or a bad value stops start-up naming it, exit code 2', () => {
  const unknown = run(['--frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unrecognised option '--frobnicate'/);
  const badPort = run(['--port', 'seventy']);
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /net\.port/);
});

test('a YAML config file in mongod.conf layout is read; bad keys are named', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-conf-'));
  const port = await freePort();
  const conf = path.join(dir, 'basalt.conf');
  const logFile = path.join(dir, 'basalt.log');
  fs.writeFileSync(conf, `net:\n  port: ${port}\n  bindIp: 127.0.0.1\nstorage:\n  dbPath: ${dir}\n` +
    `systemLog:\n  destination: file\n  path: ${logFile}\n  logFormat: json\n`);
  const server = await startServer(['--config', conf]);
  // Flags given after --config win, as with mongod: startServer passed its own port.
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const opts = await client.db('admin').command({ getCmdLineOpts: 1 });
    assert.equal(opts.parsed.config, conf);
    assert.equal(opts.parsed.systemLog.logFormat, 'json');
    assert.equal(opts.parsed.net.port, server.port);
  } finally {
    await client.close();
    assert.equal((await server.stop()).code, 0);
  }
  const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const accepted = lines.find((l) => l.msg === 'Connection accepted');
  assert.ok(accepted, 'connection accepted is logged');
  assert.equal(accepted.s, 'I');
  assert.equal(accepted.c, 'NETWORK');
  assert.equal(accepted.id, 22943);
  assert.match(accepted.attr.remote, /^127\.0\.0\.1:\d+$/);
  assert.ok(accepted.t.$date);

  fs.writeFileSync(conf, 'net:\n  port: 1\n  frob: 2\n');
  const bad = run(['--config', conf]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unrecognized option: net\.frob/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM with clients connected shuts down cleanly within seconds', async () => {
  const server = await startServer();
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  await client.db('admin').command({ ping: 1 });
  const started = Date.now();
  const { code, signal } = await server.stop('SIGTERM');
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 5000, 'exits within 5 s');
  assert.match(server.output(), /Received signal/);
  await client.close();
});

test('a port already in use fails start-up with exit code 48', async () => {
  const server = await startServer();
  try {
    const dbpath = fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-clash-'));
    const clash = run(['--port', String(server.port), '--dbpath', dbpath]);
    fs.rmSync(dbpath, { recursive: true, force: true });
    assert.equal(clash.status, 48);
    assert.match(clash.stdout + clash.stderr, /Failed to start listener/);
  } finally {
    await server.stop();
  }
});

test('a second server on the same data directory is refused; a missing one is named', async () => {
  const server = await startServer();
  try {
    const port = await freePort();
    const second = run(['--port', String(port), '--dbpath', server.dbpath]);
    assert.equal(second.status, 100);
    assert.match(second.stdout + second.stderr, /DBPathInUse: Unable to lock the lock file: .*mongod\.lock/);
    assert.match(second.stdout + second.stderr, /Another mongod instance is already running on the .* directory/);
  } finally {
    await server.stop();
  }
  const missing = run(['--dbpath', '/nonexistent/basalt-data']);
  assert.equal(missing.status, 100);
  assert.match(missing.stdout, /Data directory \/nonexistent\/basalt-data not found/);
});

test('--storageEngine inMemory keeps no files', async () => {
  const server = await startServer(['--storageEngine', 'inMemory']);
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db('t').collection('c').insertOne({ _id: 1 });
    assert.deepEqual(await client.db('t').collection('c').findOne({}), { _id: 1 });
    const status = await client.db('admin').command({ serverStatus: 1 });
    assert.equal(status.storageEngine.name, 'inMemory');
    assert.deepEqual(fs.readdirSync(server.dbpath), []);
  } finally {
    await client.close();
    await server.stop();
  }
});

test('--pidfilepath, the shutdown command and the slow query log', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-ops-'));
  const pidFile = path.join(dir, 'basalt.pid');
  const server = await startServer(['--pidfilepath', pidFile, '--slowms', '0', '--logFormat', 'json']);
  assert.equal(fs.readFileSync(pidFile, 'utf8').trim(), String(server.child.pid));
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  await client.db('t').collection('c').insertOne({ x: 1 });
  const refused = await client.db('t').command({ shutdown: 1 }).catch((e) => e);
  assert.equal(refused.code, 13, 'shutdown only on admin');
  await client.db('admin').command({ shutdown: 1 }).catch(() => {});
  const { code } = await server.exited;
  assert.equal(code, 0);
  assert.equal(fs.existsSync(pidFile), false, 'pid file removed on exit');
  const slow = server.output().split('\n').filter((l) => l.includes('"Slow query"')).map((l) => JSON.parse(l));
  const insert = slow.find((l) => l.attr.command.insert === 'c');
  assert.ok(insert, 'the insert is logged as slow with slowms 0');
  assert.equal(insert.id, 51803);
  assert.equal(insert.attr.ns, 't.c');
  assert.equal(typeof insert.attr.durationMillis, 'number');
  await client.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await server.stop();
});

test('SIGTERM during a running command still delivers its reply, then exits 0', async () => {
  const server = await startServer();
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const coll = client.db('t').collection('big');
  await coll.insertMany(Array.from({ length: 60000 }, (_, i) => ({ i, pad: 'x'.repeat(300) })));
  const started = Date.now();
  await coll.find({ pad: { $regex: 'y$' } }).toArray();
  const scanMillis = Date.now() - started;
  // A scan that takes well over the signal's delay is in flight when it arrives.
  const pending = client.db('t').command({ find: 'big', filter: { pad: { $regex: 'y$' } } });
  setTimeout(() => server.child.kill('SIGTERM'), Math.max(1, Math.floor(scanMillis / 4)));
  const reply = await pending;
  assert.deepEqual(reply.cursor.firstBatch, []);
  assert.equal(reply.ok, 1);
  const { code } = await server.exited;
  assert.equal(code, 0);
  await client.close();
  await server.stop();
});
