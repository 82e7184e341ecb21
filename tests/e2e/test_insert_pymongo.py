"""PyMongo applications catch duplicate keys exactly as against mongod."""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from basalt_server import BasaltServer  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from pymongo.errors import BulkWriteError, DuplicateKeyError  # noqa: E402


class InsertTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BasaltServer()
        cls.client = MongoClient(cls.server.uri, serverSelectionTimeoutMS=5000)
        cls.db = cls.client.test

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        assert cls.server.stop() == 0

    def test_duplicate_key_error(self):
        self.db.users.insert_one({"_id": "a@b.c"})
        with self.assertRaises(DuplicateKeyError) as ctx:
            self.db.users.insert_one({"_id": "a@b.c", "name": "again"})
        err = ctx.exception
        self.assertEqual(err.code, 11000)
        self.assertEqual(err.details["errmsg"],
                         'E11000 duplicate key error collection: test.users index: _id_ '
                         'dup key: { _id: "a@b.c" }')
        self.assertEqual(err.details["keyPattern"], {"_id": 1})
        self.assertEqual(err.details["keyValue"], {"_id": "a@b.c"})

    def test_insert_many_unordered_continues(self):
        docs = [{"_id": i % 3} for i in range(6)]
        with self.assertRaises(BulkWriteError) as ctx:
            self.db.many.insert_many(docs, ordered=False)
        details = ctx.exception.details
        self.assertEqual(details["nInserted"], 3)
        self.assertEqual([e["index"] for e in details["writeErrors"]], [3, 4, 5])
        self.assertTrue(all(e["code"] == 11000 for e in details["writeErrors"]))

    def test_insert_many_ordered_stops(self):
        with self.assertRaises(BulkWriteError) as ctx:
            self.db.ordered.insert_many([{"_id": 1}, {"_id": 1}, {"_id": 2}])
        details = ctx.exception.details
        self.assertEqual(details["nInserted"], 1)
        self.assertEqual([e["index"] for e in details["writeErrors"]], [1])

    def test_racing_threads_insert_one_key_once(self):
        outcomes = []
        lock = threading.Lock()

        def attempt():
            try:
                self.db.race.insert_one({"_id": "one"})
                result = "ok"
            except DuplicateKeyError:
                result = "dup"
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=attempt) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(outcomes.count("ok"), 1)
        self.assertEqual(outcomes.count("dup"), 15)


if __name__ == "__main__":
    unittest.main()
