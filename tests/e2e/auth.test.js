// Authentication and authorization under --auth, through the Node.js driver
// and mongosh: the localhost exception creates the first user, both SCRAM
// mechanisms authenticate, and each role allows exactly what it grants.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MongoClient, Binary } = require('mongodb');
const { startServer, mongosh } = require('./lib/server');
const wire = require('./lib/wire');

let server;
let anonymous;  // a connection that never authenticates
const clients = [];

function connect(credentials = '', options = '', authSource = 'admin') {
  const auth = credentials ? `${credentials}@` : '';
  const uri = `mongodb://${auth}127.0.0.1:${server.port}/?authSource=${authSource}${options}`;
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  clients.push(client);
  return client.connect();
}

// A user of `db` with `roles`, made by the admin.
async function createUser(admin, db, user, pwd, roles) {
  await admin.db(db).command({ createUser: user, pwd, roles });
  const uri = `mongodb://${user}:${pwd}@127.0.0.1:${server.port}/?authSource=${db}`;
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  clients.push(client);
  return client.connect();
}

async function rejects(promise, code, message) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, err.message);
    if (message instanceof RegExp) assert.match(err.message, message);
    else if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

before(async () => {
  // --slowms 0 logs every command, so the log checks below also cover
  // createUser's pwd and the SASL payloads in "Slow query" lines.
  server = await startServer(['--auth', '--slowms', '0']);
  anonymous = await connect();
});

after(async () => {
  for (const client of clients) await client.close();
  await server?.stop();
});

test('the localhost exception creates the first user in admin, and only that', async () => {
  // Before any user exists, localhost may only create a user in admin.
  await rejects(anonymous.db('test').command({ createUser: 'early', pwd: 'pw', roles: [] }), 13,
    /^not authorized on test to execute command \{ createUser: "early", pwd: "xxx", roles: \[\]/);
  await rejects(anonymous.db('test').collection('c').findOne(), 13,
    /^not authorized on test to execute command \{ find: "c"/);
  assert.deepEqual(
    await anonymous.db('admin').command({ createUser: 'admin', pwd: 'adminpw', roles: ['root'] }),
    { ok: 1 });
  // With a user in place the exception is gone.
  await rejects(anonymous.db('admin').command({ createUser: 'late', pwd: 'pw', roles: ['root'] }),
    13, 'Command createUser requires authentication');
});

test('once a user exists, hello stays open and data commands need authentication', async () => {
  const hello = await anonymous.db('admin').command({ hello: 1 });
  assert.equal(hello.isWritablePrimary, true);
  assert.deepEqual(await anonymous.db('admin').command({ ping: 1 }), { ok: 1 });
  await rejects(anonymous.db('test').collection('c').insertOne({ a: 1 }), 13,
    'Command insert requires authentication');
  await rejects(anonymous.db('test').collection('c').findOne(), 13,
    'Command find requires authentication');
  await rejects(anonymous.db('admin').command({ listDatabases: 1 }), 13,
    'Command listDatabases requires authentication');
});

test('listCommands says which commands need authentication', async () => {
  const admin = await connect('admin:adminpw');
  const { commands } = await admin.db('admin').command({ listCommands: 1 });
  for (const open of ['hello', 'ping', 'saslStart', 'saslContinue', 'buildInfo']) {
    assert.equal(commands[open].requiresAuth, false, open);
  }
  for (const guarded of ['find', 'insert', 'createUser', 'listCommands', 'serverStatus']) {
    assert.equal(commands[guarded].requiresAuth, true, guarded);
  }
});

test('the driver authenticates with SCRAM-SHA-256 by default and with SCRAM-SHA-1', async () => {
  for (const mechanism of ['', '&authMechanism=SCRAM-SHA-256', '&authMechanism=SCRAM-SHA-1']) {
    const admin = await connect('admin:adminpw', mechanism);
    await admin.db('test').collection('c').insertOne({ mechanism });
    const status = await admin.db('admin').command({ connectionStatus: 1 });
    assert.deepEqual(status.authInfo, {
      authenticatedUsers: [{ user: 'admin', db: 'admin' }],
      authenticatedUserRoles: [{ role: 'root', db: 'admin' }],
    });
  }
  const admin = await connect('admin:adminpw');
  assert.equal(await admin.db('test').collection('c').countDocuments(), 3);
  const hello = await admin.db('admin').command({ hello: 1, saslSupportedMechs: 'admin.admin' });
  assert.deepEqual(hello.saslSupportedMechs, ['SCRAM-SHA-1', 'SCRAM-SHA-256']);
  const unknown = await admin.db('admin').command({ hello: 1, saslSupportedMechs: 'admin.nobody' });
  assert.equal(unknown.saslSupportedMechs, undefined);
  // Current drivers authenticate inside the first hello (speculativeAuthenticate).
  const log = server.output();
  assert.match(log, /Authentication succeeded.*"mechanism":"SCRAM-SHA-256","speculative":true/);
  assert.match(log, /Authentication succeeded.*"mechanism":"SCRAM-SHA-1","speculative":true/);
});

test('a wrong password fails with code 18, logged without the password', async () => {
  await rejects(connect('admin:wrongpassword'), 18, 'Authentication failed.');
  await rejects(connect('nobody:adminpw'), 18, 'Authentication failed.');
  const log = server.output();
  assert.match(log, /Authentication failed.*"principalName":"admin","authenticationDatabase":"admin"/);
  assert.match(log, /Authentication failed.*"principalName":"nobody".*UserNotFound/);
  assert.match(log, /Slow query.*"createUser":"admin","pwd":"xxx"/);
  assert.match(log, /Slow query.*"saslContinue":1,"conversationId":1,"payload":"###"/);
  assert.doesNotMatch(log, /wrongpassword|adminpw/);
});

test('saslStart refuses mechanisms other than SCRAM', async () => {
  for (const mechanism of ['PLAIN', 'GSSAPI', 'SCRAM-SHA-512']) {
    await rejects(anonymous.db('admin').command({ saslStart: 1, mechanism, payload: Buffer.from('x') }),
      334, `Received authentication for mechanism ${mechanism} which is not enabled`);
  }
  await rejects(anonymous.db('admin').command({ saslStart: 1, mechanism: 'MONGODB-X509', payload: Buffer.from('x') }),
    2, "Unsupported mechanism 'MONGODB-X509' on authentication database 'admin'");
  await rejects(anonymous.db('admin').command({ saslContinue: 1, conversationId: 1, payload: Buffer.from('') }),
    17, 'No SASL session state found');
  // X.509 needs a TLS client certificate, which this connection lacks.
  await rejects(anonymous.db('$external').command({ authenticate: 1, mechanism: 'MONGODB-X509' }),
    18, 'Authentication failed.');
});

test('saslStart also runs as an OP_QUERY handshake command', async () => {
  const payload = new Binary(Buffer.from('n,,n=admin,r=clientnonce'));
  const reply = await wire.exchange(server.port,
    wire.opQuery('admin.$cmd', { saslStart: 1, mechanism: 'SCRAM-SHA-256', payload }));
  assert.equal(reply.opCode, wire.OP_REPLY);
  assert.deepEqual(Object.keys(reply.body), ['conversationId', 'done', 'payload', 'ok']);
  assert.equal(reply.body.conversationId, 1);
  assert.equal(reply.body.done, false);
  assert.match(reply.body.payload.buffer.toString(), /^r=clientnonce[A-Za-z0-9+/=]{32},s=[A-Za-z0-9+/]{38}==,i=15000$/);
});

test('readWrite on one database writes there and nowhere else', async () => {
  const admin = await connect('admin:adminpw');
  const app = await createUser(admin, 'app', 'writer', 'writerpw', ['readWrite']);
  await app.db('app').collection('docs').insertOne({ _id: 1 });
  assert.deepEqual(await app.db('app').collection('docs').findOne(), { _id: 1 });
  await rejects(app.db('other').collection('docs').insertOne({ _id: 1 }), 13,
    /^not authorized on other to execute command \{ insert: "docs", documents: \[ \{ _id: 1 \} \], ordered: true, lsid: \{ id: UUID\("[0-9a-f-]{36}"\) \}, \$db: "other" \}$/);
  await rejects(app.db('admin').command({ serverStatus: 1 }), 13,
    /^not authorized on admin to execute command \{ serverStatus: 1/);
  // listDatabases shows a user the databases it has privileges in.
  const mine = await app.db('admin').command({ listDatabases: 1, nameOnly: true });
  assert.deepEqual(mine.databases, [{ name: 'app' }]);
  await rejects(app.db('admin').command({ listDatabases: 1, authorizedDatabases: false }), 13,
    'Insufficient permissions to list all databases');
  const all = await admin.db('admin').command({ listDatabases: 1, nameOnly: true });
  assert.deepEqual(all.databases.map((d) => d.name), ['admin', 'app', 'test']);
});

test('read cannot write; granting and revoking roles applies to open connections', async () => {
  const admin = await connect('admin:adminpw');
  const reader = await createUser(admin, 'app', 'reader', 'readerpw', [{ role: 'read', db: 'app' }]);
  assert.deepEqual(await reader.db('app').collection('docs').findOne(), { _id: 1 });
  await rejects(reader.db('app').collection('docs').insertOne({ _id: 2 }), 13,
    /^not authorized on app to execute command \{ insert: "docs"/);
  await admin.db('app').command({ grantRolesToUser: 'reader', roles: ['readWrite'] });
  await reader.db('app').collection('docs').insertOne({ _id: 2 });
  await admin.db('app').command({ revokeRolesFromUser: 'reader', roles: ['readWrite'] });
  await rejects(reader.db('app').collection('docs').insertOne({ _id: 3 }), 13);
  const status = await reader.db('admin').command({ connectionStatus: 1, showPrivileges: true });
  assert.deepEqual(status.authInfo.authenticatedUserRoles, [{ role: 'read', db: 'app' }]);
  assert.deepEqual(status.authInfo.authenticatedUserPrivileges[0].resource, { db: 'app', collection: '' });
  assert.ok(status.authInfo.authenticatedUserPrivileges[0].actions.includes('find'));
  assert.ok(!status.authInfo.authenticatedUserPrivileges[0].actions.includes('insert'));
});

test('usersInfo shows users without credentials; only salted keys are stored', async () => {
  const admin = await connect('admin:adminpw');
  const info = await admin.db('app').command({ usersInfo: 1 });
  assert.deepEqual(info.users.map((u) => u._id), ['app.reader', 'app.writer']);
  const writer = info.users[1];
  assert.deepEqual(Object.keys(writer), ['_id', 'userId', 'user', 'db', 'roles', 'mechanisms']);
  assert.deepEqual(writer.roles, [{ role: 'readWrite', db: 'app' }]);
  assert.deepEqual(writer.mechanisms, ['SCRAM-SHA-1', 'SCRAM-SHA-256']);
  const one = await admin.db('admin').command({ usersInfo: { user: 'writer', db: 'app' }, showCredentials: true });
  const creds = one.users[0].credentials;
  assert.equal(creds['SCRAM-SHA-1'].iterationCount, 10000);
  assert.equal(creds['SCRAM-SHA-256'].iterationCount, 15000);
  assert.deepEqual(Object.keys(creds['SCRAM-SHA-256']), ['iterationCount', 'salt', 'storedKey', 'serverKey']);
  const stored = await admin.db('admin').collection('system.users').find().toArray();
  assert.deepEqual(stored.map((u) => u._id).sort(), ['admin.admin', 'app.reader', 'app.writer']);
  assert.doesNotMatch(JSON.stringify(stored), /writerpw|readerpw|adminpw/);
  const all = await admin.db('admin').command({ usersInfo: { forAllDBs: true } });
  assert.deepEqual(all.users.map((u) => u._id), ['admin.admin', 'app.reader', 'app.writer']);
});

test('user commands fail with mongod errors', async () => {
  const admin = await connect('admin:adminpw');
  await rejects(admin.db('app').command({ createUser: 'writer', pwd: 'x', roles: [] }), 51003,
    'User "writer@app" already exists');
  await rejects(admin.db('app').command({ dropUser: 'nobody' }), 11, "User 'nobody@app' not found");
  await rejects(admin.db('app').command({ createUser: 'x', pwd: 'x', roles: ['nope'] }), 31,
    'Could not find role: nope@app');
  await rejects(admin.db('app').command({ createUser: 'x', pwd: 'x', roles: ['root'] }), 31,
    'Could not find role: root@app');
  await rejects(admin.db('app').command({ updateUser: 'nobody', pwd: 'x' }), 11,
    'User nobody@app not found');
  await rejects(admin.db('app').command({ grantRolesToUser: 'nobody', roles: ['read'] }), 11,
    'Could not find user "nobody" for db "app"');
  await rejects(admin.db('app').command({ grantRolesToUser: 'reader', roles: [] }), 2);
});

test('updateUser changes the password; dropUser ends the user\'s access', async () => {
  const admin = await connect('admin:adminpw');
  const temp = await createUser(admin, 'app', 'temp', 'old-pw', ['read']);
  await admin.db('app').command({ updateUser: 'temp', pwd: 'new-pw' });
  await rejects(connect('temp:old-pw', '', 'app'), 18);
  const renewed = await connect('temp:new-pw', '', 'app');
  assert.ok(await renewed.db('app').collection('docs').findOne());
  await admin.db('app').command({ dropUser: 'temp' });
  await rejects(temp.db('app').collection('docs').findOne(), 13, 'Command find requires authentication');
  // Deleting the user's document directly also ends its access, as in mongod.
  const direct = await createUser(admin, 'app', 'direct', 'direct-pw', ['read']);
  assert.ok(await direct.db('app').collection('docs').findOne());
  await admin.db('admin').collection('system.users').deleteOne({ _id: 'app.direct' });
  await rejects(direct.db('app').collection('docs').findOne(), 13, 'Command find requires authentication');
  const dropped = await admin.db('other').command({ createUser: 'o', pwd: 'o', roles: ['read'] });
  assert.deepEqual(dropped, { ok: 1 });
  assert.deepEqual(await admin.db('other').command({ dropAllUsersFromDatabase: 1 }), { n: 1, ok: 1 });
});

test('mongosh authenticates with -u/-p and is refused find without them', () => {
  const uri = `mongodb://127.0.0.1:${server.port}/test`;
  const ok = mongosh(uri, 'print(JSON.stringify(db.c.countDocuments()))',
    ['-u', 'admin', '-p', 'adminpw', '--authenticationDatabase', 'admin']);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.equal(ok.stdout.trim(), '3');
  const hello = mongosh(uri, 'print(db.hello().isWritablePrimary)');
  assert.equal(hello.status, 0, hello.stderr + hello.stdout);
  assert.equal(hello.stdout.trim(), 'true');
  const refused = mongosh(uri, 'db.c.findOne()');
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr + refused.stdout, /Command find requires authentication/);
});

test('logout ends the authentication of the connection', async () => {
  // One pooled connection, so the logout and the find share it.
  const single = await connect('admin:adminpw', '&maxPoolSize=1');
  const before = await single.db('admin').command({ connectionStatus: 1 });
  assert.equal(before.authInfo.authenticatedUsers.length, 1);
  assert.deepEqual(await single.db('admin').command({ logout: 1 }), { ok: 1 });
  const after = await single.db('admin').command({ connectionStatus: 1 });
  assert.deepEqual(after.authInfo.authenticatedUsers, []);
  await rejects(single.db('test').collection('c').findOne(), 13, 'Command find requires authentication');
});
