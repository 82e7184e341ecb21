// Operating a running server: log rotation (logRotate, SIGUSR1), currentOp and
// killOp, log verbosity, BASALT_* environment variables and the Prometheus endpoint.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { MongoClient } = require('mongodb');
const { BASALTD, startServer, freePort, mongosh } = require('./lib/server');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-ops-'));
}

async function waitFor(predicate, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function readJsonLines(file) {
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('logRotate and SIGUSR1 rename the log file aside and start a new one', async () => {
  const dir = tempDir();
  const logFile = path.join(dir, 'basalt.log');
  const server = await startServer(['--logpath', logFile, '--logFormat', 'json']);
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db('t').collection('c').insertOne({ before: true });
    assert.deepEqual(await client.db('admin').command({ logRotate: 1 }), { ok: 1 });
    const rotated = fs.readdirSync(dir).filter((f) => f.startsWith('basalt.log.'));
    assert.equal(rotated.length, 1);
    assert.match(rotated[0], /^basalt\.log\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/);
    const old = readJsonLines(path.join(dir, rotated[0]));
    assert.ok(old.some((l) => l.msg === 'Basalt starting'), 'start-up lines stay in the old file');
    const fresh = readJsonLines(logFile);
    assert.ok(fresh.some((l) => l.id === 23166 && l.msg === 'Log rotation initiated'));
    assert.ok(!fresh.some((l) => l.msg === 'Basalt starting'));

    // The renamed file is named by the second; wait for the next one before rotating again.
    await sleep(1100);
    server.child.kill('SIGUSR1');
    await waitFor(() => fs.readdirSync(dir).filter((f) => f.startsWith('basalt.log.')).length === 2,
      'the second rotated file');
    await client.db('t').collection('c').insertOne({ after: true });
    await waitFor(() => readJsonLines(logFile).some((l) => l.msg === 'Log rotation initiated'),
      'the new file');
    // Audit logs are not written: rotating them is a no-op; an unknown type fails.
    assert.deepEqual(await client.db('admin').command({ logRotate: 'audit' }), { ok: 1 });
    await assert.rejects(client.db('admin').command({ logRotate: 'nope' }));
    await assert.rejects(client.db('t').command({ logRotate: 1 }), { code: 13 });
  } finally {
    await client.close();
    assert.equal((await server.stop()).code, 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('logRotate without a log file succeeds doing nothing', async () => {
  const server = await startServer();
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    assert.deepEqual(await client.db('admin').command({ logRotate: 1 }), { ok: 1 });
  } finally {
    await client.close();
    await server.stop();
  }
});

test('currentOp shows a running aggregation with its opid; killOp stops it with 11601', async () => {
  const server = await startServer();
  const worker = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  const admin = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000, appName: 'ops-admin' });
  try {
    const coll = worker.db('t').collection('big');
    await coll.insertMany(Array.from({ length: 3000 }, (_, i) => ({ x: i })));
    // A correlated $lookup reads the whole collection for every document: millions of reads.
    const slow = coll.aggregate([
      { $lookup: { from: 'big', let: { v: '$x' }, pipeline: [{ $match: { $expr: { $eq: ['$x', '$$v'] } } }], as: 'j' } },
      { $count: 'n' },
    ]).toArray();
    const settled = slow.then(() => ({ ok: true }), (error) => ({ error }));

    const op = await waitFor(async () => {
      const { inprog } = await admin.db('admin').command({
        currentOp: 1, active: true, 'command.aggregate': 'big',
      });
      return inprog[0];
    }, 'the aggregation in currentOp');
    assert.equal(op.type, 'op');
    assert.equal(op.active, true);
    assert.equal(op.op, 'command');
    assert.equal(op.ns, 't.big');
    assert.match(op.desc, /^conn\d+$/);
    assert.equal(op.desc, `conn${op.connectionId}`);
    assert.match(op.client, /^127\.0\.0\.1:\d+$/);
    assert.equal(typeof op.opid, 'number');
    assert.ok(Number(op.microsecs_running) >= 0);
    assert.equal(op.command.aggregate, 'big');

    // The filter really filters: nothing runs on another namespace.
    const none = await admin.db('admin').command({ currentOp: 1, ns: 'nowhere.none' });
    assert.deepEqual(none.inprog, []);
    // currentOp sees itself, with the admin client's metadata.
    const self = await admin.db('admin').command({ currentOp: 1, 'command.currentOp': 1 });
    assert.equal(self.inprog.length, 1);
    assert.equal(self.inprog[0].appName, 'ops-admin');

    const killed = await admin.db('admin').command({ killOp: 1, op: op.opid });
    assert.equal(killed.info, 'attempting to kill op');
    const outcome = await settled;
    assert.ok(outcome.error, 'the aggregation failed');
    assert.equal(outcome.error.code, 11601);
    assert.equal(outcome.error.codeName, 'Interrupted');
    // As mongod, the aggregation's executor names itself before the cause.
    assert.equal(outcome.error.message,
      'PlanExecutor error during aggregation :: caused by :: operation was interrupted');
    const after = await admin.db('admin').command({ currentOp: 1, 'command.aggregate': 'big' });
    assert.deepEqual(after.inprog, []);
    // The connection stays usable.
    assert.equal(await coll.countDocuments({}), 3000);
    await assert.rejects(admin.db('admin').command({ killOp: 1 }), /Did not provide "op" field/);
  } finally {
    await worker.close();
    await admin.close();
    await server.stop();
  }
});

test('slow commands on other connections never hold up a request (a thread per connection)', async () => {
  const server = await startServer();
  const uri = server.uri;
  const workers = [1, 2, 3].map(() => new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }));
  const admin = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const coll = workers[0].db('t').collection('big');
    await coll.insertMany(Array.from({ length: 3000 }, (_, i) => ({ x: i })));
    // More slow commands than the machine has cores: a fixed pool of threads
    // would have every thread busy and queue the ping behind them.
    const slow = workers.map((w) => w.db('t').collection('big').aggregate([
      { $lookup: { from: 'big', let: { v: '$x' }, pipeline: [{ $match: { $expr: { $eq: ['$x', '$$v'] } } }], as: 'j' } },
      { $count: 'n' },
    ]).toArray().then(() => 'finished', (e) => e.code));
    const running = async () => (await admin.db('admin').command({
      currentOp: 1, active: true, 'command.aggregate': 'big',
    })).inprog;
    const ops = await waitFor(async () => {
      const inprog = await running();
      return inprog.length === 3 && inprog;
    }, 'three aggregations in currentOp');

    assert.deepEqual(await admin.db('admin').command({ ping: 1 }), { ok: 1 });
    assert.equal(await admin.db('t').collection('other').countDocuments({}), 0);
    // Answered while all three were still running.
    assert.deepEqual((await running()).map((op) => op.opid).sort(), ops.map((op) => op.opid).sort());

    for (const op of ops) await admin.db('admin').command({ killOp: 1, op: op.opid });
    assert.deepEqual(await Promise.all(slow), [11601, 11601, 11601]);
  } finally {
    for (const w of workers) await w.close();
    await admin.close();
    await server.stop();
  }
});

test('killOp stops a find scanning a collection (the find executor\'s check)', async () => {
  const server = await startServer();
  const worker = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  const admin = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const coll = worker.db('t').collection('re');
    // A backtracking regex makes each document take milliseconds: seconds for the scan.
    await coll.insertMany(Array.from({ length: 600 }, (_, i) => ({ i, s: `${'x'.repeat(18)}a` })));
    const settled = coll.find({ s: { $regex: '^(x+x+)+$' } }).toArray()
      .then(() => ({ ok: true }), (error) => ({ error }));
    const op = await waitFor(async () => (await admin.db('admin').command({
      currentOp: 1, op: 'query', ns: 't.re',
    })).inprog[0], 'the find in currentOp');
    assert.deepEqual(op.command.filter, { s: { $regex: '^(x+x+)+$' } });
    await admin.db('admin').command({ killOp: 1, op: op.opid });
    const outcome = await settled;
    assert.ok(outcome.error, 'the find failed');
    assert.equal(outcome.error.code, 11601);
    assert.match(outcome.error.message, /operation was interrupted$/);
  } finally {
    await worker.close();
    await admin.close();
    await server.stop();
  }
});

test('-vv writes D2 debug lines; setParameter logLevel changes the level at runtime', async () => {
  const dir = tempDir();
  const logFile = path.join(dir, 'basalt.log');
  const server = await startServer(['-vv', '--logpath', logFile, '--logFormat', 'json']);
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const admin = client.db('admin');
    assert.equal((await admin.command({ getParameter: 1, logLevel: 1 })).logLevel, 2);
    await client.db('t').command({ ping: 1, comment: 'marker-one' });
    const debug = await waitFor(() => readJsonLines(logFile).find(
      (l) => l.s === 'D2' && l.attr && l.attr.commandArgs && l.attr.commandArgs.comment === 'marker-one'),
    'a D2 line');
    assert.equal(debug.c, 'COMMAND');
    assert.equal(debug.msg, 'About to run the command');

    assert.equal((await admin.command({ setParameter: 1, logLevel: 0 })).was, 2);
    await client.db('t').command({ ping: 1, comment: 'marker-two' });
    await sleep(100);
    assert.ok(!readJsonLines(logFile).some((l) => l.s.startsWith('D') && l.attr &&
      l.attr.commandArgs && l.attr.commandArgs.comment === 'marker-two'));
    await assert.rejects(admin.command({ setParameter: 1, logLevel: 9 }), { code: 2 });

    // mongosh's db.setLogLevel(level, component) and db.getLogComponents().
    const shell = mongosh(server.uri,
      "db.setLogLevel(2, 'command'); print(JSON.stringify(db.getLogComponents().command))");
    assert.equal(shell.status, 0, shell.stderr);
    assert.equal(shell.stdout.trim().split('\n').pop(), '{"verbosity":2}');
    await client.db('t').command({ ping: 1, comment: 'marker-three' });
    await waitFor(() => readJsonLines(logFile).some((l) => l.s === 'D2' && l.attr &&
      l.attr.commandArgs && l.attr.commandArgs.comment === 'marker-three'), 'a D2 line for the component');
  } finally {
    await client.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('BASALT_* environment variables configure the server; the command line wins', async () => {
  const dir = tempDir();
  const port = await freePort();
  const child = spawn(BASALTD, ['--slowms', '250'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BASALT_PORT: String(port), BASALT_DBPATH: dir, BASALT_SLOWMS: '5',
      BASALT_BIND_IP: '127.0.0.1' },
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  }), `basaltd on port ${port}:\n${output}`);
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 5000 });
  try {
    const { parsed } = await client.db('admin').command({ getCmdLineOpts: 1 });
    assert.equal(parsed.net.port, port);
    assert.equal(parsed.storage.dbPath, dir);
    assert.equal(parsed.operationProfiling.slowOpThresholdMs, 250);
  } finally {
    await client.close();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const typo = spawn(BASALTD, [], { env: { ...process.env, BASALT_PROT: '1' } });
  let stderr = '';
  typo.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise((resolve) => typo.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /unrecognised variable BASALT_PROT/);
});

function httpRequest(port, method, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('--metricsPort serves Prometheus text with counters and command latency histograms', async () => {
  const metricsPort = await freePort();
  const server = await startServer(['--metricsPort', String(metricsPort)]);
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const coll = client.db('t').collection('m');
    await coll.insertMany([{ a: 1 }, { a: 2 }]);
    await coll.find({}).toArray();
    await coll.find({ a: 1 }).toArray();
    const res = await httpRequest(metricsPort, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const lines = res.body.split('\n');
    const value = (name) => {
      const line = lines.find((l) => l.startsWith(`${name} `));
      assert.ok(line, `${name} is exposed`);
      return Number(line.split(' ')[1]);
    };
    assert.ok(value('basalt_uptime_seconds') >= 0);
    assert.ok(value('basalt_connections_current') >= 1);
    assert.ok(value('basalt_network_requests_total') >= 4);
    assert.ok(value('basalt_network_bytes_in_total') > 0);
    assert.equal(value('basalt_opcounters_total{type="insert"}'), 2);
    assert.equal(value('basalt_opcounters_total{type="query"}'), 2);
    assert.equal(value('basalt_command_duration_seconds_count{command="find"}'), 2);
    assert.equal(value('basalt_command_duration_seconds_bucket{command="find",le="+Inf"}'), 2);
    assert.ok(value('basalt_command_duration_seconds_sum{command="find"}') > 0);
    assert.ok(res.body.includes('# TYPE basalt_command_duration_seconds histogram'));
    // Buckets are cumulative: never decreasing up to +Inf.
    const buckets = lines.filter((l) => l.startsWith('basalt_command_duration_seconds_bucket{command="insert"'))
      .map((l) => Number(l.split(' ')[1]));
    assert.ok(buckets.length > 2);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1]);

    assert.equal((await httpRequest(metricsPort, 'GET', '/')).status, 404);
    assert.equal((await httpRequest(metricsPort, 'POST', '/metrics')).status, 405);
  } finally {
    await client.close();
    assert.equal((await server.stop()).code, 0);
  }
});

test('without --metricsPort nothing else listens', async () => {
  const server = await startServer();
  try {
    const { stdout } = { stdout: server.output() };
    assert.ok(!stdout.includes('Serving Prometheus metrics'));
  } finally {
    await server.stop();
  }
});

test('conf/basalt.conf starts a server as is and with every commented option enabled', async () => {
  const sample = fs.readFileSync(path.join(__dirname, '../../conf/basalt.conf'), 'utf8');
  const dir = tempDir();
  const metricsPort = await freePort();
  // Uncomment "# key: value" lines, keeping the indentation they would have.
  const everything = sample.split('\n')
    .map((line) => line.replace(/^(\s*)# ( *)(\w+:.*)$/, '$1$2$3'))
    .join('\n')
    .replace('port: 9216', `port: ${metricsPort}`);
  assert.notEqual(everything, sample);
  const files = { plain: sample, full: everything };
  for (const [name, text] of Object.entries(files)) {
    const conf = path.join(dir, `${name}.conf`);
    fs.writeFileSync(conf, text);
    // The sample's relative paths are overridden by flags, which win over the file.
    const server = await startServer(['--config', conf, '--logpath', path.join(dir, `${name}.log`),
      '--pidfilepath', path.join(dir, `${name}.pid`)]);
    let client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      if (name === 'full') {
        // The sample turns on security.authorization: create the first user
        // from localhost, then connect as that user.
        await client.db('admin').command({ createUser: 'admin', pwd: 'secret', roles: ['root'] });
        await client.close();
        client = new MongoClient(server.uri, { auth: { username: 'admin', password: 'secret' },
          serverSelectionTimeoutMS: 5000 });
      }
      const { parsed } = await client.db('admin').command({ getCmdLineOpts: 1 });
      assert.equal(parsed.config, conf);
      assert.equal(parsed.operationProfiling.slowOpThresholdMs, 100);
      if (name === 'full') {
        assert.equal(parsed.systemLog.component.command.verbosity, 2);
        assert.equal(parsed.systemLog.logRotate, 'rename');
        assert.equal(parsed.net.metrics.port, metricsPort);
        assert.equal(parsed.security.authorization, 'enabled');
        assert.equal((await httpRequest(metricsPort, 'GET', '/metrics')).status, 200);
      }
    } finally {
      await client.close();
      assert.equal((await server.stop()).code, 0, `${name}: clean exit`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every option --help lists is documented in docs/configuration.md and conf/basalt.conf', () => {
  const { spawnSync } = require('node:child_process');
  const help = spawnSync(BASALTD, ['--help'], { encoding: 'utf8' }).stdout;
  const docs = fs.readFileSync(path.join(__dirname, '../../docs/configuration.md'), 'utf8');
  const sample = fs.readFileSync(path.join(__dirname, '../../conf/basalt.conf'), 'utf8');
  const options = [...help.matchAll(/^ {2}(-\S+).*\[([\w.]+), \$(BASALT_\w+)\]$/gm)];
  assert.ok(options.length >= 18, `help lists the options:\n${help}`);
  for (const [, flag, yamlPath, env] of options) {
    if (flag === '-h') continue;
    assert.ok(docs.includes('`' + yamlPath + '`'), `docs name ${yamlPath}`);
    assert.ok(docs.includes('`' + env + '`'), `docs name ${env}`);
    assert.ok(docs.includes(flag), `docs name ${flag}`);
    assert.ok(sample.includes(flag), `the sample config names ${flag}`);
    const key = yamlPath.split('.').pop();
    assert.ok(sample.includes(`${key}:`), `the sample config shows ${yamlPath}`);
  }
});

test('bad values for the new options stop start-up with exit code 2, naming the option', () => {
  const { spawnSync } = require('node:child_process');
  const cases = [
    [['--metricsPort', '70000'], /Bad value for option net\.metrics\.port: must be between 0 and 65535/],
    [['--logRotate', 'sideways'], /Bad value for option systemLog\.logRotate: must be rename or reopen/],
    [['--logRotate', 'reopen', '--logpath', '/tmp/never.log'],
      /systemLog\.logRotate: reopen requires systemLog\.path and systemLog\.logAppend: true/],
    [['-vvvvvv'], /Bad value for option systemLog\.verbosity: must be between 0 and 5/],
  ];
  for (const [args, message] of cases) {
    const result = spawnSync(BASALTD, args, { encoding: 'utf8', timeout: 10000 });
    assert.equal(result.status, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
  const env = spawnSync(BASALTD, [], { encoding: 'utf8', timeout: 10000,
    env: { ...process.env, BASALT_METRICS_PORT: 'none' } });
  assert.equal(env.status, 2);
  assert.match(env.stderr, /net\.metrics\.port: 'none' is not a number \(from BASALT_METRICS_PORT\)/);
});
