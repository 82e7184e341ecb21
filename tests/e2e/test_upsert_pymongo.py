"""PyMongo upserts against Basalt: repeated and racing upserts leave one
document, as mongod's retry of an upsert that lost a unique-key race does."""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from basalt_server import BasaltServer  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from pymongo.errors import DuplicateKeyError  # noqa: E402


class UpsertTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BasaltServer()
        cls.client = MongoClient(cls.server.uri, serverSelectionTimeoutMS=5000, maxPoolSize=64)
        cls.db = cls.client.test

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        assert cls.server.stop() == 0

    def test_update_one_upsert_twice_leaves_one_document(self):
        users = self.db.upsert_twice
        users.create_index("email", unique=True)
        first = users.update_one({"email": "a@b.c"}, {"$set": {"name": "A"}}, upsert=True)
        self.assertEqual(first.matched_count, 0)
        self.assertEqual(first.modified_count, 0)
        self.assertIsNotNone(first.upserted_id)
        second = users.update_one({"email": "a@b.c"}, {"$set": {"name": "B"}}, upsert=True)
        self.assertEqual(second.matched_count, 1)
        self.assertEqual(second.modified_count, 1)
        self.assertIsNone(second.upserted_id)
        docs = list(users.find({}, {"_id": 0}))
        self.assertEqual(docs, [{"email": "a@b.c", "name": "B"}])

    def test_racing_upserts_with_inc_make_one_document(self):
        counters = self.db.upsert_race
        counters.create_index("email", unique=True)
        threads, per_thread = 32, 5
        barrier = threading.Barrier(threads)
        errors = []

        def worker():
            barrier.wait()
            try:
                for _ in range(per_thread):
                    counters.update_one({"email": "race@x"}, {"$inc": {"n": 1}}, upsert=True)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        self.assertEqual(errors, [])
        docs = list(counters.find({}, {"_id": 0}))
        self.assertEqual(docs, [{"email": "race@x", "n": threads * per_thread}])

    def test_duplicate_key_error_details_on_secondary_unique_index(self):
        users = self.db.upsert_dup
        users.create_index("email", unique=True)
        users.insert_one({"_id": 1, "email": "x@y"})
        users.insert_one({"_id": 2, "email": "z@y"})
        # The filter is not the unique key, so the upsert is not retried: 11000.
        with self.assertRaises(DuplicateKeyError) as ctx:
            users.update_one({"_id": 3}, {"$set": {"email": "x@y"}}, upsert=True)
        err = ctx.exception
        self.assertEqual(err.code, 11000)
        self.assertEqual(err.details["keyPattern"], {"email": 1})
        self.assertEqual(err.details["keyValue"], {"email": "x@y"})
        self.assertEqual(err.details["errmsg"],
                         'E11000 duplicate key error collection: test.upsert_dup index: email_1 '
                         'dup key: { email: "x@y" }')
        with self.assertRaises(DuplicateKeyError) as ctx:
            users.insert_one({"email": "z@y"})
        self.assertEqual(ctx.exception.details["keyPattern"], {"email": 1})
        self.assertEqual(ctx.exception.details["keyValue"], {"email": "z@y"})
        self.assertEqual(users.count_documents({}), 2)


if __name__ == "__main__":
    unittest.main()
