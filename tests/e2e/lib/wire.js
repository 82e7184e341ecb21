// Hand-built wire-protocol frames, for tests that must send what no driver
// would: malformed frames, missing $db, OP_QUERY handshakes.
'use strict';

const net = require('node:net');
const { BSON } = require('mongodb');

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

function header(length, requestId, responseTo, opCode) {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(body, { requestId = 1, flags = 0 } = {}) {
  const doc = BSON.serialize(body);
  const payload = Buffer.concat([Buffer.alloc(4), Buffer.from([0]), doc]);
  payload.writeUInt32LE(flags, 0);
  return Buffer.concat([header(16 + payload.length, requestId, 0, OP_MSG), payload]);
}

function opQuery(ns, query, { requestId = 1 } = {}) {
  const flags = Buffer.alloc(4);
  const name = Buffer.from(ns + '\0', 'utf8');
  const skipReturn = Buffer.alloc(8);
  skipReturn.writeInt32LE(0, 0);
  skipReturn.writeInt32LE(-1, 4);
  const payload = Buffer.concat([flags, name, skipReturn, BSON.serialize(query)]);
  return Buffer.concat([header(16 + payload.length, requestId, 0, OP_QUERY), payload]);
}

// Opens a connection, sends `bytes`, and resolves with the first complete
// reply frame, or {closed: true} when the server closes the connection first.
function exchange(port, bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no reply and no close within ' + timeoutMs + ' ms'));
    }, timeoutMs);
    const done = (value) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(value);
    };
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) done(parseReply(buf));
    });
    sock.on('close', () => done({ closed: true }));
    sock.on('error', () => done({ closed: true }));
  });
}

function parseReply(buf) {
  const opCode = buf.readInt32LE(12);
  const responseTo = buf.readInt32LE(8);
  if (opCode === OP_MSG) {
    const flags = buf.readUInt32LE(16);
    return { opCode, responseTo, flags, body: BSON.deserialize(buf.subarray(21)) };
  }
  if (opCode === OP_REPLY) {
    const numberReturned = buf.readInt32LE(32);
    return { opCode, responseTo, numberReturned, body: BSON.deserialize(buf.subarray(36)) };
  }
  return { opCode, raw: buf };
}

module.exports = { OP_MSG, OP_QUERY, OP_REPLY, header, opMsg, opQuery, exchange };
