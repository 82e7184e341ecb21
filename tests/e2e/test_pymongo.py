"""PyMongo (Debian's python3-pymongo) connects, handshakes and runs commands."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from basalt_server import BasaltServer  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from pymongo.errors import OperationFailure  # noqa: E402


class HandshakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BasaltServer()
        cls.client = MongoClient(cls.server.uri, serverSelectionTimeoutMS=5000)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        code = cls.server.stop()
        assert code == 0, f"basaltd exited with {code}"

    def test_ping(self):
        self.assertEqual(self.client.admin.command("ping"), {"ok": 1.0})

    def test_hello(self):
        hello = self.client.admin.command("hello")
        self.assertIs(hello["isWritablePrimary"], True)
        self.assertEqual(hello["maxWireVersion"], 25)
        self.assertEqual(hello["maxBsonObjectSize"], 16 * 1024 * 1024)
        self.assertEqual(self.client.server_info()["version"], "8.0.0")

    def test_unknown_command(self):
        with self.assertRaises(OperationFailure) as ctx:
            self.client.test.command("frobnicate")
        self.assertEqual(ctx.exception.code, 59)
        self.assertEqual(ctx.exception.details["codeName"], "CommandNotFound")
        self.assertEqual(ctx.exception.details["errmsg"], "no such command: 'frobnicate'")

    def test_compressed_connections(self):
        # A highly compressible 200 kB command must cross the wire as far fewer bytes.
        payload = "y" * 200_000
        for compressor in ("zlib", "snappy", "zstd"):
            with self.subTest(compressor=compressor):
                client = MongoClient(self.server.uri, compressors=compressor,
                                     serverSelectionTimeoutMS=5000)
                try:
                    client.admin.command("ping")  # connect before measuring
                    before = self.client.admin.command("serverStatus")["network"]["bytesIn"]
                    self.assertEqual(client.admin.command("ping", comment=payload), {"ok": 1.0})
                    after = self.client.admin.command("serverStatus")["network"]["bytesIn"]
                    self.assertLess(after - before, 50_000)
                finally:
                    client.close()


if __name__ == "__main__":
    unittest.main()
