// Shared by the catalog command tests: an in-memory engine behind the real
// registry and dispatcher, and replies printed with their number types kept
// apart, so tests can assert exact reply documents.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <regex>
#include <string>

#include "commands/command.h"
#include "commands/dispatcher.h"
#include "storage/engine.h"

namespace basalt::commands::testing {

// Relaxed extended JSON with the number types kept apart: int32 `1`, int64
// `1L`, double `1.0`; UUIDs (which vary) print as `UUID`.
inline std::string Typed(const bson_t* doc) {
  char* raw = bson_as_canonical_extended_json(doc, nullptr);
  std::string s(raw);
  bson_free(raw);
  s = std::regex_replace(s, std::regex(R"re(\{ "\$numberInt" : "(-?\d+)" \})re"), "$1");
  s = std::regex_replace(s, std::regex(R"re(\{ "\$numberLong" : "(-?\d+)" \})re"), "$1L");
  s = std::regex_replace(s, std::regex(R"re(\{ "\$numberDouble" : "([^"]+)" \})re"), "$1");
  s = std::regex_replace(
      s, std::regex(R"re(\{ "\$binary" : \{ "base64" : "[^"]*", "subType" : "04" \} \})re"),
      "UUID");
  return s;
}

// mongod's error reply, as Typed prints it.
inline std::string Error(int code, const char* name, const std::string& message) {
  return R"({ "ok" : 0.0, "errmsg" : ")" + message + R"(", "code" : )" + std::to_string(code) +
         R"(, "codeName" : ")" + name + R"(" })";
}

struct Catalog {
  Catalog() {
    storage::EngineOptions options;
    options.kind = storage::EngineOptions::Kind::kInMemory;
    auto opened = storage::Engine::Open(std::move(options));
    REQUIRE(opened.ok());
    engine = std::move(opened.value());
    service.engine = engine.get();
    RegisterAllCommands(&registry);
  }
  ~Catalog() { engine->Close(); }

  Bson RunBson(const bson_t* body) {
    CommandInvocation invocation;
    Status parsed = ParseInvocation(body, &invocation);
    return parsed.ok() ? Dispatcher(registry).Run(op, invocation) : ErrorReply(parsed);
  }
  Bson RunBson(const char* json) {
    bson_error_t error;
    bson_t* body = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
    REQUIRE(body);
    Bson reply = RunBson(body);
    bson_destroy(body);
    return reply;
  }
  // The reply to `json`, typed (see Typed).
  std::string Run(const char* json) { return Typed(RunBson(json).get()); }
  std::string Run(bson_t* body) {  // takes ownership
    Bson reply = RunBson(body);
    bson_destroy(body);
    return Typed(reply.get());
  }

  // Inserts `json` into db.coll (test.coll); returns its BSON size.
  int64_t Insert(const char* db, const char* coll, const char* json) {
    bson_error_t error;
    bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
    REQUIRE(doc);
    auto collection = engine->GetOrCreateCollection(db, coll, false);
    REQUIRE(collection.ok());
    REQUIRE(collection.value()->Insert(doc, false).ok());
    int64_t size = doc->len;
    bson_destroy(doc);
    return size;
  }
  int64_t Insert(const char* coll, const char* json) { return Insert("test", coll, json); }

  // The names of test.coll's indexes, each followed by a space.
  std::string IndexNames(const char* coll) {
    std::string out;
    if (auto collection = engine->GetCollection("test", coll)) {
      for (const auto& spec : collection->ListIndexes()) out += spec->name() + " ";
    }
    return out;
  }

  std::unique_ptr<storage::Engine> engine;
  ServiceContext service;
  ConnectionState connection;
  OperationContext op{service, connection};
  CommandRegistry registry;
};

}  // namespace basalt::commands::testing
