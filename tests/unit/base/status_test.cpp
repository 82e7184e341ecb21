#include "base/status.h"

#include <catch2/catch.hpp>

using namespace basalt;

TEST_CASE("codeName comes from the error table, else Location<code>") {
  CHECK(ErrorCodes::Name(ErrorCodes::DuplicateKey) == "DuplicateKey");
  CHECK(ErrorCodes::Name(59) == "CommandNotFound");
  CHECK(ErrorCodes::Name(40571) == "Location40571");
}

TEST_CASE("Status carries code, reason and extra info") {
  Status ok;
  CHECK(ok.ok());
  CHECK(ok.code() == 0);
  CHECK(ok.extraInfo() == nullptr);

  Bson extra;
  BSON_APPEND_INT32(extra.get(), "x", 1);
  Status dup(ErrorCodes::DuplicateKey, "E11000 ...", std::move(extra));
  CHECK_FALSE(dup.ok());
  CHECK(dup.codeName() == "DuplicateKey");
  CHECK(dup.reason() == "E11000 ...");
  REQUIRE(dup.extraInfo() != nullptr);
  CHECK(ToJson(dup.extraInfo()) == R"({ "x" : 1 })");

  Status copy = dup;  // copies share the immutable representation
  CHECK(copy.reason() == dup.reason());
}

TEST_CASE("Bson moves keep inline and heap documents valid") {
  Bson small;
  BSON_APPEND_INT32(small.get(), "a", 1);
  Bson big;
  std::string filler(4000, 'x');
  BSON_APPEND_UTF8(big.get(), "s", filler.c_str());

  Bson moved_small(std::move(small));
  Bson moved_big(std::move(big));
  CHECK(moved_small.ToJson() == R"({ "a" : 1 })");
  CHECK(moved_big.size() > 4000);
  BSON_APPEND_INT32(moved_big.get(), "after", 2);  // still appendable after the move
  bson_iter_t it;
  CHECK(bson_iter_init_find(&it, moved_big.get(), "after"));
  CHECK(small.empty());

  moved_small = std::move(moved_big);
  CHECK(moved_small.size() > 4000);
}

TEST_CASE("StatusWith holds a value or an error") {
  StatusWith<int> good(5);
  CHECK(good.ok());
  CHECK(good.value() == 5);
  StatusWith<int> bad(Status(ErrorCodes::BadValue, "no"));
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == 2);
}
