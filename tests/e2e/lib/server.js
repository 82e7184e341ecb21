// Starts a built basaltd on a free port with a temporary data directory, for
// one test file, and stops it afterwards. The binary comes from $BASALTD
// (set by ctest) or the default build directory.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const BASALTD = process.env.BASALTD || path.resolve(__dirname, '../../../build/server/basaltd');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

// `options.dbpath`: an existing data directory to reuse (kept on stop);
// otherwise a fresh one is made and removed on stop.
async function startServer(extraArgs = [], options = {}) {
  const port = await freePort();
  const ownsDbpath = !options.dbpath;
  const dbpath = options.dbpath ?? fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-e2e-'));
  const args = ['--port', String(port), '--dbpath', dbpath, ...extraArgs];
  const child = spawn(BASALTD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 10000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`basaltd did not start on port ${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dbpath,
    uri: `mongodb://127.0.0.1:${port}/`,
    child,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const result = await exited;
      if (ownsDbpath) fs.rmSync(dbpath, { recursive: true, force: true });
      return result;
    },
  };
}

// Runs mongosh against `uri` with `--quiet --eval script`; returns {status, stdout, stderr}.
function mongosh(uri, script, extraArgs = []) {
  const bin = path.resolve(__dirname, '../node_modules/.bin/mongosh');
  const result = spawnSync(bin, [uri, '--quiet', '--norc', ...extraArgs, '--eval', script], {
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, MONGOSH_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, error: result.error };
}

module.exports = { BASALTD, startServer, freePort, mongosh };
