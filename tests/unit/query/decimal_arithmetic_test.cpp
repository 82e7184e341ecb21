// Decimal128 add, subtract, multiply, divide and modulo at the edges: rounding
// at 34 digits, overflow, subnormals, -0, NaN and division by zero. Expected
// values come from Python's decimal module in the IEEE 754-2008 decimal128
// context (prec=34, Emax=6144, Emin=-6143, clamp=1, ROUND_HALF_EVEN), which
// is what mongod's Intel BID library computes; Modulo is Python's remainder.
#include <catch2/catch.hpp>

#include <string>

#include "query/expression_decimal.h"

namespace basalt::query {
namespace {

enum class Op { kAdd, kSubtract, kMultiply, kDivide, kModulo };

bson_decimal128_t Apply(Op op, bson_decimal128_t a, bson_decimal128_t b) {
  switch (op) {
    case Op::kAdd:
      return decimal::Add(a, b);
    case Op::kSubtract:
      return decimal::Subtract(a, b);
    case Op::kMultiply:
      return decimal::Multiply(a, b);
    case Op::kDivide:
      return decimal::Divide(a, b);
    case Op::kModulo:
      return decimal::Modulo(a, b);
  }
  return decimal::FromString("NaN");
}

struct Case {
  Op op;
  const char* a;
  const char* b;
  const char* expected;  // libbson's string form, which keeps the exponent
};

TEST_CASE("decimal arithmetic matches the IEEE decimal128 context", "[decimal]") {
  const Case cases[] = {
      {Op::kAdd, "1", "2", "3"},
      {Op::kAdd, "1.5", "-0.25", "1.25"},
      {Op::kAdd, "9999999999999999999999999999999999", "1", "1.000000000000000000000000000000000E+34"},
      {Op::kAdd, "1234567890123456789012345678901234", "0.5", "1234567890123456789012345678901234"},
      {Op::kAdd, "1234567890123456789012345678901235", "0.5", "1234567890123456789012345678901236"},
      {Op::kAdd, "1234567890123456789012345678901234", "0.5000000001", "1234567890123456789012345678901235"},
      {Op::kAdd, "1E+6144", "0", "1.000000000000000000000000000000000E+6144"},
      {Op::kAdd, "9.999999999999999999999999999999999E+6144", "9.999999999999999999999999999999999E+6144", "Infinity"},
      {Op::kAdd, "-9.999999999999999999999999999999999E+6144", "-9.999999999999999999999999999999999E+6144", "-Infinity"},
      {Op::kAdd, "-0", "0", "0"},
      {Op::kAdd, "-0", "-0", "-0"},
      {Op::kAdd, "-1", "1", "0"},
      {Op::kAdd, "1E-6176", "-1E-6176", "0E-6176"},
      {Op::kAdd, "NaN", "1", "NaN"},
      {Op::kAdd, "1", "NaN", "NaN"},
      {Op::kAdd, "Infinity", "-Infinity", "NaN"},
      {Op::kAdd, "Infinity", "1", "Infinity"},
      {Op::kSubtract, "1", "0.1", "0.9"},
      {Op::kSubtract, "-0", "0", "-0"},
      {Op::kSubtract, "0", "0", "0"},
      {Op::kSubtract, "1.00", "1", "0.00"},
      {Op::kSubtract, "1E+34", "1", "9999999999999999999999999999999999"},
      {Op::kSubtract, "-9.999999999999999999999999999999999E+6144", "9.999999999999999999999999999999999E+6144", "-Infinity"},
      {Op::kSubtract, "Infinity", "Infinity", "NaN"},
      {Op::kMultiply, "1.10", "2.0", "2.200"},
      {Op::kMultiply, "-0", "5", "-0"},
      {Op::kMultiply, "0", "-5", "-0"},
      {Op::kMultiply, "1E+6144", "10", "Infinity"},
      {Op::kMultiply, "-1E+6144", "10", "-Infinity"},
      {Op::kMultiply, "1E+6000", "1E+200", "Infinity"},
      {Op::kMultiply, "1E-6143", "1E-10", "1E-6153"},
      {Op::kMultiply, "1E-6170", "1E-10", "0E-6176"},
      {Op::kMultiply, "1.5E-6170", "1E-6", "2E-6176"},
      {Op::kMultiply, "123456789012345678901234567890", "123456789012345678901234567890", "1.524157875323883675049535156253620E+58"},
      {Op::kMultiply, "3.333333333333333333333333333333333", "3", "9.999999999999999999999999999999999"},
      {Op::kMultiply, "0", "Infinity", "NaN"},
      {Op::kMultiply, "-2", "Infinity", "-Infinity"},
      {Op::kMultiply, "NaN", "0", "NaN"},
      {Op::kDivide, "1", "3", "0.3333333333333333333333333333333333"},
      {Op::kDivide, "2", "3", "0.6666666666666666666666666666666667"},
      {Op::kDivide, "-2", "3", "-0.6666666666666666666666666666666667"},
      {Op::kDivide, "10", "4", "2.5"},
      {Op::kDivide, "100", "10", "10"},
      {Op::kDivide, "1.000", "1", "1.000"},
      {Op::kDivide, "1", "0", "Infinity"},
      {Op::kDivide, "-1", "0", "-Infinity"},
      {Op::kDivide, "1", "-0", "-Infinity"},
      {Op::kDivide, "0", "0", "NaN"},
      {Op::kDivide, "0", "5", "0"},
      {Op::kDivide, "-0", "5", "-0"},
      {Op::kDivide, "1E-6176", "2", "0E-6176"},
      {Op::kDivide, "3E-6176", "2", "2E-6176"},
      {Op::kDivide, "1E-6143", "1E+10", "1E-6153"},
      {Op::kDivide, "9.999999999999999999999999999999999E+6144", "0.1", "Infinity"},
      {Op::kDivide, "Infinity", "Infinity", "NaN"},
      {Op::kDivide, "1", "Infinity", "0E-6176"},
      {Op::kDivide, "NaN", "0", "NaN"},
      {Op::kModulo, "10", "3", "1"},
      {Op::kModulo, "-7", "2", "-1"},
      {Op::kModulo, "7", "-2", "1"},
      {Op::kModulo, "7.5", "2", "1.5"},
      {Op::kModulo, "1", "0", "NaN"},
      {Op::kModulo, "Infinity", "1", "NaN"},
      {Op::kModulo, "5", "Infinity", "5"},
      {Op::kModulo, "NaN", "1", "NaN"},
      {Op::kModulo, "1E+40", "3", "NaN"},
      {Op::kModulo, "1.000", "0.3", "0.100"},
      // Python keeps the dividend's sign on a zero remainder (-0); Modulo
      // computes a - b * q, and -0 - (-0) is +0 under round-half-even.
      {Op::kModulo, "-0", "5", "0"},
      {Op::kModulo, "-6", "3", "0"},
  };
  for (const Case& c : cases) {
    INFO(int(c.op) << " " << c.a << " " << c.b);
    bson_decimal128_t r = Apply(c.op, decimal::FromString(c.a), decimal::FromString(c.b));
    CHECK(decimal::ToString(r) == c.expected);
  }
}

TEST_CASE("a NaN result of an arithmetic operation is quiet and positive", "[decimal]") {
  bson_decimal128_t r = decimal::Divide(decimal::FromString("0"), decimal::FromString("0"));
  CHECK(decimal::IsNaN(r));
  CHECK_FALSE(decimal::IsNegative(r));
  CHECK((r.high >> 57 & 1) == 0);  // the signaling bit
}

TEST_CASE("a non-canonical coefficient reads as zero", "[decimal]") {
  // 10^34 with exponent 0: one past the largest coefficient.
  bson_decimal128_t too_big;
  too_big.high = 0x3040000000000000ull | 0x0001ED09BEAD87C0ull;
  too_big.low = 0x378D8E6400000000ull;
  CHECK(decimal::ToString(decimal::Add(too_big, decimal::FromString("1"))) == "1");
  CHECK(decimal::ToString(decimal::Multiply(too_big, decimal::FromString("5"))) == "0");
  CHECK(decimal::Compare(too_big, decimal::FromString("0")) == 0);
}

TEST_CASE("decimal comparison orders by value, NaN below all", "[decimal]") {
  struct {
    const char* a;
    const char* b;
    int expected;
  } cases[] = {
      {"1", "1.000", 0},  {"-0", "0", 0},          {"1", "2", -1},         {"-Infinity", "-1E+6144", -1},
      {"Infinity", "9.999999999999999999999999999999999E+6144", 1},       {"NaN", "-Infinity", -1},
      {"NaN", "NaN", 0},  {"1E-6176", "0", 1},     {"-1E-6176", "0", -1},
  };
  for (const auto& c : cases) {
    INFO(c.a << " vs " << c.b);
    CHECK(decimal::Compare(decimal::FromString(c.a), decimal::FromString(c.b)) == c.expected);
  }
}

}  // namespace
}  // namespace basalt::query
