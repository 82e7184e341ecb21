#include "base/bson_shell.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "base/bson.h"

using namespace basalt;

namespace {

Bson FromJson(const std::string& json) {
  bson_error_t error;
  bson_t* parsed = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                      static_cast<ssize_t>(json.size()), &error);
  INFO(json << ": " << error.message);
  REQUIRE(parsed);
  Bson out = Bson::Copy(parsed);
  bson_destroy(parsed);
  return out;
}

// ShellString of the canonical extended JSON `json`.
std::string Shell(const std::string& json) { return ShellString(FromJson(json).get()); }

std::string ShellDouble(double x) {
  Bson doc;
  bson_append_double(doc.get(), "a", -1, x);
  return ShellString(doc.get());
}

std::string ShellDecimal(const bson_decimal128_t& dec) {
  Bson doc;
  bson_append_decimal128(doc.get(), "a", -1, &dec);
  bson_iter_t it;
  bson_iter_init_find(&it, doc.get(), "a");
  return ShellValueString(&it);
}

std::string ShellDecimal(const char* text) {
  bson_decimal128_t dec;
  REQUIRE(bson_decimal128_from_string(text, &dec));
  return ShellDecimal(dec);
}

std::string ShellStr(const std::string& value) {
  Bson doc;
  AppendUtf8(doc.get(), "s", value);
  return ShellString(doc.get());
}

std::string ShellBinary(int subtype, const std::string& bytes) {
  Bson doc;
  bson_append_binary(doc.get(), "b", -1, static_cast<bson_subtype_t>(subtype),
                     reinterpret_cast<const uint8_t*>(bytes.data()),
                     static_cast<uint32_t>(bytes.size()));
  return ShellString(doc.get());
}

}  // namespace

TEST_CASE("documents, arrays and field names", "[bson_shell]") {
  CHECK(Shell("{}") == "{}");
  CHECK(Shell(R"({"email": "a@b.c"})") == R"({ email: "a@b.c" })");
  CHECK(Shell(R"({"a": 1, "b.c": "x", "": 2})") == R"({ a: 1, b.c: "x", : 2 })");
  CHECK(Shell(R"({"a": {"b": [1, 2]}, "c": [], "d": {}, "e": [{}, []]})") ==
        "{ a: { b: [ 1, 2 ] }, c: [], d: {}, e: [ {}, [] ] }");
}

TEST_CASE("numbers", "[bson_shell]") {
  CHECK(Shell(R"({"_id": {"$numberInt": "1"}})") == "{ _id: 1 }");
  CHECK(Shell(R"({"_id": {"$numberInt": "-2147483648"}})") == "{ _id: -2147483648 }");
  CHECK(Shell(R"({"_id": {"$numberLong": "1"}})") == "{ _id: 1 }");
  CHECK(Shell(R"({"_id": {"$numberLong": "-9223372036854775808"}})") ==
        "{ _id: -9223372036854775808 }");

  // appendDoubleNice: %.16g, then ".0" unless there is a '.', 'E' or 'N'.
  CHECK(ShellDouble(1.0) == "{ a: 1.0 }");
  CHECK(ShellDouble(1.5) == "{ a: 1.5 }");
  CHECK(ShellDouble(-0.0) == "{ a: -0.0 }");
  CHECK(ShellDouble(0.1) == "{ a: 0.1 }");
  CHECK(ShellDouble(1.0 / 3) == "{ a: 0.3333333333333333 }");
  CHECK(ShellDouble(1e15) == "{ a: 1000000000000000.0 }");
  CHECK(ShellDouble(1e16) == "{ a: 1e+16.0 }");
  CHECK(ShellDouble(1.5e300) == "{ a: 1.5e+300 }");
  CHECK(ShellDouble(1e-7) == "{ a: 1e-07.0 }");
  CHECK(ShellDouble(9007199254740993.0) == "{ a: 9007199254740992.0 }");
  CHECK(ShellDouble(std::numeric_limits<double>::infinity()) == "{ a: inf.0 }");
  CHECK(ShellDouble(-std::numeric_limits<double>::infinity()) == "{ a: -inf.0 }");
  CHECK(ShellDouble(std::numeric_limits<double>::quiet_NaN()) == "{ a: nan.0 }");
  CHECK(ShellDouble(-std::numeric_limits<double>::quiet_NaN()) == "{ a: -nan.0 }");

  // Decimal128::toString: scientific when the exponent is positive or the
  // adjusted exponent below -6, else plain with the stored trailing zeros.
  CHECK(ShellDecimal("1") == "1");
  CHECK(ShellDecimal("1.00") == "1.00");
  CHECK(ShellDecimal("-0") == "-0");
  CHECK(ShellDecimal("0.000") == "0.000");
  CHECK(ShellDecimal("0E+3") == "0E+3");
  CHECK(ShellDecimal("0.001") == "0.001");
  CHECK(ShellDecimal("0.000001") == "0.000001");
  CHECK(ShellDecimal("0.0000001") == "1E-7");
  CHECK(ShellDecimal("123.45E-10") == "1.2345E-8");
  CHECK(ShellDecimal("1.5E+3") == "1.5E+3");
  CHECK(ShellDecimal("1500") == "1500");
  CHECK(ShellDecimal("-12.345") == "-12.345");
  CHECK(ShellDecimal("1E+6144") == "1.000000000000000000000000000000000E+6144");
  CHECK(ShellDecimal("1E-6176") == "1E-6176");
  CHECK(ShellDecimal("NaN") == "NaN");
  CHECK(ShellDecimal("-NaN") == "NaN");
  CHECK(ShellDecimal("Infinity") == "Infinity");
  CHECK(ShellDecimal("-Infinity") == "-Infinity");
  CHECK(ShellDecimal(bson_decimal128_t{0x378D8E6400000000, 0x3041ED09BEAD87C0}) == "0");
}

TEST_CASE("decimal formatting agrees with libbson's for canonical values", "[bson_shell]") {
  // libbson follows the same decimal128 string spec; the two only differ on
  // non-canonical coefficients, which the generator below cannot produce.
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string text = rng() % 2 ? "-" : "";
    for (int n = static_cast<int>(rng() % 34); n >= 0; --n)
      text += static_cast<char>('0' + rng() % 10);
    text += "E" + std::to_string(static_cast<int>(rng() % 12288) - 6176);
    bson_decimal128_t dec;
    if (!bson_decimal128_from_string(text.c_str(), &dec)) continue;
    char expected[BSON_DECIMAL128_STRING];
    bson_decimal128_to_string(&dec, expected);
    INFO(text);
    REQUIRE(ShellDecimal(dec) == expected);
  }
}

TEST_CASE("strings print quoted and unescaped, cut after 150 bytes past 159", "[bson_shell]") {
  CHECK(ShellStr(std::string("a\"b'c\\d")) == "{ s: \"a\"b'c\\d\" }");
  CHECK(ShellStr(std::string("\xc3\xa9\n")) == "{ s: \"\xc3\xa9\n\" }");
  CHECK(ShellStr(std::string("a\0b", 3)) == std::string("{ s: \"a\0b\" }", 12));
  CHECK(ShellStr(std::string(159, 'x')) == "{ s: \"" + std::string(159, 'x') + "\" }");
  CHECK(ShellStr(std::string(160, 'x')) == "{ s: \"" + std::string(150, 'x') + "...\" }");
  CHECK(Shell(R"({"s": {"$symbol": "sym"}})") == R"({ s: "sym" })");
}

TEST_CASE("every other type", "[bson_shell]") {
  CHECK(Shell(R"({"_id": {"$oid": "0123456789abcdef01234567"}})") ==
        "{ _id: ObjectId('0123456789abcdef01234567') }");
  CHECK(Shell(R"({"a": true, "b": false, "c": null, "d": {"$undefined": true}})") ==
        "{ a: true, b: false, c: null, d: undefined }");
  CHECK(Shell(R"({"a": {"$minKey": 1}, "b": {"$maxKey": 1}})") == "{ a: MinKey, b: MaxKey }");
  CHECK(Shell(R"({"d": {"$date": {"$numberLong": "1700000000000"}}})") ==
        "{ d: new Date(1700000000000) }");
  CHECK(Shell(R"({"d": {"$date": {"$numberLong": "-1"}}})") == "{ d: new Date(-1) }");
  CHECK(Shell(R"({"t": {"$timestamp": {"t": 1700000000, "i": 5}}})") ==
        "{ t: Timestamp(1700000000, 5) }");
  CHECK(Shell(R"({"t": {"$timestamp": {"t": 4294967295, "i": 4294967295}}})") ==
        "{ t: Timestamp(4294967295, 4294967295) }");
  CHECK(Shell(R"({"r": {"$regularExpression": {"pattern": "^a.*\"", "options": "i"}}})") ==
        "{ r: /^a.*\"/i }");
  CHECK(Shell(R"({"c": {"$code": "function () { return 1; }"}})") ==
        "{ c: function () { return 1; } }");
  CHECK(Shell(R"({"c": {"$code": ")" + std::string(80, 'x') + R"("}})") ==
        "{ c: " + std::string(70, 'x') + "... }");
  CHECK(Shell(R"({"c": {"$code": ")" + std::string(79, 'x') + R"("}})") ==
        "{ c: " + std::string(79, 'x') + " }");
  CHECK(Shell(R"js({"c": {"$code": "f()", "$scope": {"x": 1}}})js") ==
        "{ c: CodeWScope( f(), { x: 1 }) }");
  CHECK(Shell(R"js({"c": {"$code": "f()", "$scope": {}}})js") == "{ c: CodeWScope( f(), {}) }");
  CHECK(
      Shell(
          R"({"p": {"$dbPointer": {"$ref": "db.c", "$id": {"$oid": "0123456789abcdef01234567"}}}})") ==
      "{ p: DBRef('db.c',0123456789abcdef01234567) }");
}

TEST_CASE("binData", "[bson_shell]") {
  CHECK(ShellBinary(0, "") == "{ b: BinData(0, ) }");
  CHECK(ShellBinary(0, "\x01\xab") == "{ b: BinData(0, 01AB) }");
  CHECK(ShellBinary(0x80, "\xff") == "{ b: BinData(128, FF) }");
  CHECK(ShellBinary(2, "\x01\x02") == "{ b: BinData(2, 0102) }");  // without the inner length
  const std::string uuid("\x12\x34\x56\x78\x9a\xbc\xde\xf0\x12\x34\x56\x78\x9a\xbc\xde\xf0", 16);
  CHECK(ShellBinary(4, uuid) == R"({ b: UUID("12345678-9abc-def0-1234-56789abcdef0") })");
  CHECK(ShellBinary(3, uuid) == "{ b: BinData(3, 123456789ABCDEF0123456789ABCDEF0) }");
  CHECK(ShellBinary(4, "\x01") == "{ b: BinData(4, 01) }");
  std::string hex80;
  for (int i = 0; i < 80; ++i) hex80 += "0F";
  CHECK(ShellBinary(0, std::string(80, '\x0f')) == "{ b: BinData(0, " + hex80 + ") }");
  CHECK(ShellBinary(0, std::string(81, '\xee')) ==
        "{ b: BinData(0, " + std::string(140, 'E') + "...) }");
}

TEST_CASE("nesting deeper than 100 prints ...", "[bson_shell]") {
  Bson doc;
  bson_append_int32(doc.get(), "a", -1, 1);
  for (int i = 0; i < 102; ++i) {  // wrap: { a: <doc> }
    Bson outer;
    bson_append_document(outer.get(), "a", -1, doc.get());
    doc = std::move(outer);
  }
  // Elements at depth 0..100 print; the element at depth 101 prints "..."
  // (without its name) inside its object's braces.
  std::string expected = "{ ... }";
  for (int i = 0; i < 101; ++i) expected = "{ a: " + expected + " }";
  CHECK(ShellString(doc.get()) == expected);
}

TEST_CASE("ShellValueString prints one value", "[bson_shell]") {
  Bson doc = FromJson(R"({"a": [1, {"b": "x"}], "n": {"$numberDouble": "2"}})");
  bson_iter_t it;
  REQUIRE(bson_iter_init_find(&it, doc.get(), "a"));
  CHECK(ShellValueString(&it) == R"([ 1, { b: "x" } ])");
  REQUIRE(bson_iter_init_find(&it, doc.get(), "n"));
  CHECK(ShellValueString(&it) == "2.0");
}

TEST_CASE("dup key strings: invalid UTF-8 at top level prints as hex", "[bson_shell]") {
  Bson key;
  AppendUtf8(key.get(), "email", "a@b.c");
  AppendUtf8(key.get(), "bad", std::string_view("a\xff", 2));
  AppendUtf8(key.get(), "overlong", std::string_view("\xc0\x80", 2));
  AppendUtf8(key.get(), "cut", std::string_view("\xc3", 1));
  AppendUtf8(key.get(), "ok", "\xc3\xa9\xf0\x9f\x98\x80");
  bson_append_symbol(key.get(), "sym", -1, "\xff", 1);
  bson_t child;
  bson_append_document_begin(key.get(), "nested", -1, &child);
  bson_append_utf8(&child, "x", -1, "\xff", 1);
  bson_append_document_end(key.get(), &child);
  bson_append_int32(key.get(), "n", -1, 1);
  CHECK(DupKeyShellString(key.get()) ==
        "{ email: \"a@b.c\", bad: \"0x61ff\", overlong: \"0xc080\", cut: \"0xc3\", ok: "
        "\"\xc3\xa9\xf0\x9f\x98\x80\", sym: \"\xff\", nested: { x: \"\xff\" }, n: 1 }");
  // With a collation every top-level string is a collation key, printed in hex.
  Bson collated;
  AppendUtf8(collated.get(), "name", "ab");
  bson_append_int32(collated.get(), "n", -1, 1);
  CHECK(DupKeyShellString(collated.get(), true) == R"({ name: "0x6162", n: 1 })");
  Bson empty;
  CHECK(DupKeyShellString(empty.get()) == "{}");
}
