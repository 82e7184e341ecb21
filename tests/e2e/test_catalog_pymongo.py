"""PyMongo (Debian's python3-pymongo) drives the catalog commands: collections,
indexes, renames, databases, statistics and validation."""

import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from basalt_server import BasaltServer  # noqa: E402
from bson.int64 import Int64  # noqa: E402
from bson.son import SON  # noqa: E402
from pymongo import ASCENDING, DESCENDING, MongoClient  # noqa: E402
from pymongo.errors import CollectionInvalid, DuplicateKeyError, OperationFailure  # noqa: E402


class CatalogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BasaltServer()
        cls.client = MongoClient(cls.server.uri, serverSelectionTimeoutMS=5000)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        code = cls.server.stop()
        assert code == 0, f"basaltd exited with {code}"

    def assertFails(self, code, code_name, errmsg, fn, *args, **kwargs):
        with self.assertRaises(OperationFailure) as ctx:
            fn(*args, **kwargs)
        self.assertEqual(ctx.exception.code, code)
        self.assertEqual(ctx.exception.details["codeName"], code_name)
        self.assertEqual(ctx.exception.details["errmsg"], errmsg)

    def test_create_list_and_drop_collections(self):
        db = self.client.py_create
        db.create_collection("a")
        db.create_collection("b", validator={"x": {"$type": "string"}}, validationAction="warn")
        self.assertEqual(sorted(db.list_collection_names()), ["a", "b"])
        with self.assertRaises(CollectionInvalid):
            db.create_collection("a")  # PyMongo checks listCollections first
        self.assertFails(48, "NamespaceExists", "Collection py_create.a already exists.",
                         db.command, "create", "a")
        infos = {info["name"]: info for info in db.list_collections()}
        self.assertEqual(infos["b"]["options"],
                         {"validator": {"x": {"$type": "string"}}, "validationAction": "warn"})
        self.assertIsInstance(infos["a"]["info"]["uuid"], uuid.UUID)
        self.assertEqual(infos["a"]["idIndex"], {"v": 2, "key": {"_id": 1}, "name": "_id_"})
        self.assertEqual(db.command("drop", "a"), {"nIndexesWas": 1, "ns": "py_create.a", "ok": 1.0})
        db.drop_collection("a")  # missing now: still fine
        self.assertEqual(db.list_collection_names(), ["b"])
        self.assertFails(115, "CommandNotSupported", "capped collections are not supported yet",
                         db.command, "create", "ring", capped=True, size=1024)

    def test_indexes(self):
        coll = self.client.py_indexes.people
        self.assertEqual(coll.create_index([("email", ASCENDING)], unique=True), "email_1")
        self.assertEqual(coll.create_index([("last", ASCENDING), ("age", DESCENDING)]), "last_1_age_-1")
        info = coll.index_information()
        self.assertEqual(sorted(info), ["_id_", "email_1", "last_1_age_-1"])
        self.assertTrue(info["email_1"]["unique"])
        self.assertEqual(info["last_1_age_-1"]["key"], [("last", 1), ("age", -1)])
        coll.insert_one({"email": "x@y.z"})
        with self.assertRaises(DuplicateKeyError):
            coll.insert_one({"email": "x@y.z"})
        reply = self.client.py_indexes.command(SON([
            ("createIndexes", "people"),
            ("indexes", [{"key": {"email": 1}, "name": "email_1", "unique": True}])]))
        self.assertEqual(reply, {"numIndexesBefore": 3, "numIndexesAfter": 3,
                                 "note": "all indexes already exist", "ok": 1.0})
        coll.drop_index("last_1_age_-1")
        self.assertFails(72, "InvalidOptions", "cannot drop _id index", coll.drop_index, "_id_")
        coll.drop_indexes()
        self.assertEqual(list(coll.index_information()), ["_id_"])

    def test_rename(self):
        db = self.client.py_rename
        db.src.insert_one({"_id": 1})
        db.src.create_index("k")
        db.src.rename("dst")
        self.assertEqual(db.list_collection_names(), ["dst"])
        self.assertEqual(sorted(db.dst.index_information()), ["_id_", "k_1"])
        db.other.insert_one({"_id": 2})
        self.assertFails(48, "NamespaceExists", "target namespace exists", db.dst.rename, "other")
        db.dst.rename("other", dropTarget=True)
        self.assertEqual(list(db.other.find()), [{"_id": 1}])

    def test_stats_and_validate(self):
        db = self.client.py_stats
        db.c.insert_many([{"_id": i, "s": "x" * i} for i in range(1, 5)])
        stats = db.command("collStats", "c")
        self.assertEqual(stats["ns"], "py_stats.c")
        self.assertEqual(stats["count"], 4)
        self.assertEqual(stats["nindexes"], 1)
        self.assertEqual(stats["totalIndexSize"], sum(stats["indexSizes"].values()))
        dbstats = db.command("dbStats")
        self.assertEqual(dbstats["db"], "py_stats")
        self.assertIsInstance(dbstats["objects"], Int64)
        self.assertEqual(dbstats["objects"], 4)
        self.assertEqual(dbstats["dataSize"], float(stats["size"]))
        result = db.validate_collection("c")
        self.assertTrue(result["valid"])
        self.assertEqual(result["nrecords"], 4)
        self.assertEqual(result["keysPerIndex"], {"_id_": 4})

    def test_databases(self):
        self.client.py_gone.c.insert_one({})
        self.assertIn("py_gone", self.client.list_database_names())
        listing = self.client.admin.command("listDatabases")
        gone = [d for d in listing["databases"] if d["name"] == "py_gone"]
        self.assertEqual(len(gone), 1)
        self.assertEqual(sorted(gone[0]), ["empty", "name", "sizeOnDisk"])
        self.assertIsInstance(gone[0]["sizeOnDisk"], Int64)
        self.client.drop_database("py_gone")
        self.assertNotIn("py_gone", self.client.list_database_names())


if __name__ == "__main__":
    unittest.main()
