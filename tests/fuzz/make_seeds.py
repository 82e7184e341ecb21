#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (corpus/<target>/<name>.bin).

Run with Debian's python3 (python3-pymongo provides `bson`, python3-snappy
and python3-zstandard the compressors); the output is
committed, so this only needs running when seeds are added or changed.
"""
import datetime
import os
import struct
import zlib

import bson
import snappy
import zstandard
from bson import Decimal128, Int64, ObjectId, Regex

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name + ".bin"), "wb") as f:
        f.write(data)


def header(length, opcode, request_id=1):
    return struct.pack("<iiii", length, request_id, 0, opcode)


def op_msg(body, sequences=(), flags=0):
    payload = struct.pack("<I", flags) + b"\x00" + bson.encode(body)
    for ident, docs in sequences:
        encoded = b"".join(bson.encode(d) for d in docs)
        section = ident.encode() + b"\x00" + encoded
        payload += b"\x01" + struct.pack("<i", len(section) + 4) + section
    return header(16 + len(payload), 2013) + payload


def op_query(collection, query):
    payload = struct.pack("<i", 0) + collection.encode() + b"\x00"
    payload += struct.pack("<ii", 0, -1) + bson.encode(query)
    return header(16 + len(payload), 2004) + payload


def op_compressed(message, compressor_id, compressed):
    inner = message[16:]
    opcode = struct.unpack("<i", message[12:16])[0]
    payload = struct.pack("<iiB", opcode, len(inner), compressor_id) + compressed
    return header(16 + len(payload), 2012) + payload


FILTERS = {
    "eq": {"a": 1},
    "range": {"a": {"$gt": 0, "$lte": 5}, "b": {"$in": ["x", "y"]}},
    "logic": {"$or": [{"a": {"$exists": False}}, {"c.d": {"$type": "number"}}],
              "$nor": [{"b": None}]},
    "arrays": {"c": {"$elemMatch": {"d": {"$gte": 3}}}, "e.f.g": {"$all": [1, 2]},
               "arr": {"$size": 0}},
    "regex": {"b": {"$regex": "^x", "$options": "i"}, "t": Regex("a.c", "s")},
    "bits": {"a": {"$bitsAllSet": [0], "$mod": [2, 1]}, "n": {"$not": {"$eq": 3}}},
    "expr": {"$expr": {"$gt": [{"$size": {"$ifNull": ["$c", []]}}, 1]}},
    "typed": {"_id": ObjectId("0123456789abcdef01234567"),
              "a": Decimal128("1.5"), "b": datetime.datetime(2020, 1, 1),
              "l": Int64(5)},
}

UPDATES = {
    "set": {"u": {"$set": {"a": 2, "x.y": [1, 2]}, "$inc": {"n": 1}}, "q": {"k": 1}},
    "arrays": {"u": {"$push": {"c": {"$each": [5, 4], "$sort": 1, "$slice": -3}},
                     "$addToSet": {"arr": 1}, "$pull": {"a": {"$gt": 1}}}},
    "positional": {"u": {"$set": {"c.$[el]": 0, "e.f.$[].g": 9}},
                   "arrayFilters": [{"el": {"$gte": 2}}]},
    "rename": {"u": {"$rename": {"a": "z"}, "$unset": {"b": ""},
                     "$currentDate": {"d": {"$type": "timestamp"}}, "$min": {"n": -1}}},
    "replacement": {"u": {"_id": 1, "whole": "doc"}},
    "pipeline": {"u": [{"$set": {"total": {"$add": ["$a", 1]}}}, {"$unset": "b"}],
                 "q": {"a": 1}},
    "upsert": {"u": {"$setOnInsert": {"created": True}, "$set": {"v": 1}},
               "q": {"$and": [{"k": 1}, {"j.k": "x"}]}},
}

PIPELINES = {
    "group": [{"$match": {"a": {"$exists": True}}},
              {"$group": {"_id": "$b", "n": {"$sum": 1}, "all": {"$push": "$_id"},
                          "top": {"$topN": {"n": 2, "sortBy": {"a": -1}, "output": "$a"}}}},
              {"$sort": {"n": -1}}, {"$limit": 5}],
    "project": [{"$project": {"x": {"$concat": [{"$toString": "$a"}, "-", "$b"]},
                              "y": {"$map": {"input": "$c", "in": {"$type": "$$this"}}}}},
                {"$unwind": {"path": "$y", "includeArrayIndex": "i"}}],
    "facet": [{"$facet": {"count": [{"$count": "n"}],
                          "buckets": [{"$bucketAuto": {"groupBy": "$a", "buckets": 2}}]}}],
    "lookup": [{"$lookup": {"from": "c", "localField": "a", "foreignField": "a", "as": "j"}},
               {"$replaceWith": {"$mergeObjects": ["$$ROOT", {"k": {"$size": "$j"}}]}}],
    "window": [{"$setWindowFields": {"sortBy": {"a": 1}, "output": {
        "r": {"$rank": {}}, "s": {"$sum": "$a", "window": {"documents": [-1, 1]}}}}}],
    "densify": [{"$densify": {"field": "a", "range": {"step": 1, "bounds": "full"}}},
                {"$fill": {"output": {"b": {"value": "none"}}}}],
    "dates": [{"$set": {"d": {"$dateToString": {"date": "$b", "format": "%Y-%m-%d"}},
                        "w": {"$dateTrunc": {"date": "$b", "unit": "week"}}}}],
}


def main():
    for name, f in FILTERS.items():
        write("fuzz_query", name, bson.encode(f))
    write("fuzz_query", "with_projection_sort",
          bson.encode({"filter": {"c": 1}, "projection": {"c.$": 1, "e": {"$slice": 1}},
                       "sort": {"a": -1, "b": 1}}))
    for name, u in UPDATES.items():
        write("fuzz_update", name, bson.encode(u))
    for name, p in PIPELINES.items():
        write("fuzz_pipeline", name, bson.encode({"p": p}))

    insert = op_msg({"insert": "c", "ordered": False, "$db": "test"},
                    [("documents", [{"_id": 1, "a": [1, {"b": None}]}, {"_id": 2}])])
    find = op_msg({"find": "c", "filter": FILTERS["range"], "$db": "test"})
    hello = op_query("admin.$cmd", {"isMaster": 1, "client": {"driver": {"name": "x"}},
                                   "compression": ["snappy", "zlib", "zstd"]})
    write("fuzz_frame", "insert_sequence", insert)
    write("fuzz_frame", "find", find)
    write("fuzz_frame", "hello_op_query", hello)
    write("fuzz_frame", "zlib", op_compressed(find, 2, zlib.compress(find[16:])))
    write("fuzz_frame", "checksum_flag", op_msg({"ping": 1, "$db": "admin"}, flags=1) + b"\0" * 4)

    body = find[16:]
    write("fuzz_decompress", "noop", struct.pack("<iiB", 2013, len(body), 0) + body)
    write("fuzz_decompress", "zlib", struct.pack("<iiB", 2013, len(body), 2) + zlib.compress(body))
    write("fuzz_decompress", "snappy",
          struct.pack("<iiB", 2013, len(body), 1) + snappy.compress(body))
    write("fuzz_decompress", "zstd",
          struct.pack("<iiB", 2013, len(body), 3) + zstandard.ZstdCompressor().compress(body))

    for name, f in FILTERS.items():
        write("fuzz_bson", name, bson.encode(f))
    write("fuzz_bson", "nested", bson.encode({"a": {"b": {"c": [{"d": [1, [2, [3]]]}]}}}))


if __name__ == "__main__":
    main()
