// The elemMatchKey reported for the positional operator, mongod's debug
// strings of parsed trees, ownership of the filter and concurrent matching.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/query/matcher_test_util.h"

using namespace basalt::query::testing;
using basalt::Bson;
using basalt::query::MatchDetails;
using basalt::query::Matcher;

namespace {

// The elemMatchKey after matching, or nullopt; the document must match.
std::optional<std::string> ElemMatchKey(const std::string& filter_json,
                                        const std::string& doc_json) {
  Bson filter = Doc(filter_json);
  auto matcher = Matcher::Parse(filter.get());
  REQUIRE(matcher.ok());
  Bson doc = Doc(doc_json);
  MatchDetails details;
  details.RequestElemMatchKey();
  REQUIRE(matcher.value()->Matches(doc.get(), &details));
  if (!details.has_elem_match_key()) return std::nullopt;
  return details.elem_match_key();
}

std::string DebugString(const std::string& filter_json) {
  Bson filter = Doc(filter_json);
  auto matcher = Matcher::Parse(filter.get());
  REQUIRE(matcher.ok());
  return matcher.value()->DebugString();
}

}  // namespace

TEST_CASE("elemMatchKey: the index of the array element that matched", "[matcher]") {
  using K = std::optional<std::string>;
  CHECK(ElemMatchKey(R"({"a": 5})", R"({"a": [1, 5]})") == K("1"));
  CHECK(ElemMatchKey(R"({"a": 5})", R"({"a": 5})") == K());
  CHECK(ElemMatchKey(R"({"a": [1, 2]})", R"({"a": [1, 2]})") == K());
  CHECK(ElemMatchKey(R"({"a": [1, 2]})", R"({"a": [0, [1, 2]]})") == K("1"));
  // The outermost array traversed implicitly wins.
  CHECK(ElemMatchKey(R"({"a.b": 5})", R"({"a": [{"b": 1}, {"b": [2, 5]}]})") == K("1"));
  // A position in the path is not an implicit traversal.
  CHECK(ElemMatchKey(R"({"a.0": 5})", R"({"a": [5]})") == K());
  CHECK(ElemMatchKey(R"({"a.0.b": 5})", R"({"a": [{"b": [4, 5]}]})") == K("1"));
  CHECK(ElemMatchKey(R"({"a": {"$elemMatch": {"b": 1}}})", R"({"a": [{"b": 0}, {"b": 1}]})") ==
        K("1"));
  CHECK(ElemMatchKey(R"({"a": {"$elemMatch": {"$gt": 2}}})", R"({"a": [1, 2, 3]})") == K("2"));
  CHECK(ElemMatchKey(R"({"a.b": {"$elemMatch": {"$gt": 1}}})",
                     R"({"a": [{"b": [0]}, {"b": [0, 2]}]})") == K("1"));
  CHECK(ElemMatchKey(R"({"a": {"$in": [7, 8]}})", R"({"a": [1, 8]})") == K("1"));
  CHECK(ElemMatchKey(R"({"a": {"$size": 1}})", R"({"a": [[1]]})") == K());
  // $or and $nor report none; in an $and the last predicate to match sets it.
  CHECK(ElemMatchKey(R"({"$or": [{"a": 5}]})", R"({"a": [5]})") == K());
  CHECK(ElemMatchKey(R"({"a": 1, "b": 2})", R"({"a": [0, 1], "b": [2]})") == K("0"));

  // Nothing is recorded unless requested.
  Bson filter = Doc(R"({"a": 5})");
  Bson doc = Doc(R"({"a": [1, 5]})");
  auto matcher = Matcher::Parse(filter.get());
  MatchDetails details;
  REQUIRE(matcher.value()->Matches(doc.get(), &details));
  CHECK_FALSE(details.has_elem_match_key());
}

TEST_CASE("debug strings are mongod's", "[matcher]") {
  CHECK(DebugString(R"({"a": {"$ne": 1}})") == "$not\n    a $eq 1\n");
  CHECK(DebugString(R"({"a": {"$not": {"$gt": 1}}})") == "$not\n    $and\n        a $gt 1\n");
  CHECK(DebugString(R"({"$nor": [{"a": 1}]})") == "$nor\n    a $eq 1\n");
  CHECK(DebugString(R"({"a": {"$exists": false}})") == "$not\n    a exists\n");
  CHECK(DebugString(R"({"a": )" + Re("x", "i") + "}") == "a regex /x/i\n");
  CHECK(DebugString(R"({"a": {"$mod": [2, 0]}})") == "a mod 2 % x == 0\n");
  CHECK(DebugString(R"({"a": {"$size": 2}})") == "a $size : 2\n");
  CHECK(DebugString(R"({"a": {"$elemMatch": {"$gt": 1}}})") ==
        "a $elemMatch (value)\n     $gt 1\n");
  CHECK(DebugString(R"({"a": {"$elemMatch": {"b": "x"}}})") ==
        "a $elemMatch (obj)\n    b $eq \"x\"\n");
  CHECK(DebugString(R"({"a": {"$bitsAllSet": 5}})") == "a $bitsAllSet: [0, 2]");
  CHECK(DebugString(R"({"a": 1, "b": {"$nin": [2, 1, 2]}})") ==
        "$and\n    a $eq 1\n    $not\n        b $in [ 1 2 ]\n");
  CHECK(DebugString(R"({"a": {"$all": []}})") == "$alwaysFalse\n");
  CHECK(DebugString(R"({"a": {"%type": ["string", "number"]}})") ==
        "a $type: { 0: \"number\", 1: 2 }\n");
}

TEST_CASE("the matcher keeps its own copy of the filter", "[matcher]") {
  std::unique_ptr<Matcher> matcher;
  {
    Bson filter = Doc(R"({"a": {"$in": [1, 2, )" + Re("^x") + R"(]}, "b": "long string value"})");
    auto parsed = Matcher::Parse(filter.get());
    REQUIRE(parsed.ok());
    matcher = std::move(parsed.value());
  }
  Bson yes = Doc(R"({"a": "xy", "b": "long string value"})");
  Bson no = Doc(R"({"a": 3, "b": "long string value"})");
  CHECK(matcher->Matches(yes.get()));
  CHECK_FALSE(matcher->Matches(no.get()));
  CHECK(basalt::ToJson(matcher->filter()).find("long string value") != std::string::npos);
}

TEST_CASE("one matcher matches on many threads at once", "[matcher]") {
  Bson filter = Doc(R"({"$or": [{"tags": {"$elemMatch": {"%regex": "^t[0-4]$"}}},
                                {"n": {"$mod": [7, 3]}}], "n": {"$gte": 0}})");
  auto parsed = Matcher::Parse(filter.get());
  REQUIRE(parsed.ok());
  const Matcher& matcher = *parsed.value();

  std::vector<Bson> docs;
  for (int i = 0; i < 500; ++i) {
    docs.push_back(Doc(R"({"n": )" + std::to_string(i) + R"(, "tags": ["x", "t)" +
                       std::to_string(i % 10) + R"("]})"));
  }
  std::vector<bool> expected;
  for (const Bson& d : docs) expected.push_back(matcher.Matches(d.get()));
  // Sanity: the filter is neither everything nor nothing.
  CHECK(std::count(expected.begin(), expected.end(), true) > 100);
  CHECK(std::count(expected.begin(), expected.end(), false) > 100);

  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < docs.size(); ++i) {
          if (matcher.Matches(docs[i].get()) != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}
