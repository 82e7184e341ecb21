// Leaf predicates: mongod's expression_leaf.cpp (ComparisonMatchExpression,
// RegexMatchExpression, ModMatchExpression, InMatchExpression,
// BitTestMatchExpression) and expression_type.h.

#include "query/match_leaf.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "base/bson.h"
#include "base/bson_shell.h"
#include "query/numbers.h"
#include "storage/key_string.h"

namespace basalt::query {
namespace {

bool IsNaN(const bson_iter_t* v) {
  if (bson_iter_type(v) == BSON_TYPE_DOUBLE) return std::isnan(bson_iter_double(v));
  if (bson_iter_type(v) == BSON_TYPE_DECIMAL128) {
    bson_decimal128_t d;
    bson_iter_decimal128(v, &d);
    return Decimal::From(d).kind == Decimal::Kind::kNaN;
  }
  return false;
}

// mongod's BSONElement::binData: for the old binary subtype 2 the bytes
// include the inner length that libbson strips.
void BinData(const bson_iter_t* v, const uint8_t** data, uint32_t* len) {
  bson_subtype_t subtype;
  bson_iter_binary(v, &subtype, len, data);
  if (subtype == BSON_SUBTYPE_BINARY_DEPRECATED) *data -= 4, *len += 4;
}

const char* ComparisonName(MatchType type) {
  switch (type) {
    case MatchType::kLt:
      return "$lt";
    case MatchType::kLte:
      return "$lte";
    case MatchType::kGt:
      return "$gt";
    case MatchType::kGte:
      return "$gte";
    default:
      return "$eq";
  }
}

bool CompareLess(const bson_iter_t& a, const bson_iter_t& b) {
  return storage::CompareBsonValues(&a, &b) < 0;
}

}  // namespace

bool LeafExpression::Matches(const bson_t* doc, MatchDetails* details) const {
  return VisitPath(doc, path_, leaf_, [&](const bson_iter_t* value, std::string_view offset) {
    if (!MatchesSingleElement(value, details)) return false;
    if (details && details->needs_record() && !offset.empty()) details->SetElemMatchKey(offset);
    return true;
  });
}

bool ComparisonExpression::MatchesSingleElement(const bson_iter_t* value, MatchDetails*) const {
  const bson_type_t rhs = bson_iter_type(&operand_);
  const bson_type_t lhs = value ? bson_iter_type(value) : BSON_TYPE_EOD;
  const MatchType t = type();
  if (lhs != rhs) {
    const int lc = CanonicalType(lhs);
    const int rc = CanonicalType(rhs);
    if (lc != rc) {
      // null (the operand) against missing or undefined: equal.
      if (lc + rc == 5) {
        if (lhs == BSON_TYPE_UNDEFINED && !null_matches_undefined_) return false;
        return t == MatchType::kEq || t == MatchType::kLte || t == MatchType::kGte;
      }
      if (rhs == BSON_TYPE_MAXKEY || rhs == BSON_TYPE_MINKEY) {
        if (t == MatchType::kLt || t == MatchType::kLte) return rhs == BSON_TYPE_MAXKEY;
        if (t == MatchType::kGt || t == MatchType::kGte) return rhs == BSON_TYPE_MINKEY;
        return false;
      }
      return false;  // type bracketing
    }
  }
  if (t != MatchType::kEq) {
    // NaN only equals NaN; every ordering against NaN is false.
    const bool lhs_nan = IsNaN(value);
    const bool rhs_nan = IsNaN(&operand_);
    if (lhs_nan || rhs_nan) {
      return (t == MatchType::kLte || t == MatchType::kGte) && lhs_nan && rhs_nan;
    }
  }
  const int c = storage::CompareBsonValues(value, &operand_);
  switch (t) {
    case MatchType::kLt:
      return c < 0;
    case MatchType::kLte:
      return c <= 0;
    case MatchType::kGt:
      return c > 0;
    case MatchType::kGte:
      return c >= 0;
    default:
      return c == 0;
  }
}

void ComparisonExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(path()).append(" ").append(ComparisonName(type())).append(" ");
  out->append(ShellValueString(&operand_)).append("\n");
}

bool RegexExpression::MatchesSingleElement(const bson_iter_t* value, MatchDetails*) const {
  if (!value) return false;
  switch (bson_iter_type(value)) {
    case BSON_TYPE_UTF8:
      return regex_->Search(Utf8Of(value));
    case BSON_TYPE_SYMBOL: {
      uint32_t len = 0;
      const char* s = bson_iter_symbol(value, &len);
      return regex_->Search(std::string_view(s, len));
    }
    case BSON_TYPE_REGEX: {
      const char* flags = nullptr;
      const char* pattern = bson_iter_regex(value, &flags);
      return regex_->pattern() == pattern && regex_->flags() == flags;
    }
    default:
      return false;
  }
}

void RegexExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(path()).append(" regex /").append(regex_->pattern()).append("/");
  out->append(regex_->flags()).append("\n");
}

bool ModExpression::MatchesSingleElement(const bson_iter_t* value, MatchDetails*) const {
  if (!value) return false;
  int64_t dividend = 0;
  switch (bson_iter_type(value)) {
    case BSON_TYPE_INT32:
      dividend = bson_iter_int32(value);
      break;
    case BSON_TYPE_INT64:
      dividend = bson_iter_int64(value);
      break;
    case BSON_TYPE_DOUBLE: {
      const double d = bson_iter_double(value);
      if (!std::isfinite(d)) return false;
      const double t = std::trunc(d);
      if (t >= 9223372036854775808.0 || t < -9223372036854775808.0) return false;
      dividend = static_cast<int64_t>(t);
      break;
    }
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t d;
      bson_iter_decimal128(value, &d);
      const std::optional<int64_t> v = Decimal::From(d).TruncatedInt64();
      if (!v) return false;
      dividend = *v;
      break;
    }
    default:
      return false;
  }
  // overflow::safeMod: INT64_MIN % -1 is 0, not a trap.
  const int64_t mod = divisor_ == -1 ? 0 : dividend % divisor_;
  return mod == remainder_;
}

void ModExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(path()).append(" mod ").append(std::to_string(divisor_)).append(" % x == ");
  out->append(std::to_string(remainder_)).append("\n");
}

void ExistsExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(path()).append(" exists\n");
}

bool TypeSet::Has(bson_type_t type) const {
  if (all_numbers && IsNumber(type)) return true;
  const int code = type == BSON_TYPE_MINKEY ? -1 : static_cast<int>(type);
  return std::binary_search(codes.begin(), codes.end(), code);
}

bool TypeExpression::MatchesSingleElement(const bson_iter_t* value, MatchDetails*) const {
  return value != nullptr && types_.Has(bson_iter_type(value));
}

void TypeExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  // mongod prints MatcherTypeSet::toBSONArray() with BSONObj::toString, which
  // shows an array as a document keyed "0", "1"...
  out->append(path()).append(" $type: ");
  std::vector<std::string> items;
  if (types_.all_numbers) items.emplace_back("\"number\"");
  for (int code : types_.codes) items.push_back(std::to_string(code));
  if (items.empty()) {
    out->append("{}");
  } else {
    out->append("{ ");
    for (size_t i = 0; i < items.size(); ++i) {
      out->append(i ? ", " : "").append(std::to_string(i)).append(": ").append(items[i]);
    }
    out->append(" }");
  }
  out->append("\n");
}

InExpression::InExpression(FieldPath path, std::vector<bson_iter_t> equalities,
                           std::vector<std::unique_ptr<RegexExpression>> regexes,
                           bool null_matches_undefined)
    : LeafExpression(MatchType::kIn, std::move(path), LeafArrays::kTraverse),
      equalities_(std::move(equalities)),
      regexes_(std::move(regexes)),
      null_matches_undefined_(null_matches_undefined) {
  for (const bson_iter_t& e : equalities_) {
    if (bson_iter_type(&e) == BSON_TYPE_NULL) has_null_ = true;
  }
  std::sort(equalities_.begin(), equalities_.end(), CompareLess);
  equalities_.erase(std::unique(equalities_.begin(), equalities_.end(),
                                [](const bson_iter_t& a, const bson_iter_t& b) {
                                  return storage::CompareBsonValues(&a, &b) == 0;
                                }),
                    equalities_.end());
}

bool InExpression::MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const {
  if (has_null_) {
    if (!value) return true;
    if (bson_iter_type(value) == BSON_TYPE_UNDEFINED && null_matches_undefined_) return true;
  }
  if (value && std::binary_search(equalities_.begin(), equalities_.end(), *value, CompareLess)) {
    return true;
  }
  for (const auto& regex : regexes_) {
    if (regex->MatchesSingleElement(value, details)) return true;
  }
  return false;
}

void InExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(path()).append(" $in [ ");
  for (const bson_iter_t& e : equalities_) out->append(ShellValueString(&e)).append(" ");
  for (const auto& regex : regexes_) {
    out->append("/").append(regex->regex().pattern()).append("/");
    out->append(regex->regex().flags()).append(" ");
  }
  out->append("]\n");
}

BitTestExpression::BitTestExpression(MatchType type, FieldPath path,
                                     std::vector<uint32_t> positions)
    : LeafExpression(type, std::move(path), LeafArrays::kTraverse),
      positions_(std::move(positions)) {
  // Bits above 63 test the sign bit: numbers are sign-extended.
  for (uint32_t p : positions_) mask_ |= uint64_t{1} << std::min(p, 63U);
}

BitTestExpression::BitTestExpression(MatchType type, FieldPath path, uint64_t mask)
    : LeafExpression(type, std::move(path), LeafArrays::kTraverse), mask_(mask) {
  for (uint32_t bit = 0; bit < 64; ++bit) {
    if (mask_ & (uint64_t{1} << bit)) positions_.push_back(bit);
  }
}

BitTestExpression::BitTestExpression(MatchType type, FieldPath path, const uint8_t* bytes,
                                     uint32_t len)
    : LeafExpression(type, std::move(path), LeafArrays::kTraverse) {
  for (uint32_t i = 0; i < len; ++i) {
    const auto byte = static_cast<signed char>(bytes[i]);
    if (!byte) continue;
    if (i < 8) {
      // mongod widens the (signed) char before shifting, so a byte >= 0x80
      // also sets every higher bit of the numeric mask; kept for fidelity.
      mask_ |= static_cast<uint64_t>(static_cast<int64_t>(byte)) << (i * 8);
    } else {
      mask_ |= uint64_t{1} << 63;
    }
    for (uint32_t bit = 0; bit < 8; ++bit) {
      if (bytes[i] & (1U << bit)) positions_.push_back(8 * i + bit);
    }
  }
}

bool BitTestExpression::TestNumber(int64_t value) const {
  const uint64_t v = static_cast<uint64_t>(value);
  switch (type()) {
    case MatchType::kBitsAllSet:
      return (v & mask_) == mask_;
    case MatchType::kBitsAllClear:
      return (~v & mask_) == mask_;
    case MatchType::kBitsAnySet:
      return (v & mask_) != 0;
    default:
      return (~v & mask_) != 0;
  }
}

bool BitTestExpression::TestBinary(const uint8_t* bytes, uint32_t len) const {
  const MatchType t = type();
  for (uint32_t position : positions_) {
    // Positions past the data read as 0 (zero extension).
    const bool set = position < static_cast<uint64_t>(len) * 8 &&
                     (bytes[position / 8] & (1U << (position % 8))) != 0;
    const bool go_on = (set && (t == MatchType::kBitsAllSet || t == MatchType::kBitsAnyClear)) ||
                       (!set && (t == MatchType::kBitsAllClear || t == MatchType::kBitsAnySet));
    if (!go_on) return t == MatchType::kBitsAnySet || t == MatchType::kBitsAnyClear;
  }
  return t == MatchType::kBitsAllSet || t == MatchType::kBitsAllClear;
}

bool BitTestExpression::MatchesSingleElement(const bson_iter_t* value, MatchDetails*) const {
  if (!value) return false;
  switch (bson_iter_type(value)) {
    case BSON_TYPE_BINARY: {
      const uint8_t* data = nullptr;
      uint32_t len = 0;
      BinData(value, &data, &len);
      return TestBinary(data, len);
    }
    case BSON_TYPE_INT32:
      return TestNumber(bson_iter_int32(value));
    case BSON_TYPE_INT64:
      return TestNumber(bson_iter_int64(value));
    case BSON_TYPE_DOUBLE: {
      // Only doubles that are exactly an int64 take part.
      const double d = bson_iter_double(value);
      if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) return false;
      if (d != static_cast<double>(static_cast<int64_t>(d))) return false;
      return TestNumber(static_cast<int64_t>(d));
    }
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t raw;
      bson_iter_decimal128(value, &raw);
      const Decimal d = Decimal::From(raw);
      const std::optional<int64_t> v = d.TruncatedInt64();
      if (!d.IsIntegral() || !v) return false;
      return TestNumber(*v);
    }
    default:
      return false;
  }
}

void BitTestExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  const char* name = type() == MatchType::kBitsAllSet     ? "$bitsAllSet"
                     : type() == MatchType::kBitsAllClear ? "$bitsAllClear"
                     : type() == MatchType::kBitsAnySet   ? "$bitsAnySet"
                                                          : "$bitsAnyClear";
  out->append(path()).append(" ").append(name).append(": [");
  for (size_t i = 0; i < positions_.size(); ++i) {
    out->append(i ? ", " : "").append(std::to_string(positions_[i]));
  }
  // mongod ends this one line without a newline (BitTestMatchExpression::debugString).
  out->append("]");
}

}  // namespace basalt::query
