// Running pipelines over in-memory collections for the pipeline tables:
// a fake reader (the query matcher over shell-notation documents), a fake
// writer for $out/$merge over the same collections, and table checkers that
// compare results as canonical extended JSON (so numeric types count).
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "query/matcher.h"
#include "query/pipeline.h"
#include "tests/unit/query/query_test_util.h"

namespace basalt::test {

using Collections = std::map<std::string, std::vector<std::string>>;

inline std::string Canonical(const bson_t* doc) {
  size_t len = 0;
  char* json = bson_as_canonical_extended_json(doc, &len);
  std::string out(json, len);
  bson_free(json);
  return out;
}

// Collections in memory; filters applied with the query matcher, as the
// server's reader (an index or collection scan plus the filter) would.
class FakeReader : public query::CollectionReader {
 public:
  Collections collections;
  std::vector<std::string> filters_seen;

  StatusWith<std::unique_ptr<query::DocumentStream>> Open(const std::string& collection,
                                                          const bson_t* filter,
                                                          const bson_t*) override {
    filters_seen.push_back(filter ? ShellString(filter) : "none");
    Bson empty;
    auto matcher = query::Matcher::Parse(filter ? filter : empty.get());
    if (!matcher.ok()) return matcher.status();
    std::vector<Bson> docs;
    for (const std::string& d : collections[collection]) {
      Bson doc = Doc(d);
      if (matcher.value()->Matches(doc.get())) docs.push_back(std::move(doc));
    }
    return std::unique_ptr<query::DocumentStream>(
        std::make_unique<query::VectorStream>(std::move(docs)));
  }
  StatusWith<Bson> ExplainPlan(const std::string&, const bson_t*, const bson_t*) override {
    return Bson();
  }
};

// Writes to the reader's collections (database "test" only). Enforces
// unique _id (11000 with keyPattern/keyValue, a short errmsg); `unique`
// lists the other unique keys HasUniqueIndexOn reports.
class FakeWriter : public query::CollectionWriter {
 public:
  explicit FakeWriter(FakeReader* reader) : reader_(reader) {}
  std::map<std::string, std::vector<std::set<std::string>>> unique;

  bool HasUniqueIndexOn(const std::string&, const std::string& coll,
                        const std::vector<std::string>& fields) override {
    const std::set<std::string> wanted(fields.begin(), fields.end());
    if (wanted == std::set<std::string>{"_id"}) return true;
    for (const auto& key : unique[coll]) {
      if (key == wanted) return true;
    }
    return false;
  }
  StatusWith<std::optional<Bson>> FindOne(const std::string&, const std::string& coll,
                                          const bson_t* filter) override {
    auto matcher = query::Matcher::Parse(filter);
    if (!matcher.ok()) return matcher.status();
    for (const std::string& d : reader_->collections[coll]) {
      Bson doc = Doc(d);
      if (matcher.value()->Matches(doc.get())) return std::optional<Bson>(std::move(doc));
    }
    return std::optional<Bson>();
  }
  Status Insert(const std::string&, const std::string& coll, const bson_t* doc) override {
    bson_iter_t id;
    if (!bson_iter_init_find(&id, doc, "_id")) return Status(ErrorCodes::BadValue, "no _id");
    if (Find(coll, query::Value::FromIter(&id)) >= 0) {
      Bson extra;
      bson_t pattern, value;
      BSON_APPEND_DOCUMENT_BEGIN(extra.get(), "keyPattern", &pattern);
      BSON_APPEND_INT32(&pattern, "_id", 1);
      bson_append_document_end(extra.get(), &pattern);
      BSON_APPEND_DOCUMENT_BEGIN(extra.get(), "keyValue", &value);
      bson_append_iter(&value, "_id", 3, &id);
      bson_append_document_end(extra.get(), &value);
      return Status(ErrorCodes::DuplicateKey, "E11000 duplicate key", std::move(extra));
    }
    reader_->collections[coll].push_back(Canonical(doc));
    return Status::OK();
  }
  Status Replace(const std::string&, const std::string& coll, const bson_t*,
                 const bson_t* new_doc) override {
    bson_iter_t id;
    bson_iter_init_find(&id, new_doc, "_id");
    const int i = Find(coll, query::Value::FromIter(&id));
    if (i < 0) return Status(ErrorCodes::WriteConflict, "gone");
    reader_->collections[coll][i] = Canonical(new_doc);
    return Status::OK();
  }
  StatusWith<std::string> CreateTempCollection(const std::string&, const std::string&) override {
    const std::string name = "tmp.agg_out." + std::to_string(++temps_);
    reader_->collections[name];
    return name;
  }
  Status RenameOver(const std::string&, const std::string& from, const std::string& to) override {
    reader_->collections[to] = std::move(reader_->collections[from]);
    reader_->collections.erase(from);
    return Status::OK();
  }
  void Drop(const std::string&, const std::string& coll) override {
    reader_->collections.erase(coll);
  }

 private:
  int Find(const std::string& coll, const query::Value& id) {
    auto& docs = reader_->collections[coll];
    for (size_t i = 0; i < docs.size(); ++i) {
      Bson doc = Doc(docs[i]);
      bson_iter_t it;
      if (bson_iter_init_find(&it, doc.get(), "_id") &&
          query::ValuesEqual(query::Value::FromIter(&it), id)) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  FakeReader* reader_;
  int temps_ = 0;
};

struct Options {
  bool allow_disk_use = false;
  uint64_t max_memory = 100 * 1024 * 1024;
  std::string collection = "c";
  // For $out/$merge: collections' other unique keys; null writer if false.
  bool with_writer = true;
  std::map<std::string, std::vector<std::set<std::string>>> unique;
};

// Runs `pipeline` (a shell-notation array) over `input` (collection "c");
// the results as {r: [...]}. `others` holds the other collections, and
// receives what $out/$merge wrote when given.
inline StatusWith<std::string> Run(const std::vector<std::string>& input,
                                   const std::string& pipeline, const Options& options = {},
                                   Collections others = {}, Collections* after = nullptr) {
  auto reader = std::make_shared<FakeReader>();
  reader->collections = std::move(others);
  reader->collections["c"] = input;
  auto ctx = std::make_shared<query::PipelineContext>();
  ctx->db = "test";
  ctx->collection = options.collection;
  ctx->reader = reader;
  if (options.with_writer) {
    auto writer = std::make_shared<FakeWriter>(reader.get());
    writer->unique = options.unique;
    ctx->writer = writer;
  }
  ctx->allow_disk_use = options.allow_disk_use;
  ctx->max_memory_bytes = options.max_memory;
  ctx->variables->Set(query::kNowId, query::Value::Date(1600000000000));
  Bson wrapper = Doc("{p: " + pipeline + "}");
  bson_iter_t it;
  bson_iter_init(&it, wrapper.get());
  bson_iter_next(&it);
  Bson stages = query::DocumentOf(&it);
  auto parsed = query::Pipeline::Parse(stages.get(), ctx);
  if (!parsed.ok()) return parsed.status();
  if (Status s = parsed.value()->Optimize(); !s.ok()) return s;
  auto stream = parsed.value()->Execute(nullptr);
  if (!stream.ok()) return stream.status();
  Bson out;
  bson_t array;
  bson_append_array_begin(out.get(), "r", 1, &array);
  Bson doc;
  for (uint32_t i = 0;; ++i) {
    auto more = stream.value()->Next(&doc);
    if (!more.ok()) {
      if (after) *after = reader->collections;
      return more.status();
    }
    if (!more.value()) break;
    std::string key = std::to_string(i);
    bson_append_document(&array, key.c_str(), -1, doc.get());
  }
  bson_append_array_end(out.get(), &array);
  if (after) *after = reader->collections;
  return Canonical(out.get());
}

struct Row {
  std::vector<std::string> input;
  std::string pipeline;
  std::string expected;  // shell-notation array of documents
};

struct ErrorRow {
  std::vector<std::string> input;
  std::string pipeline;
  int code;
  std::string message;
};

inline void CheckRows(const std::vector<Row>& rows, const Options& options = {},
                      const Collections& others = {}) {
  for (const Row& row : rows) {
    INFO("pipeline " << row.pipeline);
    auto result = Run(row.input, row.pipeline, options, others);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    CHECK(result.value() == Canonical(Doc("{r: " + row.expected + "}").get()));
  }
}

inline void CheckErrors(const std::vector<ErrorRow>& rows, const Options& options = {}) {
  for (const ErrorRow& row : rows) {
    INFO("pipeline " << row.pipeline);
    auto result = Run(row.input, row.pipeline, options);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == row.code);
    CHECK(result.status().reason() == row.message);
  }
}

}  // namespace basalt::test
