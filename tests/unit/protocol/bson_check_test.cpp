// The wire-side BSON validator: mongod's checks and messages, including the
// element path and _id context.
#include "protocol/bson_check.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "protocol/message.h"

namespace basalt::protocol {
namespace {

Bson Doc(const char* json) {
  bson_error_t error;
  bson_t* parsed = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
  REQUIRE(parsed != nullptr);
  Bson out = Bson::Copy(parsed);
  bson_destroy(parsed);
  return out;
}

std::vector<uint8_t> BytesOf(const Bson& doc) { return {doc.data(), doc.data() + doc.size()}; }

Status Validate(const std::vector<uint8_t>& bytes) {
  return ValidateBson(bytes.data(), bytes.size());
}

TEST_CASE("valid documents pass, with their exact size", "[protocol][bson]") {
  Bson doc = Doc(R"({"_id": {"$oid": "0123456789abcdef01234567"}, "a": [1, 2.5, "x"],
                    "b": {"c": null, "d": {"$numberLong": "5"}}, "t": true,
                    "r": {"$regularExpression": {"pattern": "^a", "options": "i"}},
                    "bin": {"$binary": {"base64": "AAEC", "subType": "00"}},
                    "dec": {"$numberDecimal": "1.5"}, "min": {"$minKey": 1}})");
  std::vector<uint8_t> bytes = BytesOf(doc);
  bytes.push_back(0xAB);  // Trailing bytes after the document are not its business.
  auto size = ReadDocument(bytes.data(), bytes.size());
  REQUIRE(size.ok());
  CHECK(size.value() == doc.size());
}

TEST_CASE("structural errors carry mongod's messages and context", "[protocol][bson]") {
  SECTION("unknown type byte names the element") {
    auto bytes = BytesOf(Doc(R"({"_id": "k", "x": 1})"));
    bytes[4 + 1 + 4 + 4 + 2] = 0x20;  // The type byte of "x".
    Status s = Validate(bytes);
    CHECK(s.code() == ErrorCodes::InvalidBSON);
    CHECK(s.reason() ==
          "Unrecognized BSON type 32 in element with field name 'x' in object with "
          "_id: \\\"k\\\"");
  }
  SECTION("string without its NUL") {
    auto bytes = BytesOf(Doc(R"({"s": "abc"})"));
    bytes[bytes.size() - 2] = 'd';  // The string's NUL.
    CHECK(Validate(bytes).reason() ==
          "Not null terminated string in element with field name 's' in object with unknown _id");
  }
  SECTION("string length past the end") {
    auto bytes = BytesOf(Doc(R"({"s": "abc"})"));
    StoreInt32(bytes.data() + 7, 1000);
    CHECK(Validate(bytes).reason() ==
          "BSON size is larger than buffer size in element with field name 's' in object with "
          "unknown _id");
  }
  SECTION("nested object with a wrong length") {
    auto bytes = BytesOf(Doc(R"({"o": {"p": 1}})"));
    StoreInt32(bytes.data() + 7, 13);  // Real length 12.
    CHECK(Validate(bytes).reason() ==
          "incorrect BSON length in element with field name 'o.p' in object with unknown _id");
  }
  SECTION("nested object shorter than 5 bytes") {
    auto bytes = BytesOf(Doc(R"({"o": {"p": 1}})"));
    StoreInt32(bytes.data() + 7, 4);
    CHECK(Validate(bytes).reason() ==
          "Nested BSON object has to be at least 5 bytes in element with field name '.o' in "
          "object with unknown _id");
  }
  SECTION("array element and the _id printed as ObjectId") {
    auto bytes = BytesOf(Doc(R"({"_id": {"$oid": "0123456789abcdef01234567"}, "a": [true]})"));
    bytes[bytes.size() - 3] = 7;  // The bool inside the array.
    CHECK(Validate(bytes).reason() ==
          "BSON bool is neither false nor true in element with field name 'a.0' in object with "
          "_id: ObjectId('0123456789abcdef01234567')");
  }
  SECTION("quotes in names are escaped like mongod's str::escape") {
    auto bytes = BytesOf(Doc(R"({"q\"t": true})"));
    bytes[bytes.size() - 2] = 3;
    CHECK(Validate(bytes).reason() ==
          "BSON bool is neither false nor true in element with field "
          "name 'q\\\"t' in object with unknown _id");
  }
  SECTION("the top-level length") {
    std::vector<uint8_t> four = {4, 0, 0, 0};
    CHECK(Validate(four).reason() ==
          "BSON data has to be at least 5 bytes in element with field name '?' in object with "
          "unknown _id");
    std::vector<uint8_t> negative = {0xFF, 0xFF, 0xFF, 0xFF, 0};
    CHECK(Validate(negative).reason().rfind("BSON data has to be at least 5 bytes", 0) == 0);
  }
}

TEST_CASE("code with scope is validated like mongod's precise mode", "[protocol][bson]") {
  Bson scope = Doc(R"({"v": 1})");
  Bson doc;
  bson_append_code_with_scope(doc.get(), "f", 1, "x", scope.get());
  REQUIRE(ReadDocument(doc.data(), doc.size()).ok());
  auto bytes = BytesOf(doc);
  StoreInt32(bytes.data() + 7, LoadInt32(bytes.data() + 7) + 1);  // Total size off by one.
  Status s = Validate(bytes);
  CHECK(s.code() == ErrorCodes::InvalidBSON);
  CHECK(s.reason().rfind("incorrect BSON length", 0) == 0);
}

TEST_CASE("message escaping follows mongod's str::escape", "[protocol][bson]") {
}

}  // namespace
}  // namespace basalt::protocol
