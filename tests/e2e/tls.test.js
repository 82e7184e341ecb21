// TLS (net.tls.*): a CA, a server certificate and a client certificate made with
// the openssl CLI; the driver and mongosh connect over TLS; plain connections are
// refused under requireTLS and served under preferTLS; TLS 1.1 is refused; a CA
// file makes the server demand a client certificate.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { MongoClient } = require('mongodb');
const { BASALTD, startServer, mongosh } = require('./lib/server');
const { exchange, opMsg } = require('./lib/wire');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-tls-'));
const file = (name) => path.join(dir, name);

function openssl(...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

// A CA, then a key and certificate signed by it for `name`, concatenated into name.pem.
function makeCertificates() {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Basalt Test CA',
    '-keyout', 'ca.key', '-out', 'ca.pem');
  const issue = (name, subject, extensions) => {
    fs.writeFileSync(file(`${name}.ext`), extensions);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`,
      '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
    fs.writeFileSync(file(`${name}.pem`),
      fs.readFileSync(file(`${name}.crt`), 'utf8') + fs.readFileSync(file(`${name}.key`), 'utf8'));
  };
  issue('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' +
    'extendedKeyUsage=serverAuth\n');
  issue('client', '/CN=basalt-client', 'extendedKeyUsage=clientAuth\n');
  // A second CA the server does not trust, and a client certificate from it.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Rogue CA',
    '-keyout', 'rogue-ca.key', '-out', 'rogue-ca.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=rogue', '-keyout', 'rogue.key',
    '-out', 'rogue.csr');
  openssl('x509', '-req', '-in', 'rogue.csr', '-CA', 'rogue-ca.pem', '-CAkey', 'rogue-ca.key',
    '-CAcreateserial', '-days', '2', '-out', 'rogue.crt');
  fs.writeFileSync(file('rogue.pem'),
    fs.readFileSync(file('rogue.crt'), 'utf8') + fs.readFileSync(file('rogue.key'), 'utf8'));
}

before(makeCertificates);
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function waitForOutput(server, pattern) {
  for (let i = 0; i < 100 && !pattern.test(server.output()); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return pattern.test(server.output());
}

const tlsArgs = (mode) => ['--tlsMode', mode, '--tlsCertificateKeyFile', file('server.pem')];

async function pingOver(uri, options) {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3000, ...options });
  try {
    await client.connect();
    return await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

// Resolves with the TLS socket once the handshake completes, or the error that ended it.
function tlsHandshake(port, options) {
  return new Promise((resolve) => {
    const sock = tls.connect({ port, host: '127.0.0.1', ca: fs.readFileSync(file('ca.pem')),
      servername: 'localhost', ...options });
    sock.once('secureConnect', () => resolve({ sock, protocol: sock.getProtocol() }));
    sock.once('error', (error) => resolve({ error }));
  });
}

test('requireTLS: the driver and mongosh connect with the CA; plain connections are closed', async () => {
  const server = await startServer(tlsArgs('requireTLS'));
  try {
    const uri = `mongodb://localhost:${server.port}/`;
    const ok = await pingOver(uri, { tls: true, tlsCAFile: file('ca.pem') });
    assert.equal(ok.ok, 1);

    const client = new MongoClient(uri, { tls: true, tlsCAFile: file('ca.pem') });
    await client.connect();
    await client.db('t').collection('c').insertOne({ _id: 1, over: 'tls' });
    assert.deepEqual(await client.db('t').collection('c').findOne({ _id: 1 }), { _id: 1, over: 'tls' });
    await client.close();

    const shell = mongosh(uri + 't', 'print(JSON.stringify(db.c.findOne()))',
      ['--tls', '--tlsCAFile', file('ca.pem')]);
    assert.equal(shell.status, 0, shell.stderr);
    assert.match(shell.stdout, /"over":"tls"/);

    // A plain hello is never answered: the server closes the connection.
    const plain = await exchange(server.port, opMsg({ hello: 1, $db: 'admin' }));
    assert.deepEqual(plain, { closed: true });
    await assert.rejects(pingOver(uri, { serverSelectionTimeoutMS: 1500 }));
    assert.match(server.output(), /The server is configured to only allow SSL connections/);
    assert.match(server.output(), /Accepted TLS connection.*TLSv1\.[23]/);

    // A client without the CA does not trust the server's certificate.
    await assert.rejects(pingOver(uri, { tls: true, serverSelectionTimeoutMS: 1500 }));
  } finally {
    await server.stop();
  }
});

test('TLS 1.0 and 1.1 are refused; 1.2 and 1.3 are accepted', async () => {
  const server = await startServer(tlsArgs('requireTLS'));
  try {
    // SECLEVEL=0 lets this client offer old protocols, so the refusal is the server's.
    const old = await tlsHandshake(server.port,
      { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.ok(old.error, 'a TLS 1.1 handshake must fail');
    assert.match(String(old.error.code ?? old.error.message), /VERSION|ECONNRESET|protocol/i);
    // The refusal is the server's: it logs OpenSSL's reason.
    assert.ok(await waitForOutput(server, /SSLHandshakeFailed: unsupported protocol/));
    for (const version of ['TLSv1.2', 'TLSv1.3']) {
      const ok = await tlsHandshake(server.port, { minVersion: version, maxVersion: version });
      assert.equal(ok.error, undefined, `${version}: ${ok.error}`);
      assert.equal(ok.protocol, version);
      ok.sock.destroy();
    }
  } finally {
    await server.stop();
  }
});

test('preferTLS and allowTLS serve TLS and plain clients on one port', async () => {
  for (const mode of ['preferTLS', 'allowTLS']) {
    const server = await startServer(tlsArgs(mode));
    try {
      const uri = `mongodb://localhost:${server.port}/`;
      assert.equal((await pingOver(uri, { tls: true, tlsCAFile: file('ca.pem') })).ok, 1);
      assert.equal((await pingOver(uri, {})).ok, 1);
      // A plain message 278 (0x116) bytes long starts with 0x16, as a TLS record does.
      let pad = 0;
      const padded = () => opMsg({ hello: 1, $db: 'admin', pad: 'x'.repeat(pad) });
      while (padded().length < 278) pad++;
      assert.equal(padded()[0], 0x16);
      assert.equal((await exchange(server.port, padded())).body.ok, 1, mode);
    } finally {
      await server.stop();
    }
  }
});

test('a CA file makes the server demand a client certificate it can verify', async () => {
  const server = await startServer([...tlsArgs('requireTLS'), '--tlsCAFile', file('ca.pem')]);
  const uri = `mongodb://localhost:${server.port}/`;
  const base = { tls: true, tlsCAFile: file('ca.pem') };
  try {
    const withCert = await pingOver(uri, { ...base, tlsCertificateKeyFile: file('client.pem') });
    assert.equal(withCert.ok, 1);
    await assert.rejects(pingOver(uri, { ...base, serverSelectionTimeoutMS: 1500 }));
    await assert.rejects(pingOver(uri,
      { ...base, tlsCertificateKeyFile: file('rogue.pem'), serverSelectionTimeoutMS: 1500 }));
    assert.match(server.output(), /peerSubject.*CN ?= ?basalt-client/);
  } finally {
    await server.stop();
  }
  // allowConnectionsWithoutCertificates: no certificate is fine, a bad one is still refused.
  const lenient = await startServer([...tlsArgs('requireTLS'), '--tlsCAFile', file('ca.pem'),
    '--tlsAllowConnectionsWithoutCertificates']);
  try {
    const lenientUri = `mongodb://localhost:${lenient.port}/`;
    assert.equal((await pingOver(lenientUri, base)).ok, 1);
    await assert.rejects(pingOver(lenientUri,
      { ...base, tlsCertificateKeyFile: file('rogue.pem'), serverSelectionTimeoutMS: 1500 }));
  } finally {
    await lenient.stop();
  }
  // allowInvalidCertificates: a certificate from an unknown CA is accepted.
  const insecure = await startServer([...tlsArgs('requireTLS'), '--tlsCAFile', file('ca.pem'),
    '--tlsAllowInvalidCertificates']);
  try {
    const insecureUri = `mongodb://localhost:${insecure.port}/`;
    assert.equal((await pingOver(insecureUri,
      { ...base, tlsCertificateKeyFile: file('rogue.pem') })).ok, 1);
    assert.match(insecure.output(), /peerSubject.*CN ?= ?rogue/);
  } finally {
    await insecure.stop();
  }
});

// Under AddressSanitizer (scripts/test.sh's second run) every allocation carries redzones and
// freed memory sits in quarantine, so RSS says nothing about the server's own footprint; the
// plain build measures it.
const sanitized = Boolean(process.env.SANITIZERS);

test('idle TLS connections and stalled handshakes hold little memory',
  { skip: sanitized && 'RSS is not meaningful under AddressSanitizer' }, async (t) => {
  const server = await startServer(tlsArgs('requireTLS'));
  const socks = [];
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(
    fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))[1]) * 1024;
  try {
    const warm = await tlsHandshake(server.port, {});
    warm.sock.destroy();
    const before = rss();
    for (let i = 0; i < 200; i++) {
      const done = await tlsHandshake(server.port, {});
      assert.equal(done.error, undefined);
      socks.push(done.sock);
      // And a connection that starts a handshake record, then says nothing more.
      const stalled = net.connect({ port: server.port, host: '127.0.0.1' });
      stalled.on('error', () => {});
      stalled.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
      socks.push(stalled);
    }
    await new Promise((r) => setTimeout(r, 300));
    const growth = rss() - before;
    t.diagnostic(`RSS growth for 200 idle TLS + 200 stalled handshakes: ${(growth / 1048576).toFixed(1)} MB`);
    // About 80 KB a connection: asio's two 17 KB record buffers plus OpenSSL's state.
    assert.ok(growth < 80 * 1048576, `RSS grew ${(growth / 1048576).toFixed(1)} MB`);
  } finally {
    for (const s of socks) s.destroy();
    await server.stop();
  }
});

test('with TLS disabled, a TLS handshake is refused and logged as mongod does', async () => {
  const server = await startServer([]);
  try {
    const attempt = await tlsHandshake(server.port, {});
    assert.ok(attempt.error, 'no TLS without tlsMode');
    assert.ok(await waitForOutput(server,
      /SSL handshake received but server is started without SSL support/));
  } finally {
    await server.stop();
  }
});

test('bad TLS configuration stops start-up with exit code 2 and a message', () => {
  const run = (args) => spawnSync(BASALTD, ['--port', '0', '--storageEngine', 'inMemory', ...args],
    { encoding: 'utf8', timeout: 10000 });
  const noKey = run(['--tlsMode', 'requireTLS']);
  assert.equal(noKey.status, 2);
  assert.match(noKey.stderr, /need tlsCertificateKeyFile or certificateSelector when TLS is enabled/);
  const missing = run(['--tlsMode', 'requireTLS', '--tlsCertificateKeyFile', file('absent.pem')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read certificate file: .*absent\.pem/);
  fs.writeFileSync(file('garbage.pem'), 'not a certificate\n');
  const garbage = run(['--tlsMode', 'requireTLS', '--tlsCertificateKeyFile', file('garbage.pem')]);
  assert.equal(garbage.status, 2);
  assert.match(garbage.stderr, /garbage\.pem/);
  const keyOnly = run(['--tlsMode', 'requireTLS', '--tlsCertificateKeyFile', file('server.key')]);
  assert.equal(keyOnly.status, 2);
});

test('an encrypted key is read with tlsCertificateKeyFilePassword', async () => {
  openssl('pkcs8', '-topk8', '-in', 'server.key', '-passout', 'pass:s3cret', '-out', 'server-enc.key');
  fs.writeFileSync(file('server-enc.pem'),
    fs.readFileSync(file('server.crt'), 'utf8') + fs.readFileSync(file('server-enc.key'), 'utf8'));
  const args = ['--tlsMode', 'requireTLS', '--tlsCertificateKeyFile', file('server-enc.pem')];
  const wrong = spawnSync(BASALTD, ['--port', '0', '--storageEngine', 'inMemory', ...args,
    '--tlsCertificateKeyFilePassword', 'wrong'], { encoding: 'utf8', timeout: 10000 });
  assert.equal(wrong.status, 2);
  const server = await startServer([...args, '--tlsCertificateKeyFilePassword', 's3cret']);
  try {
    const ok = await pingOver(`mongodb://localhost:${server.port}/`,
      { tls: true, tlsCAFile: file('ca.pem') });
    assert.equal(ok.ok, 1);
    assert.doesNotMatch(server.output(), /s3cret/);
  } finally {
    await server.stop();
  }
});
