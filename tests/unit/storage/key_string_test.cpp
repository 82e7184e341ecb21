#include "storage/key_string.h"

#include <catch2/catch.hpp>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "base/bson.h"

// Counts heap allocations, to check that encoding common values allocates
// nothing. The replacement is per program and only counts. (Not inlined, so
// that GCC does not pair the malloc and free below with new and delete.)
// ThreadSanitizer's runtime defines operator new itself, so under it nothing
// is counted and the allocation check is skipped.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BASALT_NO_ALLOCATION_COUNT
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define BASALT_NO_ALLOCATION_COUNT
#endif
namespace {
thread_local long g_allocations = 0;
}
#ifndef BASALT_NO_ALLOCATION_COUNT
[[gnu::noinline]] void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(n ? n : 1);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using namespace basalt;
using namespace basalt::storage;

namespace {

// One BSON value, held as the only element ("v") of a document.
class Value {
 public:
  Value() = default;
  Value(const Value& other) : doc_(Bson::Copy(other.doc_.get())) {}
  Value(Value&&) = default;
  Value& operator=(Value&&) = default;

  bson_t* doc() { return doc_.get(); }
  bson_iter_t Iter() const {
    bson_iter_t it;
    bson_iter_init(&it, doc_.get());
    bson_iter_next(&it);
    return it;
  }
  std::string Encode(bool descending = false) const {
    std::string out;
    bson_iter_t it = Iter();
    AppendKeyValue(&out, &it, descending);
    return out;
  }
  std::string Json() const { return ToJson(doc_.get()); }

 private:
  Bson doc_;
};

int Sign(int x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }

int Compare(const Value& a, const Value& b) {
  bson_iter_t ia = a.Iter(), ib = b.Iter();
  return Sign(CompareBsonValues(&ia, &ib));
}

std::string Hex(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += std::string{kHex[c >> 4], kHex[c & 15]};
  return out;
}

// An element with verbatim value bytes (regex flags unsorted, code with NULs).
void AppendRaw(bson_t* out, const char* key, bson_type_t type, const std::string& value) {
  std::string doc(4, '\0');
  doc += static_cast<char>(type);
  doc += key;
  doc += '\0';
  doc += value;
  doc += '\0';
  const uint32_t len = static_cast<uint32_t>(doc.size());
  std::memcpy(doc.data(), &len, 4);
  bson_t tmp;
  bson_init_static(&tmp, reinterpret_cast<const uint8_t*>(doc.data()), doc.size());
  bson_concat(out, &tmp);
}

template <typename F>
Value Make(F append) {
  Value v;
  append(v.doc());
  return v;
}
// A number from "<type>:<text>": i int32, l int64, d double (strtod, so
// "inf", "-nan", "0x1p-1074"), m decimal128.
Value N(const std::string& spec) {
  const char* text = spec.c_str() + 2;
  return Make([&](bson_t* d) {
    switch (spec[0]) {
      case 'i':
        bson_append_int32(d, "v", 1, static_cast<int32_t>(std::strtoll(text, nullptr, 10)));
        break;
      case 'l':
        bson_append_int64(d, "v", 1, std::strtoll(text, nullptr, 10));
        break;
      case 'd':
        bson_append_double(d, "v", 1, std::strtod(text, nullptr));
        break;
      default: {
        bson_decimal128_t dec;
        REQUIRE(bson_decimal128_from_string(text, &dec));
        bson_append_decimal128(d, "v", 1, &dec);
      }
    }
  });
}
Value DecimalBits(uint64_t high, uint64_t low) {
  const bson_decimal128_t dec = {low, high};
  return Make([&](bson_t* d) { bson_append_decimal128(d, "v", 1, &dec); });
}
Value String(const std::string& s) {
  return Make(
      [&](bson_t* d) { bson_append_utf8(d, "v", 1, s.data(), static_cast<int>(s.size())); });
}
Value Symbol(const std::string& s) {
  return Make(
      [&](bson_t* d) { bson_append_symbol(d, "v", 1, s.data(), static_cast<int>(s.size())); });
}
Value Json(const char* json) {  // canonical extended JSON of {"v": ...}
  Value v;
  bson_error_t error;
  bson_t* parsed = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
  INFO(json << ": " << error.message);
  REQUIRE(parsed);
  bson_concat(v.doc(), parsed);
  bson_destroy(parsed);
  return v;
}
Value Binary(uint8_t subtype, const std::string& bytes) {
  return Make([&](bson_t* d) {
    bson_append_binary(d, "v", 1, static_cast<bson_subtype_t>(subtype),
                       reinterpret_cast<const uint8_t*>(bytes.data()),
                       static_cast<uint32_t>(bytes.size()));
  });
}
Value Regex(const std::string& pattern, const std::string& flags) {
  return Make(
      [&](bson_t* d) { AppendRaw(d, "v", BSON_TYPE_REGEX, pattern + '\0' + flags + '\0'); });
}

// Random BSON values, biased towards ties and near-ties: few field names,
// short strings over a tiny alphabet with NUL and high bytes, numbers that
// are equal or adjacent across types.
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Value Next() {
    Value v;
    Append(v.doc(), "v", 0);
    return v;
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  template <typename T>
  const T& PickOf(const std::vector<T>& v) {
    return v[Pick(static_cast<int>(v.size()))];
  }

  std::string ShortString(const std::string& alphabet, int max_len) {
    std::string s;
    for (int n = Pick(max_len + 1); n > 0; --n)
      s += alphabet[Pick(static_cast<int>(alphabet.size()))];
    return s;
  }

  void AppendNumber(bson_t* d, const char* key) {
    static const std::vector<std::string> kEdges = {
        "d:0", "d:-0", "d:1", "d:-1", "d:0.5", "d:0.1", "d:-0.1", "d:1.5", "d:3.141592653589793",
        "d:1e20", "d:-1e20", "d:9007199254740992", "d:9007199254740994", "d:9223372036854775808",
        "d:-9223372036854775808", "d:18446744073709551616", "d:2147483648",
        "d:0x1.fffffffffffffp+1023", "d:-0x1.fffffffffffffp+1023", "d:0x1p-1022", "d:0x1p-1074",
        "d:-0x1p-1074", "d:1e-300", "d:123456.789", "d:inf", "d:-inf", "d:nan", "d:-nan", "i:0",
        "i:1", "i:-1", "i:2147483647", "i:-2147483648", "i:1000000", "l:0", "l:1", "l:-1",
        "l:-9223372036854775808", "l:9223372036854775807", "l:9223372036854775806",
        "l:9007199254740992", "l:9007199254740993", "l:9007199254740991", "l:-9007199254740993",
        "l:2147483648", "l:-2147483649", "l:123456789012345678", "m:0", "m:-0", "m:0E+300",
        "m:-0E-300", "m:1", "m:1.00", "m:-1.0", "m:0.1", "m:-0.1", "m:0.5", "m:1.5", "m:1E+6144",
        "m:-1E+6144", "m:1E-6176", "m:-1E-6176", "m:9.999999999999999999999999999999999E+6144",
        "m:NaN", "m:-NaN", "m:Infinity", "m:-Infinity", "m:9223372036854775807",
        "m:9223372036854775808", "m:-9223372036854775808", "m:-9223372036854775809",
        "m:9007199254740993", "m:1E+20", "m:1E+400", "m:1E-400",
        "m:0.1000000000000000055511151231257827", "m:0.1000000000000000055511151231257828",
        "m:4.940656458412465441765687928682213E-324", "m:1.797693134862315708145274237317044E+308",
        "m:3.141592653589793", "m:123456.789", "m:2147483648", "m:10", "m:1E+1",
        // Small values in every type, for equalities across types.
        "i:-2", "l:-2", "d:-2", "m:-2.0", "i:2", "l:2", "d:2", "m:2E0", "m:20E-1", "d:-0.5",
        "m:-0.50", "m:1.000"};
    std::string spec;
    switch (Pick(5)) {
      case 0:
      case 1:
        spec = PickOf(kEdges);
        break;
      case 2: {  // any bit pattern: subnormals, huge exponents, NaN payloads
        const uint64_t bits = rng_();
        double x;
        std::memcpy(&x, &bits, 8);
        bson_append_double(d, key, -1, x);
        return;
      }
      case 3:
        spec = (Pick(2) ? "i:" : "l:") + std::to_string(static_cast<int64_t>(rng_()) >> Pick(64));
        break;
      default:  // a random coefficient and exponent
        spec = std::string("m:") + (Pick(2) ? "-" : "") + std::to_string(1 + Pick(9)) +
               ShortString("0123456789", 33) + "E" +
               std::to_string(Pick(3) ? Pick(41) - 20 : Pick(12288) - 6176);
    }
    Value v = N(spec);
    bson_iter_t it = v.Iter();
    bson_append_iter(d, key, -1, &it);
  }

  void AppendDocument(bson_t* d, int depth) {
    static const std::vector<std::string> kNames = {"a", "b", "ab", "", "a\x7f", "\xc3\xa9"};
    for (int n = Pick(4); n > 0; --n) Append(d, PickOf(kNames).c_str(), depth + 1);
  }

  void Append(bson_t* d, const char* key, int depth) {
    static const std::string kChars(
        "\0a\x01\xff"
        "ab",
        6);
    bson_oid_t oid;
    for (auto& b : oid.bytes) b = static_cast<uint8_t>(PickOf(std::vector<int>{0, 1, 0xff}));
    // Numbers and strings are the common keys; containers stop at depth 3.
    const int kind = Pick(depth >= 3 ? 25 : 29);
    if (kind < 10) return AppendNumber(d, key);
    if (kind < 12) {
      std::string s = ShortString(kChars, 5);
      bson_append_utf8(d, key, -1, s.data(), static_cast<int>(s.size()));
      return;
    }
    switch (kind) {
      case 12: {
        std::string s = ShortString(kChars, 3);
        bson_append_symbol(d, key, -1, s.data(), static_cast<int>(s.size()));
        return;
      }
      case 13: {
        static const std::vector<int> kSubtypes = {0, 1, 2, 4, 0x80};
        std::string bytes = ShortString(std::string("\0\x01\xff", 3), 4);
        if (Pick(8) == 0) bytes.assign(300, 'x');
        bson_append_binary(d, key, -1, static_cast<bson_subtype_t>(PickOf(kSubtypes)),
                           reinterpret_cast<const uint8_t*>(bytes.data()),
                           static_cast<uint32_t>(bytes.size()));
        return;
      }
      case 14:
        bson_append_oid(d, key, -1, &oid);
        return;
      case 15:
        bson_append_bool(d, key, -1, Pick(2));
        return;
      case 16:
        bson_append_date_time(d, key, -1,
                              PickOf(std::vector<int64_t>{INT64_MIN, -1, 0, 1, INT64_MAX,
                                                          static_cast<int64_t>(rng_())}));
        return;
      case 17: {
        const std::vector<uint32_t> kParts = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff};
        bson_append_timestamp(d, key, -1, PickOf(kParts), PickOf(kParts));
        return;
      }
      case 18:
        return AppendRaw(
            d, key, BSON_TYPE_REGEX,
            ShortString("a.b", 3) + '\0' + PickOf<std::string>({"", "i", "im", "mi", "x"}) + '\0');
      case 19:
        bson_append_dbpointer(d, key, -1, PickOf<std::string>({"a", "b", "ab", "db.c"}).c_str(),
                              &oid);
        return;
      case 20:
        bson_append_code(d, key, -1, ShortString("ab", 3).c_str());
        return;
      case 21: {
        bson_t scope;
        bson_init(&scope);
        if (depth < 3) AppendDocument(&scope, depth);
        bson_append_code_with_scope(d, key, -1, ShortString("ab", 2).c_str(), &scope);
        bson_destroy(&scope);
        return;
      }
      case 22:
        bson_append_null(d, key, -1);
        return;
      case 23:
        bson_append_undefined(d, key, -1);
        return;
      case 24:
        Pick(2) ? bson_append_minkey(d, key, -1) : bson_append_maxkey(d, key, -1);
        return;
      case 25:
      case 26: {
        bson_t child;
        bson_append_document_begin(d, key, -1, &child);
        AppendDocument(&child, depth);
        bson_append_document_end(d, &child);
        return;
      }
      default: {
        bson_t child;
        bson_append_array_begin(d, key, -1, &child);
        for (int i = 0, n = Pick(4); i < n; ++i)
          Append(&child, std::to_string(i).c_str(), depth + 1);
        bson_append_array_end(d, &child);
      }
    }
  }

  std::mt19937_64 rng_;
};

std::vector<Value> RandomValues(int n, uint64_t seed) {
  Generator gen(seed);
  std::vector<Value> values;
  values.reserve(n);
  for (int i = 0; i < n; ++i) values.push_back(gen.Next());
  return values;
}

// Decodes a one-field key; the value, or a failed REQUIRE.
Value Decode(const std::string& key, bool descending) {
  Value out;
  Status s = DecodeKey(key, {"v"}, {descending}, out.doc());
  INFO(Hex(key) << " " << s.ToString());
  REQUIRE(s.ok());
  return out;
}

std::vector<Value> Numbers(const std::vector<std::string>& specs) {
  std::vector<Value> out;
  for (const auto& spec : specs) out.push_back(N(spec));
  return out;
}

}  // namespace

TEST_CASE("equal numbers of every type encode to the same bytes", "[key_string]") {
  std::vector<std::vector<Value>> groups = {
      Numbers({"i:1", "l:1", "d:1", "m:1", "m:1.00", "m:0.01E2"}),
      Numbers({"i:0", "l:0", "d:0", "d:-0", "m:0", "m:-0", "m:0E+100", "m:-0.000"}),
      Numbers({"i:-7", "l:-7", "d:-7", "m:-7.0000"}),
      Numbers({"i:-2147483648", "l:-2147483648", "d:-2147483648", "m:-2147483648"}),
      Numbers({"l:9007199254740992", "d:9007199254740992", "m:9007199254740992"}),
      Numbers({"l:-9223372036854775808", "d:-0x1p63", "m:-9223372036854775808"}),
      Numbers({"d:1e20", "m:1E+20", "m:100000000000000000000"}),
      Numbers({"d:0.5", "m:0.5", "m:5E-1", "m:0.50000"}),
      Numbers({"d:-1.5", "m:-1.5"}),
      Numbers({"d:inf", "m:Infinity"}),
      Numbers({"d:-inf", "m:-Infinity"}),
      Numbers({"d:nan", "d:-nan", "m:NaN", "m:-NaN"}),
      Numbers({"m:9999999999999999999999999999999999"}),
      {String("ab"), Symbol("ab")},
      {String(std::string("a\0b", 3)), Symbol(std::string("a\0b", 3))},
  };
  // Non-canonical decimals are zero: a coefficient of 10^34, and the "11"
  // combination form whose implied coefficient is larger still.
  groups[1].push_back(DecimalBits(0x3041ED09BEAD87C0, 0x378D8E6400000000));
  groups[1].push_back(DecimalBits(0x6000000000000000, 1));
  groups[12].push_back(DecimalBits(0x3041ED09BEAD87C0, 0x378D8E63FFFFFFFF));
  for (const auto& group : groups) {
    for (const auto& v : group) {
      INFO(group[0].Json() << " vs " << v.Json());
      CHECK(Compare(group[0], v) == 0);
      CHECK(Hex(v.Encode()) == Hex(group[0].Encode()));
      CHECK(Hex(v.Encode(true)) == Hex(group[0].Encode(true)));
    }
  }
}

TEST_CASE("known orderings hold in the reference and in the encoding", "[key_string]") {
  const char* kZeroId = R"({"$oid": "000000000000000000000000"})";
  auto json = [](const std::string& v) { return Json(("{\"v\": " + v + "}").c_str()); };
  auto jsons = [&](const std::vector<std::string>& vs) {
    std::vector<Value> out;
    for (const auto& v : vs) out.push_back(json(v));
    return out;
  };
  // Each list is strictly increasing.
  const std::vector<std::vector<Value>> chains = {
      // mongod's canonical type order, one value of each type.
      jsons({R"({"$minKey": 1})", R"({"$undefined": true})", "null", "5", R"("x")", "{}", "[]",
             R"({"$binary": {"base64": "", "subType": "00"}})", kZeroId, "false",
             R"({"$date": {"$numberLong": "0"}})", R"({"$timestamp": {"t": 0, "i": 0}})",
             R"({"$regularExpression": {"pattern": "", "options": ""}})",
             std::string(R"({"$dbPointer": {"$ref": "a", "$id": )") + kZeroId + "}}",
             R"({"$code": ""})", R"({"$code": "", "$scope": {}})", R"({"$maxKey": 1})"}),
      // Numbers: NaN lowest, then exact values across types.
      Numbers({"d:nan",
               "d:-inf",
               "m:-1E+6144",
               "d:-0x1.fffffffffffffp+1023",
               "l:-9223372036854775808",
               "l:-9223372036854775807",
               "d:-1e-300",
               "m:-1E-6176",
               "i:0",
               "m:1E-6176",
               "d:0x1p-1074",
               "m:0.1",
               "m:0.1000000000000000055511151231257827",
               "d:0.1",
               "m:0.1000000000000000055511151231257828",
               "i:1",
               "d:1.0000000000000002",
               "d:9007199254740992",
               "l:9007199254740993",
               "d:9007199254740994",
               "l:9223372036854775806",
               "l:9223372036854775807",
               "d:0x1p63",
               "m:9223372036854775809",
               "d:0x1.fffffffffffffp+1023",
               "m:1E+400",
               "m:1E+6144",
               "d:inf"}),
      // Strings: bytes unsigned, NUL is a byte, a prefix sorts first.
      {String(""), String(std::string("\0", 1)), String(std::string("\0\0", 2)),
       String(std::string("\0\x01", 2)), String("\x01"), String("a"), String(std::string("a\0", 2)),
       String(std::string("a\0\0", 3)), String(std::string("a\0\xff", 3)), String("a\x01"),
       Symbol("ab"), String("b"), String("\x7f"), String("\xc3\xa9"), String("\xff")},
      // Objects: element by element as (type, name, value), shorter first.
      jsons({"{}", R"({"z": {"$minKey": 1}})", R"({"a": null})", R"({"a": 1})",
             R"({"a": 1, "b": 1})", R"({"a": 1, "b": "x"})", R"({"a": 2})", R"({"ab": 1})",
             R"({"b": -1})", R"({"b": 1})", R"({"a": "x"})", R"({"a": {}})", R"({"a": {"a": 1}})",
             R"({"a": []})"}),
      jsons(
          {"[]", R"([{"$minKey": 1}])", "[1]", "[1, 1]", R"([1, "a"])", "[2]", R"(["a"])", "[[]]"}),
      // binData: length, then subtype, then bytes; subtype 2 counts its inner length.
      {Binary(0, ""), Binary(5, "\xff"), Binary(0, "aa"), Binary(0, "ab"), Binary(1, "aa"),
       Binary(0, "aaaa"), Binary(2, ""), Binary(0, "aaaaa"), Binary(0, std::string(300, 'a')),
       Binary(0, std::string(301, 'a'))},
      jsons({"false", "true"}),
      jsons({R"({"$date": {"$numberLong": "-9223372036854775808"}})",
             R"({"$date": {"$numberLong": "-1"}})", R"({"$date": {"$numberLong": "0"}})",
             R"({"$date": {"$numberLong": "9223372036854775807"}})"}),
      jsons({R"({"$timestamp": {"t": 1, "i": 4294967295}})", R"({"$timestamp": {"t": 2, "i": 0}})",
             R"({"$timestamp": {"t": 2147483648, "i": 0}})"}),
      {Regex("a", ""), Regex("a", "i"), Regex("a", "im"), Regex("a", "mi"), Regex("ab", "")},
      // dbPointer: namespace length first.
      jsons({R"({"$dbPointer": {"$ref": "b", "$id": {"$oid": "ffffffffffffffffffffffff"}}})",
             R"({"$dbPointer": {"$ref": "aa", "$id": {"$oid": "000000000000000000000000"}}})",
             R"({"$dbPointer": {"$ref": "aa", "$id": {"$oid": "000000000000000000000001"}}})"}),
      jsons({R"({"$code": "a"})", R"({"$code": "ab"})", R"({"$code": "b"})"}),
      jsons({R"({"$code": "a", "$scope": {}})", R"({"$code": "a", "$scope": {"x": 1}})",
             R"({"$code": "b", "$scope": {}})"}),
  };
  for (const auto& chain : chains) {
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
      INFO(chain[i].Json() << " < " << chain[i + 1].Json());
      CHECK(Compare(chain[i], chain[i + 1]) == -1);
      CHECK(chain[i].Encode() < chain[i + 1].Encode());
      CHECK(chain[i].Encode(true) > chain[i + 1].Encode(true));
    }
  }
}

TEST_CASE("random values: memcmp of encodings orders like mongod, for all pairs", "[key_string]") {
  std::vector<Value> values = RandomValues(2200, 20240601);
  std::vector<std::string> asc, desc;
  for (const auto& v : values) {
    asc.push_back(v.Encode());
    desc.push_back(v.Encode(true));
  }
  long pairs = 0, equal = 0, mismatches = 0;
  std::string first_mismatch;
  for (size_t i = 0; i < values.size(); ++i) {
    bson_iter_t a = values[i].Iter();
    for (size_t j = i; j < values.size(); ++j) {
      bson_iter_t b = values[j].Iter();
      const int expected = Sign(CompareBsonValues(&a, &b));
      const int reverse = Sign(CompareBsonValues(&b, &a));
      const int got = Sign(asc[i].compare(asc[j]));
      const int got_desc = Sign(desc[i].compare(desc[j]));
      ++pairs;
      equal += expected == 0;
      if (got != expected || got_desc != -expected || reverse != -expected) {
        if (mismatches++ == 0) {
          first_mismatch = values[i].Json() + " vs " + values[j].Json() + ": reference " +
                           std::to_string(expected) + "/" + std::to_string(reverse) +
                           ", encoding " + std::to_string(got) + "/" + std::to_string(-got_desc) +
                           "\n" + Hex(asc[i]) + "\n" + Hex(asc[j]);
        }
      }
    }
  }
  INFO(first_mismatch);
  CHECK(mismatches == 0);
  // The generator must produce ties across types, or the test proves little.
  CHECK(equal > static_cast<long>(values.size()) * 2);
  CHECK(pairs > 2000000);
}

TEST_CASE("compound keys compare field by field, ascending and descending mixed", "[key_string]") {
  std::vector<Value> values = RandomValues(400, 7);
  // Values that are prefixes of each other when encoded naively.
  values.push_back(String("a"));
  values.push_back(String(std::string("a\0", 2)));
  values.push_back(String(std::string("a\0\0", 3)));
  values.push_back(Json(R"({"v": {"a": 1}})"));
  values.push_back(Json(R"({"v": {"a": 1, "b": 1}})"));
  values.push_back(N("i:1"));
  values.push_back(N("m:1.5"));
  std::mt19937_64 rng(99);
  auto pick = [&] {  // a quarter of the picks from the seven values above
    return &values[rng() % 4 ? rng() % values.size() : values.size() - 1 - rng() % 7];
  };
  long mismatches = 0;
  std::string first_mismatch;
  for (int round = 0; round < 40000; ++round) {
    const int n = 1 + static_cast<int>(rng() % 3);
    std::vector<bool> descending(n);
    for (int f = 0; f < n; ++f) descending[f] = rng() % 2;
    std::vector<const Value*> x(n), y(n);
    std::string kx, ky;
    for (int f = 0; f < n; ++f) {
      x[f] = pick();
      // Often share the leading fields so later fields decide.
      y[f] = rng() % 3 ? x[f] : pick();
      bson_iter_t ix = x[f]->Iter(), iy = y[f]->Iter();
      AppendKeyValue(&kx, &ix, descending[f]);
      AppendKeyValue(&ky, &iy, descending[f]);
    }
    int expected = 0;
    for (int f = 0; f < n && expected == 0; ++f) {
      expected = Compare(*x[f], *y[f]) * (descending[f] ? -1 : 1);
    }
    if (Sign(kx.compare(ky)) != expected && mismatches++ == 0) {
      for (int f = 0; f < n; ++f) {
        first_mismatch +=
            x[f]->Json() + (descending[f] ? " desc vs " : " asc vs ") + y[f]->Json() + "\n";
      }
    }
  }
  INFO(first_mismatch);
  CHECK(mismatches == 0);
}

TEST_CASE("DecodeKey round-trips every value, ascending and descending", "[key_string]") {
  std::vector<Value> values = RandomValues(2000, 4242);
  for (const auto& v : values) {
    for (bool descending : {false, true}) {
      const std::string key = v.Encode(descending);
      const Value back = Decode(key, descending);
      INFO(v.Json() << " -> " << back.Json());
      CHECK(Compare(v, back) == 0);
      CHECK(back.Encode(descending) == key);
    }
  }
}

TEST_CASE("DecodeKey returns numbers in the canonical type", "[key_string]") {
  struct Case {
    Value in;
    bson_type_t type;
    const char* json;
  };
  const std::vector<Case> cases = {
      {N("l:5"), BSON_TYPE_INT32, R"({ "v" : 5 })"},
      {N("m:1.00"), BSON_TYPE_INT32, R"({ "v" : 1 })"},
      {N("d:-0"), BSON_TYPE_INT32, R"({ "v" : 0 })"},
      {N("l:2147483648"), BSON_TYPE_INT64, R"({ "v" : 2147483648 })"},
      {N("d:-2147483649"), BSON_TYPE_INT64, R"({ "v" : -2147483649 })"},
      {N("m:-9223372036854775808"), BSON_TYPE_INT64, R"({ "v" : -9223372036854775808 })"},
      {N("m:9223372036854775808"), BSON_TYPE_DOUBLE, R"({ "v" : 9223372036854775808.0 })"},
      {N("d:1e20"), BSON_TYPE_DOUBLE, R"({ "v" : 1e+20 })"},
      {N("m:1.5"), BSON_TYPE_DOUBLE, R"({ "v" : 1.5 })"},
      {N("d:0.1"), BSON_TYPE_DOUBLE, R"({ "v" : 0.10000000000000000555 })"},
      {N("d:0x1p-1074"), BSON_TYPE_DOUBLE, R"({ "v" : 4.9406564584124654418e-324 })"},
      {N("m:0.1"), BSON_TYPE_DECIMAL128, R"({ "v" : { "$numberDecimal" : "0.1" } })"},
      {N("m:12345678901234567890"), BSON_TYPE_DECIMAL128,
       R"({ "v" : { "$numberDecimal" : "1.234567890123456789E+19" } })"},
      {N("m:1E+6144"), BSON_TYPE_DECIMAL128,
       R"({ "v" : { "$numberDecimal" : "1.000000000000000000000000000000000E+6144" } })"},
      {N("m:-1E-6176"), BSON_TYPE_DECIMAL128, R"({ "v" : { "$numberDecimal" : "-1E-6176" } })"},
      {N("m:-Infinity"), BSON_TYPE_DOUBLE, R"({ "v" : { "$numberDouble" : "-Infinity" } })"},
      {N("m:NaN"), BSON_TYPE_DOUBLE, R"({ "v" : { "$numberDouble" : "NaN" } })"},
      {Symbol("s"), BSON_TYPE_UTF8, R"({ "v" : "s" })"},
  };
  for (const auto& c : cases) {
    const Value back = Decode(c.in.Encode(), false);
    INFO(c.in.Json());
    bson_iter_t it = back.Iter();
    CHECK(bson_iter_type(&it) == c.type);
    CHECK(back.Json() == c.json);
  }
}

TEST_CASE("DecodeKey decodes compound keys and rejects malformed ones", "[key_string]") {
  const std::vector<Value> parts = {
      Json(R"({"v": {"a": [1, "x", {"$regex": "p", "$options": "i"}]}})"), N("d:-2.5"),
      String(std::string("q\0r", 3))};
  std::string key;
  const std::vector<bool> descending = {false, true, true};
  for (size_t i = 0; i < parts.size(); ++i) {
    bson_iter_t it = parts[i].Iter();
    AppendKeyValue(&key, &it, descending[i]);
  }
  Bson out;
  REQUIRE(DecodeKey(key, {"a", "b.c", "d"}, descending, out.get()).ok());
  CHECK(
      out.ToJson() ==
      R"({ "a" : { "a" : [ 1, "x", { "$regularExpression" : { "pattern" : "p", "options" : "i" } } ] }, "b.c" : -2.5, "d" : "q\u0000r" })");

  // The encoding is prefix-free, so no proper prefix of a key decodes.
  for (size_t len = 0; len < key.size(); ++len) {
    Bson partial;
    INFO("prefix " << len);
    CHECK_FALSE(DecodeKey(key.substr(0, len), {"a", "b.c", "d"}, descending, partial.get()).ok());
  }
  Bson extra;
  CHECK_FALSE(DecodeKey(key + '\x01', {"a", "b.c", "d"}, descending, extra.get()).ok());
  Bson wrong_count;
  CHECK_FALSE(DecodeKey(key, {"a"}, {false, true}, wrong_count.get()).ok());
  Bson junk;
  CHECK_FALSE(DecodeKey(std::string("\x2c\x80\x0b", 3), {"a"}, {false}, junk.get()).ok());
}

TEST_CASE("DecodeKey survives corrupted keys", "[key_string]") {
  // Malformed input must give an error or some value, never a crash or an
  // out-of-bounds read (run under ASan to check the latter).
  std::vector<Value> values = RandomValues(300, 11);
  std::mt19937_64 rng(3);
  long decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    const bool descending = rng() % 2;
    std::string key = values[rng() % values.size()].Encode(descending);
    for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips) {
      key[rng() % key.size()] = static_cast<char>(rng());
    }
    if (rng() % 4 == 0) key.resize(rng() % (key.size() + 1));
    Bson out;
    decoded += DecodeKey(key, {"v"}, {descending}, out.get()).ok();
  }
  CHECK(decoded < 20000);
}

TEST_CASE("common values encode short and without allocating", "[key_string]") {
  CHECK(Hex(N("i:1").Encode()) == "2c8020");
  CHECK(Hex(N("i:-1").Encode()) == "2a7fdf");
  CHECK(Hex(N("i:0").Encode()) == "2b");
  CHECK(Hex(N("i:42").Encode()) == "2c815300");
  CHECK(Hex(N("d:0.5").Encode()) == "2c7f60");
  CHECK(Hex(N("m:1E+64").Encode()) == "2cc0004020");
  CHECK(Hex(N("m:1E-65").Encode()) == "2c3f3fbf20");
  CHECK(N("l:1000000").Encode().size() == 3);
  CHECK(N("i:123").Encode().size() == 4);
  CHECK(N("l:9223372036854775807").Encode().size() == 12);
  CHECK(String("abc").Encode() == std::string("\x32"
                                              "abc\0\0",
                                              6));
  CHECK(Json(R"({"v": {"$oid": "0102030405060708090a0b0c"}})").Encode().size() == 13);
  CHECK(Hex(Json(R"({"v": null})").Encode(true)) == "e1");

  std::string out;
  AppendKeyNull(&out, false);
  AppendKeyMinKey(&out, false);
  AppendKeyMaxKey(&out, false);
  CHECK(Hex(out) == "1e0af0");

  const Value values[] = {N("i:123456"), N("l:-9007199254740993"), N("d:42"),
                          Json(R"({"v": {"$oid": "0102030405060708090a0b0c"}})"),
                          String("user@example.com")};
  for (const auto& v : values) {
    INFO(v.Json());
    bson_iter_t it = v.Iter();
    out.clear();
    out.reserve(64);
    const long before = g_allocations;
    AppendKeyValue(&out, &it, false);
    AppendKeyValue(&out, &it, true);
    const long after = g_allocations;
#ifndef BASALT_NO_ALLOCATION_COUNT
    CHECK(after == before);
#else
    (void)before;
    (void)after;
#endif
  }
}

TEST_CASE("exact decimal expansion of doubles", "[key_string]") {
  key_string_internal::DecimalDigits d;
  auto digits = [&](double x) {
    key_string_internal::DoubleToDigits(x, &d);
    return std::string(d.digits, d.count) + "e" + std::to_string(d.exponent);
  };
  CHECK(digits(0.1) == "1000000000000000055511151231257827021181583404541015625e-1");
  CHECK(digits(1.5) == "15e0");
  CHECK(digits(1e23) == "99999999999999991611392e22");
  CHECK(digits(std::ldexp(1.0, 70)) == "1180591620717411303424e21");
  key_string_internal::DoubleToDigits(std::numeric_limits<double>::denorm_min(), &d);
  CHECK(d.count == 751);
  CHECK(d.exponent == -324);
  key_string_internal::DoubleToDigits(DBL_MAX, &d);
  CHECK(d.exponent == 308);
  CHECK(std::string(d.digits, 17) == "17976931348623157");
}
