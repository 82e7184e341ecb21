// Exact decimal expansions of int64, double and decimal128 values: the common
// form in which key_string.cpp encodes every number, so that values of
// different types compare exactly and equal values encode identically.

#include <bit>
#include <cstring>

#include "storage/key_string.h"

namespace basalt::storage::key_string_internal {
namespace {

// An unsigned integer of up to kMaxLimbs * 32 bits on the stack: a double's
// exact expansion needs m * 5^1074 < 2^2547 (or m * 2^971 < 2^1024), and
// encoding a number must not allocate.
class BigUInt {
 public:
  explicit BigUInt(uint64_t v) {
    limbs_[0] = static_cast<uint32_t>(v);
    limbs_[1] = static_cast<uint32_t>(v >> 32);
    size_ = limbs_[1] ? 2 : (limbs_[0] ? 1 : 0);
  }

  void Multiply(uint32_t factor) {
    uint64_t carry = 0;
    for (int i = 0; i < size_; ++i) {
      uint64_t product = static_cast<uint64_t>(limbs_[i]) * factor + carry;
      limbs_[i] = static_cast<uint32_t>(product);
      carry = product >> 32;
    }
    if (carry) limbs_[size_++] = static_cast<uint32_t>(carry);
  }

  void ShiftLeft(int bits) {
    const int whole = bits / 32;
    const int part = bits % 32;
    if (size_ == 0) return;
    limbs_[size_] = 0;
    for (int i = size_; i >= 0; --i) {
      uint32_t v = limbs_[i] << part;
      if (part && i > 0) v |= limbs_[i - 1] >> (32 - part);
      limbs_[i + whole] = v;
    }
    for (int i = 0; i < whole; ++i) limbs_[i] = 0;
    size_ += whole + 1;
    while (size_ > 0 && limbs_[size_ - 1] == 0) --size_;
  }

  // Divides in place; returns the remainder.
  uint32_t Divide(uint32_t divisor) {
    uint64_t rem = 0;
    for (int i = size_ - 1; i >= 0; --i) {
      uint64_t cur = (rem << 32) | limbs_[i];
      limbs_[i] = static_cast<uint32_t>(cur / divisor);
      rem = cur % divisor;
    }
    while (size_ > 0 && limbs_[size_ - 1] == 0) --size_;
    return static_cast<uint32_t>(rem);
  }

  bool IsZero() const { return size_ == 0; }

 private:
  static constexpr int kMaxLimbs = 84;
  uint32_t limbs_[kMaxLimbs];
  int size_;
};

// Writes the decimal digits of `n` (> 0) right-aligned ending at `end`;
// returns the start.
char* WriteDigits(BigUInt* n, char* end) {
  char* p = end;
  while (!n->IsZero()) {
    uint32_t chunk = n->Divide(1000000000);
    char* chunk_end = p;
    for (int i = 0; i < 9; ++i) {
      *--p = static_cast<char>('0' + chunk % 10);
      chunk /= 10;
    }
    // The most significant chunk has no leading zeros.
    if (n->IsZero()) {
      while (p < chunk_end && *p == '0') ++p;
    }
  }
  return p;
}

char* WriteDigits(uint64_t n, char* end) {
  char* p = end;
  while (n) {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  return p;
}

char* WriteDigits(unsigned __int128 n, char* end) {
  char* p = end;
  while (n) {
    *--p = static_cast<char>('0' + static_cast<int>(n % 10));
    n /= 10;
  }
  return p;
}

// Fills `out` from the integer digits [begin, end) times 10^scale.
void SetDigits(const char* begin, const char* end, int scale, DecimalDigits* out) {
  int count = static_cast<int>(end - begin);
  out->exponent = count - 1 + scale;
  while (count > 1 && begin[count - 1] == '0') --count;
  std::memcpy(out->digits, begin, count);
  out->count = count;
}

}  // namespace

void UInt64ToDigits(uint64_t v, DecimalDigits* out) {
  char buf[24];
  char* end = buf + sizeof(buf);
  SetDigits(WriteDigits(v, end), end, 0, out);
}

void DoubleToDigits(double v, DecimalDigits* out) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  uint64_t m = bits & ((uint64_t{1} << 52) - 1);
  int e;  // v == m * 2^e
  if (biased == 0) {
    e = -1074;
  } else {
    m |= uint64_t{1} << 52;
    e = biased - 1075;
  }
  const int zeros = std::countr_zero(m);
  m >>= zeros;
  e += zeros;

  char buf[kMaxDigits + 16];
  char* end = buf + sizeof(buf);
  if (e >= 0) {
    if (e <= 10) {  // m < 2^53, so m * 2^e < 2^63
      UInt64ToDigits(m << e, out);
      return;
    }
    BigUInt n(m);
    n.ShiftLeft(e);
    SetDigits(WriteDigits(&n, end), end, 0, out);
    return;
  }
  // m * 2^-k == m * 5^k * 10^-k.
  const int k = -e;
  if (k <= 32) {  // m * 5^32 < 2^53 * 2^75 fits in 128 bits
    unsigned __int128 n = m;
    for (int i = 0; i < k; ++i) n *= 5;
    SetDigits(WriteDigits(n, end), end, -k, out);
    return;
  }
  BigUInt n(m);
  int left = k;
  for (; left >= 13; left -= 13) n.Multiply(1220703125);  // 5^13 < 2^32
  uint32_t rest = 1;
  for (; left > 0; --left) rest *= 5;
  n.Multiply(rest);
  SetDigits(WriteDigits(&n, end), end, -k, out);
}

NumberClass Decimal128ToDigits(const bson_decimal128_t& d, DecimalDigits* out) {
  const uint64_t high = d.high;
  const bool negative = high >> 63;
  // The combination field (bits 62..58): 11111 is NaN, 11110 infinity, and
  // 11xxx otherwise a coefficient of 100 followed by 111 bits, which is above
  // 10^34 - 1 and so non-canonical: zero.
  if (((high >> 58) & 0x1F) == 0x1F) return NumberClass::kNaN;
  if (((high >> 58) & 0x1F) == 0x1E) {
    return negative ? NumberClass::kNegativeInfinity : NumberClass::kPositiveInfinity;
  }
  if (((high >> 61) & 3) == 3) return NumberClass::kZero;

  const int exponent = static_cast<int>((high >> 49) & 0x3FFF) - 6176;
  const unsigned __int128 coefficient =
      (static_cast<unsigned __int128>(high & ((uint64_t{1} << 49) - 1)) << 64) | d.low;
  static constexpr unsigned __int128 kTen17 = 100000000000000000ULL;
  if (coefficient == 0 || coefficient >= kTen17 * kTen17) return NumberClass::kZero;

  char buf[48];
  char* end = buf + sizeof(buf);
  SetDigits(WriteDigits(coefficient, end), end, exponent, out);
  return negative ? NumberClass::kNegative : NumberClass::kPositive;
}

}  // namespace basalt::storage::key_string_internal
