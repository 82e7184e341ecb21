// mongod's SafeNum (src/mongo/util/safe_num.cpp) for $inc, $mul and $bit.
// Decimal128 arithmetic is query/expression_decimal's (IEEE round-half-even,
// as mongod).
#include <cinttypes>
#include <string>

#include "query/expression_decimal.h"
#include "query/numbers.h"
#include "query/update_internal.h"

namespace basalt::query::update_internal {
namespace {

// SafeNum::getDecimal: doubles convert with 15 significant digits, as
// mongod's Decimal128(double, kRoundTo15Digits).
bson_decimal128_t ToDecimal(const Num& n) {
  switch (n.kind) {
    case Num::Kind::kInt32:
      return decimal::FromInt64(n.i32);
    case Num::Kind::kInt64:
      return decimal::FromInt64(n.i64);
    case Num::Kind::kDouble:
      return decimal::FromDouble(n.d);
    case Num::Kind::kDecimal:
      return n.dec;
    case Num::Kind::kInvalid:
      break;
  }
  return decimal::FromInt64(0);
}

double ToDouble(const Num& n) {
  switch (n.kind) {
    case Num::Kind::kInt32:
      return n.i32;
    case Num::Kind::kInt64:
      return static_cast<double>(n.i64);
    case Num::Kind::kDouble:
      return n.d;
    default:
      return 0;
  }
}

int64_t ToInt64(const Num& n) { return n.kind == Num::Kind::kInt32 ? n.i32 : n.i64; }

Num Double(double d) {
  Num n;
  n.kind = Num::Kind::kDouble;
  n.d = d;
  return n;
}

Num Decimal(const bson_decimal128_t& d) {
  Num n;
  n.kind = Num::Kind::kDecimal;
  n.dec = d;
  return n;
}

enum class Arith { kAdd, kMultiply };

Num Arithmetic(Arith op, const Num& a, const Num& b) {
  using K = Num::Kind;
  if (!a.valid() || !b.valid()) return Num();
  if (a.kind == K::kDecimal || b.kind == K::kDecimal) {
    return Decimal(op == Arith::kAdd ? decimal::Add(ToDecimal(a), ToDecimal(b))
                                     : decimal::Multiply(ToDecimal(a), ToDecimal(b)));
  }
  if (a.kind == K::kDouble || b.kind == K::kDouble) {
    return Double(op == Arith::kAdd ? ToDouble(a) + ToDouble(b) : ToDouble(a) * ToDouble(b));
  }
  if (a.kind == K::kInt32 && b.kind == K::kInt32) {
    int32_t r32;
    const bool overflow = op == Arith::kAdd ? __builtin_add_overflow(a.i32, b.i32, &r32)
                                            : __builtin_mul_overflow(a.i32, b.i32, &r32);
    // An int32 result that overflows is computed again as int64.
    if (!overflow) return Num::Int32(r32);
  }
  int64_t r64;
  const bool overflow = op == Arith::kAdd ? __builtin_add_overflow(ToInt64(a), ToInt64(b), &r64)
                                          : __builtin_mul_overflow(ToInt64(a), ToInt64(b), &r64);
  return overflow ? Num() : Num::Int64(r64);
}

}  // namespace

Num Num::Of(const bson_iter_t* it) {
  Num n;
  switch (bson_iter_type(it)) {
    case BSON_TYPE_INT32:
      n.kind = Kind::kInt32;
      n.i32 = bson_iter_int32(it);
      break;
    case BSON_TYPE_INT64:
      n.kind = Kind::kInt64;
      n.i64 = bson_iter_int64(it);
      break;
    case BSON_TYPE_DOUBLE:
      n.kind = Kind::kDouble;
      n.d = bson_iter_double(it);
      break;
    case BSON_TYPE_DECIMAL128:
      n.kind = Kind::kDecimal;
      bson_iter_decimal128(it, &n.dec);
      break;
    default:
      break;
  }
  return n;
}

Num Num::Int32(int32_t v) {
  Num n;
  n.kind = Kind::kInt32;
  n.i32 = v;
  return n;
}

Num Num::Int64(int64_t v) {
  Num n;
  n.kind = Kind::kInt64;
  n.i64 = v;
  return n;
}

bool Num::IsIdentical(const Num& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case Kind::kInt32:
      return i32 == other.i32;
    case Kind::kInt64:
      return i64 == other.i64;
    case Kind::kDouble:
      return d == other.d;
    case Kind::kDecimal:
      // Numeric equality, under which NaN equals nothing.
      return !decimal::IsNaN(dec) && !decimal::IsNaN(other.dec) &&
             decimal::Compare(dec, other.dec) == 0;
    case Kind::kInvalid:
      return false;
  }
  return false;
}

std::string Num::DebugString() const {
  char buf[BSON_DECIMAL128_STRING + 32];
  switch (kind) {
    case Kind::kInt32:
      return "(NumberInt)" + std::to_string(i32);
    case Kind::kInt64:
      return "(NumberLong)" + std::to_string(i64);
    case Kind::kDouble:
      return "(NumberDouble)" + FormatDoubleG(d);
    case Kind::kDecimal:
      bson_decimal128_to_string(&dec, buf);
      return std::string("(NumberDecimal)") + buf;
    case Kind::kInvalid:
      break;
  }
  return "(EOO)";
}

MValue Num::ToValue() const {
  Bson holder;
  switch (kind) {
    case Kind::kInt32:
      bson_append_int32(holder.get(), "", 0, i32);
      break;
    case Kind::kInt64:
      bson_append_int64(holder.get(), "", 0, i64);
      break;
    case Kind::kDouble:
      bson_append_double(holder.get(), "", 0, d);
      break;
    case Kind::kDecimal:
      bson_append_decimal128(holder.get(), "", 0, &dec);
      break;
    case Kind::kInvalid:
      bson_append_null(holder.get(), "", 0);
      break;
  }
  return MValue::Own(std::move(holder));
}

Num NumAdd(const Num& a, const Num& b) { return Arithmetic(Arith::kAdd, a, b); }

Num NumMultiply(const Num& a, const Num& b) { return Arithmetic(Arith::kMultiply, a, b); }

Num NumBit(BitOp op, const Num& a, const Num& b) {
  using K = Num::Kind;
  const bool a_int = a.kind == K::kInt32 || a.kind == K::kInt64;
  const bool b_int = b.kind == K::kInt32 || b.kind == K::kInt64;
  if (!a_int || !b_int) return Num();
  auto apply = [op](int64_t x, int64_t y) {
    return op == BitOp::kAnd ? (x & y) : op == BitOp::kOr ? (x | y) : (x ^ y);
  };
  if (a.kind == K::kInt32 && b.kind == K::kInt32) {
    return Num::Int32(static_cast<int32_t>(apply(a.i32, b.i32)));
  }
  return Num::Int64(apply(ToInt64(a), ToInt64(b)));
}

}  // namespace basalt::query::update_internal
