#include "query/granularity_rounder.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "query/expression_decimal.h"

namespace basalt::query {
namespace {

// The series of mongod's granularity_rounder_preferred_numbers.cpp, scaled
// so that each holds integers; rounding multiplies them by powers of ten.
const std::vector<double> kR5{10, 16, 25, 40, 63};
const std::vector<double> kR10{100, 125, 160, 200, 250, 315, 400, 500, 630, 800};
const std::vector<double> kR20{100, 112, 125, 140, 160, 180, 200, 224, 250, 280,
                               315, 355, 400, 450, 500, 560, 630, 710, 800, 900};
const std::vector<double> kR40{100, 106, 112, 118, 125, 132, 140, 150, 160, 170, 180, 190, 200,
                               212, 224, 236, 250, 265, 280, 300, 315, 355, 375, 400, 425, 450,
                               475, 500, 530, 560, 600, 630, 670, 710, 750, 800, 850, 900, 950};
const std::vector<double> kR80{103, 109, 115, 122, 128, 136, 145, 155, 165, 175, 185, 195, 206, 218,
                               230, 243, 258, 272, 290, 307, 325, 345, 365, 387, 412, 437, 462, 487,
                               515, 545, 575, 615, 650, 690, 730, 775, 825, 875, 925, 975};
const std::vector<double> k125{10, 20, 50};
const std::vector<double> kE6{10, 15, 22, 33, 47, 68};
const std::vector<double> kE12{10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82};
const std::vector<double> kE24{10, 11, 12, 13, 15, 16, 18, 20, 22, 24, 27, 30,
                               33, 36, 39, 43, 47, 51, 56, 62, 68, 75, 82, 91};
const std::vector<double> kE48{100, 105, 110, 115, 121, 127, 133, 140, 147, 154, 162, 169,
                               178, 187, 196, 205, 215, 226, 237, 249, 261, 274, 287, 301,
                               316, 332, 348, 365, 383, 402, 422, 442, 464, 487, 511, 536,
                               562, 590, 619, 649, 681, 715, 750, 787, 825, 866, 909, 953};
const std::vector<double> kE96{100, 102, 105, 107, 110, 113, 115, 118, 121, 124, 127, 130, 133, 137,
                               140, 143, 147, 150, 154, 158, 162, 165, 169, 174, 178, 182, 187, 191,
                               196, 200, 205, 210, 215, 221, 226, 232, 237, 243, 249, 255, 261, 267,
                               274, 280, 287, 294, 301, 309, 316, 324, 332, 340, 348, 357, 365, 374,
                               383, 392, 402, 412, 422, 432, 442, 453, 464, 475, 487, 499, 511, 523,
                               536, 549, 562, 576, 590, 604, 619, 634, 649, 665, 681, 698, 715, 732,
                               750, 768, 787, 806, 825, 845, 866, 887, 909, 931, 953, 976};
const std::vector<double> kE192{
    100, 101, 102, 104, 105, 106, 107, 109, 110, 111, 113, 114, 115, 117, 118, 120, 121, 123,
    124, 126, 127, 129, 130, 132, 133, 135, 137, 138, 140, 142, 143, 145, 147, 149, 150, 152,
    154, 156, 158, 160, 162, 164, 165, 167, 169, 172, 174, 176, 178, 180, 182, 184, 187, 189,
    191, 193, 196, 198, 200, 203, 205, 208, 210, 213, 215, 218, 221, 223, 226, 229, 232, 234,
    237, 240, 243, 246, 249, 252, 255, 258, 261, 264, 267, 271, 274, 277, 280, 284, 287, 291,
    294, 298, 301, 305, 309, 312, 316, 320, 324, 328, 332, 336, 340, 344, 348, 352, 357, 361,
    365, 370, 374, 379, 383, 388, 392, 397, 402, 407, 412, 417, 422, 427, 432, 437, 442, 448,
    453, 459, 464, 470, 475, 481, 487, 493, 499, 505, 511, 517, 523, 530, 536, 542, 549, 556,
    562, 569, 576, 583, 590, 597, 604, 612, 619, 626, 634, 642, 649, 657, 665, 673, 681, 690,
    698, 706, 715, 723, 732, 741, 750, 759, 768, 777, 787, 796, 806, 816, 825, 835, 845, 856,
    866, 876, 887, 898, 909, 920, 931, 942, 953, 965, 976, 988};

// The codes differ between the two rounder families, as in mongod.
struct Codes {
  int not_numeric, nan, negative;
};

Status CheckRoundable(const Value& v, const Codes& codes) {
  if (!v.numeric()) {
    return Status(codes.not_numeric,
                  "A granularity rounder can only round numeric values, but found type: " +
                      std::string(ValueTypeName(v)));
  }
  const double d = v.CoerceToDouble();
  if (std::isnan(d)) return Status(codes.nan, "A granularity rounder cannot round NaN");
  if (d < 0) {
    return Status(codes.negative, "A granularity rounder can only round non-negative numbers");
  }
  return Status::OK();
}

class PreferredNumbersRounder : public GranularityRounder {
 public:
  PreferredNumbersRounder(const std::vector<double>& series, std::string name)
      : series_(series), name_(std::move(name)) {}

  // The same floating-point steps as mongod, so that the doubles agree.
  StatusWith<Value> RoundUp(const Value& v) const override {
    if (Status s = CheckRoundable(v, kCodes); !s.ok()) return s;
    const double number = v.CoerceToDouble();
    // Infinity has no series value above or below it (mongod would not stop).
    if (number == 0.0 || std::isinf(number)) return v;
    if (v.type() == BSON_TYPE_DECIMAL128) return Value::Decimal(DecimalRoundUp(v.decimal()));
    double multiplier = 1.0;
    while (number >= series_.back() * multiplier) multiplier *= 10.0;
    while (number < series_.front() * multiplier) {
      const double previous_min = series_.front() * multiplier;
      multiplier /= 10.0;
      if (number >= series_.back() * multiplier) return Value::Double(previous_min);
    }
    auto it = std::upper_bound(series_.begin(), series_.end(), number,
                               [multiplier](double n, double s) { return n < s * multiplier; });
    return Value::Double(*it * multiplier);
  }

  StatusWith<Value> RoundDown(const Value& v) const override {
    if (Status s = CheckRoundable(v, kCodes); !s.ok()) return s;
    const double number = v.CoerceToDouble();
    // Infinity has no series value above or below it (mongod would not stop).
    if (number == 0.0 || std::isinf(number)) return v;
    if (v.type() == BSON_TYPE_DECIMAL128) return Value::Decimal(DecimalRoundDown(v.decimal()));
    double multiplier = 1.0;
    while (number <= series_.front() * multiplier) multiplier /= 10.0;
    while (number > series_.back() * multiplier) {
      const double previous_max = series_.back() * multiplier;
      multiplier *= 10.0;
      if (number <= series_.front() * multiplier) return Value::Double(previous_max);
    }
    auto it = std::lower_bound(series_.begin(), series_.end(), number,
                               [multiplier](double s, double n) { return s * multiplier < n; });
    return Value::Double(*(it - 1) * multiplier);
  }

  std::string_view name() const override { return name_; }

 private:
  static constexpr Codes kCodes{40262, 40263, 40268};

  // The same steps in decimal128, as mongod keeps decimal inputs decimal.
  using Dec = bson_decimal128_t;
  Dec Scaled(size_t i, Dec multiplier) const {
    return decimal::Multiply(decimal::FromDouble(series_[i]), multiplier);
  }
  static bool Less(Dec a, Dec b) { return decimal::Compare(a, b) < 0; }

  Dec DecimalRoundUp(Dec number) const {
    const Dec ten = decimal::FromInt64(10);
    const size_t last = series_.size() - 1;
    Dec multiplier = decimal::FromInt64(1);
    while (!Less(number, Scaled(last, multiplier))) multiplier = decimal::Multiply(multiplier, ten);
    while (Less(number, Scaled(0, multiplier))) {
      const Dec previous_min = Scaled(0, multiplier);
      multiplier = decimal::Divide(multiplier, ten);
      if (!Less(number, Scaled(last, multiplier))) return previous_min;
    }
    size_t i = 0;
    while (!Less(number, Scaled(i, multiplier))) ++i;  // the first greater than number
    return Scaled(i, multiplier);
  }

  Dec DecimalRoundDown(Dec number) const {
    const Dec ten = decimal::FromInt64(10);
    const size_t last = series_.size() - 1;
    Dec multiplier = decimal::FromInt64(1);
    while (!Less(Scaled(0, multiplier), number)) multiplier = decimal::Divide(multiplier, ten);
    while (Less(Scaled(last, multiplier), number)) {
      const Dec previous_max = Scaled(last, multiplier);
      multiplier = decimal::Multiply(multiplier, ten);
      if (!Less(Scaled(0, multiplier), number)) return previous_max;
    }
    size_t i = 0;
    while (Less(Scaled(i, multiplier), number)) ++i;  // the first not less than number
    return Scaled(i - 1, multiplier);
  }

  const std::vector<double>& series_;
  std::string name_;
};

class PowersOfTwoRounder : public GranularityRounder {
 public:
  StatusWith<Value> RoundUp(const Value& v) const override {
    if (Status s = CheckRoundable(v, kCodes); !s.ok()) return s;
    if (v.CoerceToDouble() == 0.0 || std::isinf(v.CoerceToDouble())) return v;
    if (IsFloating(v))
      return Power(static_cast<int>(std::floor(std::log2(v.CoerceToDouble())) + 1));
    const uint64_t n = static_cast<uint64_t>(v.CoerceToLong());
    return Power(64 - std::countl_zero(n));
  }

  StatusWith<Value> RoundDown(const Value& v) const override {
    if (Status s = CheckRoundable(v, kCodes); !s.ok()) return s;
    if (v.CoerceToDouble() == 0.0 || std::isinf(v.CoerceToDouble())) return v;
    if (IsFloating(v)) return Power(static_cast<int>(std::ceil(std::log2(v.CoerceToDouble())) - 1));
    const uint64_t n = static_cast<uint64_t>(v.CoerceToLong());
    const int highest = 63 - std::countl_zero(n);
    return Power(std::has_single_bit(n) ? highest - 1 : highest);
  }

  std::string_view name() const override { return "POWERSOF2"; }

 private:
  static constexpr Codes kCodes{40265, 40266, 40267};

  static bool IsFloating(const Value& v) {
    return v.type() == BSON_TYPE_DOUBLE || v.type() == BSON_TYPE_DECIMAL128;
  }
  // {$pow: [2, exp]} with int operands: int when it fits, then long, then double.
  static Value Power(int exp) {
    if (exp < 0) return Value::Double(std::ldexp(1.0, exp));
    if (exp < 31) return Value::Int32(int32_t{1} << exp);
    if (exp < 63) return Value::Int64(int64_t{1} << exp);
    return Value::Double(std::ldexp(1.0, exp));
  }
};

}  // namespace

StatusWith<std::shared_ptr<const GranularityRounder>> MakeGranularityRounder(
    std::string_view name) {
  struct Named {
    std::string_view name;
    const std::vector<double>* series;
  };
  static const Named kSeries[] = {{"R5", &kR5},   {"R10", &kR10}, {"R20", &kR20},
                                  {"R40", &kR40}, {"R80", &kR80}, {"1-2-5", &k125},
                                  {"E6", &kE6},   {"E12", &kE12}, {"E24", &kE24},
                                  {"E48", &kE48}, {"E96", &kE96}, {"E192", &kE192}};
  for (const Named& s : kSeries) {
    if (s.name == name) {
      return std::shared_ptr<const GranularityRounder>(
          std::make_shared<PreferredNumbersRounder>(*s.series, std::string(name)));
    }
  }
  if (name == "POWERSOF2") {
    return std::shared_ptr<const GranularityRounder>(std::make_shared<PowersOfTwoRounder>());
  }
  return Status(40257, "Unknown rounding granularity '" + std::string(name) + "'");
}

}  // namespace basalt::query
