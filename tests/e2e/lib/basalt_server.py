"""Starts a built basaltd on a free port with a temporary data directory."""

import os
import shutil
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BASALTD = os.environ.get("BASALTD", os.path.join(HERE, "../../../build/server/basaltd"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BasaltServer:
    def __init__(self, *extra_args):
        self.port = free_port()
        self.dbpath = tempfile.mkdtemp(prefix="basalt-py-")
        self.proc = subprocess.Popen(
            [BASALTD, "--port", str(self.port), "--dbpath", self.dbpath, *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    raise RuntimeError("basaltd did not start: " + self.proc.stdout.read().decode())
                time.sleep(0.05)
        self.uri = f"mongodb://127.0.0.1:{self.port}/"

    def stop(self):
        self.proc.terminate()
        code = self.proc.wait(timeout=20)
        self.proc.stdout.close()
        shutil.rmtree(self.dbpath, ignore_errors=True)
        return code
