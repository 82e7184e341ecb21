// The $out/$merge writer over a real (in-memory) engine: which `on` fields
// have a supporting unique index (mongod's fieldsHaveSupportingUniqueIndex;
// partial indexes, which need the query layer's matcher, are in the e2e test),
// the temporary collection $out fills (the target's indexes and options
// copied), the rename over the target, and the write errors the stages wrap.

#include "commands/aggregate_writer.h"

#include <catch2/catch.hpp>

#include "tests/unit/commands/catalog_test_util.h"

using namespace basalt;
using namespace basalt::commands;
using namespace basalt::commands::testing;

namespace {

Bson Json(const char* json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
  REQUIRE(doc);
  Bson out = Bson::Copy(doc);
  bson_destroy(doc);
  return out;
}

}  // namespace

TEST_CASE("the writer finds the unique index $merge's on fields need", "[aggregate][writer]") {
  Catalog c;
  auto writer = MakeAggregateWriter(&c.service, 1);
  c.Insert("t", R"({"_id": 1, "a": 1, "b": 1, "c": 1, "d": 1})");
  const char* const kIndexes[] = {
      R"({"createIndexes": "t", "indexes": [{"key": {"a": 1, "b": -1}, "name": "ab",
          "unique": true}], "$db": "test"})",
      R"({"createIndexes": "t", "indexes": [{"key": {"c": 1}, "name": "c"}], "$db": "test"})",
  };
  for (const char* spec : kIndexes) {
    const std::string reply = c.Run(spec);
    INFO(reply);
    REQUIRE(reply.find("\"ok\" : 1.0") != std::string::npos);
  }
  struct Row {
    const char* coll;
    std::vector<std::string> fields;
    bool supported;
  };
  const std::vector<Row> rows = {
      {"t", {"_id"}, true},      {"t", {"a", "b"}, true},       {"t", {"b", "a"}, true},
      {"t", {"a"}, false},       {"t", {"a", "b", "c"}, false}, {"t", {"c"}, false},  // not unique
      {"t", {"d"}, false},                                                            // no index
      {"absent", {"_id"}, true}, {"absent", {"a"}, false},
  };
  for (const Row& row : rows) {
    INFO(row.coll << " " << row.fields.size() << " " << row.fields[0]);
    CHECK(writer->HasUniqueIndexOn("test", row.coll, row.fields) == row.supported);
  }
}

TEST_CASE("the writer's temporary collection copies the target and replaces it",
          "[aggregate][writer]") {
  Catalog c;
  auto writer = MakeAggregateWriter(&c.service, 1);
  REQUIRE(
      c.Run(R"({"create": "t", "validationLevel": "off", "$db": "test"})").find("\"ok\" : 1.0") !=
      std::string::npos);
  c.Insert("t", R"({"_id": 1, "u": 1})");
  REQUIRE(
      c.Run(
           R"({"createIndexes": "t", "indexes": [{"key": {"u": 1}, "name": "u_1", "unique": true}], "$db": "test"})")
          .find("\"ok\" : 1.0") != std::string::npos);

  auto temp = writer->CreateTempCollection("test", "t");
  REQUIRE(temp.ok());
  CHECK(temp.value().rfind("tmp.agg_out.", 0) == 0);
  CHECK(c.IndexNames(temp.value().c_str()) == "_id_ u_1 ");
  auto coll = c.engine->GetCollection("test", temp.value());
  REQUIRE(coll);
  CHECK(Typed(coll->options()) == Typed(c.engine->GetCollection("test", "t")->options()));

  // Inserts get an _id and obey the copied unique index.
  REQUIRE(writer->Insert("test", temp.value(), Json(R"({"u": 7})").get()).ok());
  Status dup = writer->Insert("test", temp.value(), Json(R"({"_id": 2, "u": 7})").get());
  CHECK(dup.code() == ErrorCodes::DuplicateKey);
  REQUIRE(dup.extraInfo() != nullptr);
  CHECK(Typed(dup.extraInfo()) == R"({ "keyPattern" : { "u" : 1 }, "keyValue" : { "u" : 7 } })");

  REQUIRE(writer->RenameOver("test", temp.value(), "t").ok());
  CHECK(c.engine->GetCollection("test", temp.value()) == nullptr);
  auto t = c.engine->GetCollection("test", "t");
  REQUIRE(t);
  CHECK(t->Count() == 1);
  CHECK(c.IndexNames("t") == "_id_ u_1 ");
}

TEST_CASE("the writer finds, replaces and reports conflicts", "[aggregate][writer]") {
  Catalog c;
  auto writer = MakeAggregateWriter(&c.service, 1);
  c.Insert("t", R"({"_id": 1, "k": "x", "v": 0})");
  auto found = writer->FindOne("test", "t", Json(R"({"k": {"$eq": "x"}})").get());
  REQUIRE(found.ok());
  REQUIRE(found.value());
  const Bson old_doc = std::move(*found.value());
  REQUIRE(writer->Replace("test", "t", old_doc.get(), Json(R"({"_id": 1, "k": "x", "v": 1})").get())
              .ok());
  // The stored document changed since it was read: a conflict to retry.
  CHECK(writer->Replace("test", "t", old_doc.get(), Json(R"({"_id": 1, "v": 2})").get()).code() ==
        ErrorCodes::WriteConflict);
  auto none = writer->FindOne("test", "t", Json(R"({"k": "y"})").get());
  REQUIRE(none.ok());
  CHECK_FALSE(none.value());
  auto absent = writer->FindOne("test", "absent", Json(R"({"k": "y"})").get());
  REQUIRE(absent.ok());
  CHECK_FALSE(absent.value());
  writer->Drop("test", "t");
  CHECK(c.engine->GetCollection("test", "t") == nullptr);
}
