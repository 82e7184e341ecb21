// Helpers for the update engine's table-driven tests: documents in shell
// notation ({a: 1, "b.c": [2]}; keys spelled with '%' become '$' for the
// operators libbson's JSON reader would take as extended JSON, e.g. "%type"),
// rows of (document, update, expected document, modified) and (document,
// update, code, message), compared as canonical extended JSON so that int32,
// int64, double and decimal stay apart.
#pragma once

#include <bson/bson.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "base/bson.h"
#include "query/matcher.h"
#include "query/update.h"
#include "tests/unit/query/matcher_test_util.h"
#include "tests/unit/query/query_test_util.h"

namespace basalt::update_test {

// The fixed clock of the tests: 2023-11-14T22:13:20Z, and timestamps
// Timestamp(1700000000, 1), (…, 2), … in the order they are taken.
constexpr int64_t kNowMillis = 1700000000000;

inline query::ApplyContext TestContext(bool is_insert = false) {
  query::ApplyContext ctx;
  ctx.is_insert = is_insert;
  ctx.now_millis = kNowMillis;
  auto counter = std::make_shared<uint32_t>(0);
  ctx.next_timestamp = [counter](uint32_t* seconds, uint32_t* increment) {
    *seconds = 1700000000;
    *increment = ++*counter;
  };
  return ctx;
}

inline Bson Doc(const std::string& shell) { return query::testing::Doc(test::ShellToJson(shell)); }

inline std::string Canonical(const bson_t* doc) {
  char* json = bson_as_canonical_extended_json(doc, nullptr);
  std::string out(json);
  bson_free(json);
  return out;
}

inline std::string Canonical(const std::string& shell) {
  Bson doc = Doc(shell);
  return Canonical(doc.get());
}

struct Applied {
  Status status;
  Bson doc;
  bool modified = false;
};

// Parses `update` with `filters`, matches `query` (when given) for the
// positional operator, and applies the update to `doc`.
inline Applied Run(const std::string& doc, const std::string& update,
                   const std::vector<std::string>& filters = {}, const std::string& query = "",
                   bool multi = false) {
  Applied out;
  Bson input = Doc(doc);
  Bson spec = Doc(update);
  std::vector<Bson> filter_docs;
  query::UpdateOptions options;
  options.multi = multi;
  for (const auto& f : filters) filter_docs.push_back(Doc(f));
  for (const auto& f : filter_docs) options.array_filters.push_back(f.get());
  auto driver = query::UpdateDriver::Parse(spec.get(), options);
  if (!driver.ok()) {
    out.status = driver.status();
    return out;
  }
  query::MatchDetails details;
  const query::MatchDetails* match = nullptr;
  if (!query.empty()) {
    Bson filter = Doc(query);
    auto matcher = query::Matcher::Parse(filter.get());
    REQUIRE(matcher.ok());
    details.RequestElemMatchKey();
    REQUIRE(matcher.value()->Matches(input.get(), &details));
    match = &details;
  }
  auto result = driver.value()->Apply(input.get(), match, TestContext());
  if (!result.ok()) {
    out.status = result.status();
    return out;
  }
  out.doc = std::move(result.value().doc);
  out.modified = result.value().modified;
  return out;
}

struct Case {
  std::string doc;
  std::string update;
  std::string expected;
  bool modified = true;
  std::vector<std::string> filters = {};
  std::string query = "";
};

inline void CheckCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO("document " << c.doc << "\nupdate " << c.update << "\nquery " << c.query);
    Applied applied = Run(c.doc, c.update, c.filters, c.query);
    INFO(applied.status.ToString());
    REQUIRE(applied.status.ok());
    CHECK(Canonical(applied.doc.get()) == Canonical(c.expected));
    CHECK(applied.modified == c.modified);
  }
}

struct ErrorCase {
  std::string doc;
  std::string update;
  int code;
  std::string message;
  std::vector<std::string> filters = {};
  std::string query = "";
};

inline void CheckErrors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    INFO("document " << c.doc << "\nupdate " << c.update);
    Applied applied = Run(c.doc, c.update, c.filters, c.query);
    INFO("result " << (applied.status.ok() ? Canonical(applied.doc.get()) : ""));
    REQUIRE_FALSE(applied.status.ok());
    CHECK(applied.status.code() == c.code);
    CHECK(applied.status.reason() == c.message);
  }
}

}  // namespace basalt::update_test
