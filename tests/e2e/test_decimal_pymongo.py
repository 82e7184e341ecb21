"""PyMongo Decimal128 arithmetic against Basalt: $add, $subtract, $multiply,
$divide, $mod, $inc and $mul give the IEEE 754-2008 decimal128 results
(34 digits, round-half-even, overflow to Infinity, subnormals, -0) that
mongod's BID library gives; the expectations are computed here with
Python's decimal module in bson's decimal128 context."""

import os
import sys
import unittest
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from basalt_server import BasaltServer  # noqa: E402
from bson.decimal128 import Decimal128, create_decimal128_context  # noqa: E402
from pymongo import MongoClient  # noqa: E402

CONTEXT = create_decimal128_context()
MAX = "9.999999999999999999999999999999999E+6144"
PAIRS = [
    ("1234567890123456789012345678901234", "0.5"),
    ("1234567890123456789012345678901235", "0.5"),
    ("9999999999999999999999999999999999", "1"),
    (MAX, MAX),
    ("-0", "0"),
    ("1E-6143", "1E-10"),
    ("1.5E-6170", "1E-6"),
    ("2", "3"),
    ("7.5", "-2"),
    ("1E+6144", "0"),
]


def expected(op, a, b):
    return Decimal128(op(Decimal(a), Decimal(b)))


def updated(old, result):
    """An update whose result equals the old value numerically (-0 + 0, or
    0 * 1E+6144 = 0E+6111) is a no-op, as mongod's: the field keeps old."""
    return Decimal128(old) if result.to_decimal() == Decimal(old) else result


class DecimalArithmeticTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BasaltServer()
        cls.client = MongoClient(cls.server.uri, serverSelectionTimeoutMS=5000)
        cls.coll = cls.client.test.decimals
        cls.coll.insert_many(
            [{"_id": i, "a": Decimal128(a), "b": Decimal128(b)} for i, (a, b) in enumerate(PAIRS)]
        )

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        assert cls.server.stop() == 0

    def test_aggregation_arithmetic(self):
        docs = self.coll.aggregate(
            [
                {"$sort": {"_id": 1}},
                {
                    "$project": {
                        "add": {"$add": ["$a", "$b"]},
                        "sub": {"$subtract": ["$a", "$b"]},
                        "mul": {"$multiply": ["$a", "$b"]},
                        "div": {
                            "$cond": [{"$eq": ["$b", 0]}, None, {"$divide": ["$a", "$b"]}]
                        },
                    }
                },
            ]
        )
        for doc, (a, b) in zip(docs, PAIRS):
            with self.subTest(a=a, b=b):
                self.assertEqual(doc["add"], expected(CONTEXT.add, a, b))
                self.assertEqual(doc["sub"], expected(CONTEXT.subtract, a, b))
                self.assertEqual(doc["mul"], expected(CONTEXT.multiply, a, b))
                if Decimal(b) != 0:
                    self.assertEqual(doc["div"], expected(CONTEXT.divide, a, b))

    def test_mod(self):
        for a, b in [("10", "3"), ("-7", "2"), ("7.5", "2"), ("1.000", "0.3")]:
            with self.subTest(a=a, b=b):
                doc = next(
                    self.client.test.aggregate(
                        [
                            {"$documents": [{"a": Decimal128(a), "b": Decimal128(b)}]},
                            {"$project": {"_id": 0, "r": {"$mod": ["$a", "$b"]}}},
                        ]
                    )
                )
                self.assertEqual(doc["r"], expected(CONTEXT.remainder, a, b))

    def test_inc_and_mul(self):
        for i, (a, b) in enumerate(PAIRS):
            with self.subTest(a=a, b=b):
                self.coll.update_one({"_id": i}, {"$inc": {"a": Decimal128(b)}})
                self.coll.update_one({"_id": i}, {"$mul": {"b": Decimal128(a)}})
                doc = self.coll.find_one({"_id": i})
                self.assertEqual(doc["a"], updated(a, expected(CONTEXT.add, a, b)))
                self.assertEqual(doc["b"], updated(b, expected(CONTEXT.multiply, b, a)))


if __name__ == "__main__":
    unittest.main()
