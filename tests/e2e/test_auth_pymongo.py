"""PyMongo (Debian's python3-pymongo) authenticates with both SCRAM mechanisms under --auth."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from basalt_server import BasaltServer  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from pymongo.errors import OperationFailure  # noqa: E402


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BasaltServer("--auth")
        cls.clients = []
        # The localhost exception: the first user may be created unauthenticated.
        bootstrap = cls.connect()
        bootstrap.admin.command("createUser", "admin", pwd="s3cret", roles=["root"])
        admin = cls.connect(username="admin", password="s3cret")
        admin.shop.command("createUser", "clerk", pwd="clerkpw", roles=["readWrite"])

    @classmethod
    def tearDownClass(cls):
        for client in cls.clients:
            client.close()
        code = cls.server.stop()
        assert code == 0, f"basaltd exited with {code}"

    @classmethod
    def connect(cls, **kwargs):
        client = MongoClient(cls.server.uri, serverSelectionTimeoutMS=5000, **kwargs)
        cls.clients.append(client)
        return client

    def test_both_mechanisms_authenticate(self):
        for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-1"):
            with self.subTest(mechanism=mechanism):
                client = self.connect(username="admin", password="s3cret",
                                      authSource="admin", authMechanism=mechanism)
                status = client.admin.command("connectionStatus")
                self.assertEqual(status["authInfo"]["authenticatedUsers"],
                                 [{"user": "admin", "db": "admin"}])
                client.test.items.insert_one({"mechanism": mechanism})
                self.assertEqual(client.test.items.count_documents({"mechanism": mechanism}), 1)

    def test_wrong_password_is_authentication_failed(self):
        client = self.connect(username="admin", password="nope", authSource="admin")
        with self.assertRaises(OperationFailure) as caught:
            client.admin.command("ping")
        self.assertEqual(caught.exception.code, 18)
        self.assertEqual(caught.exception.details["errmsg"], "Authentication failed.")

    def test_unauthenticated_commands_are_refused(self):
        client = self.connect()
        self.assertTrue(client.admin.command("hello")["isWritablePrimary"])
        with self.assertRaises(OperationFailure) as caught:
            client.test.items.insert_one({"x": 1})
        self.assertEqual(caught.exception.code, 13)
        self.assertEqual(caught.exception.details["errmsg"],
                         "Command insert requires authentication")

    def test_read_write_user_is_confined_to_its_database(self):
        clerk = self.connect(username="clerk", password="clerkpw", authSource="shop")
        clerk.shop.orders.insert_one({"_id": 1})
        self.assertEqual(clerk.shop.orders.find_one(), {"_id": 1})
        with self.assertRaises(OperationFailure) as caught:
            clerk.other.orders.insert_one({"_id": 1})
        self.assertEqual(caught.exception.code, 13)
        self.assertTrue(caught.exception.details["errmsg"].startswith(
            'not authorized on other to execute command { insert: "orders"'))


if __name__ == "__main__":
    unittest.main()
