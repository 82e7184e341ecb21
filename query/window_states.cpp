#include "query/window_states.h"

#include <cmath>
#include <deque>
#include <limits>
#include <set>

#include "query/expression_decimal.h"

namespace basalt::query {
namespace {

struct ValueLess {
  bool operator()(const Value& a, const Value& b) const { return CompareValues(a, b) < 0; }
};

// mongod's RemovableSum: integers exactly, doubles and decimals apart, and
// NaN/infinities counted (they cannot be subtracted back out).
class SumState : public WindowState {
 public:
  explicit SumState(bool average) : average_(average) {}
  void Add(const Value& v) override { Update(v, 1); }
  void Remove(const Value& v) override { Update(v, -1); }
  void Reset() override { *this = SumState(average_); }
  size_t MemoryUsage() const override { return sizeof(*this); }

  Value Result() const override {
    if (average_ && count_ == 0) return Value::Null();
    const bool decimal = decimals_ > 0;
    auto special = [&](double d) {
      if (!decimal) return Value::Double(d);
      return Value::Decimal(decimal::FromDouble(d));
    };
    if (nans_ > 0 || (pos_inf_ > 0 && neg_inf_ > 0)) {
      return special(std::numeric_limits<double>::quiet_NaN());
    }
    if (pos_inf_ > 0) return special(std::numeric_limits<double>::infinity());
    if (neg_inf_ > 0) return special(-std::numeric_limits<double>::infinity());
    if (decimal) {
      bson_decimal128_t total = decimal::Add(decimal_, decimal::FromString(IntsString().c_str()));
      if (doubles_ > 0) total = decimal::Add(total, decimal::FromDouble34(double_ + comp_));
      if (average_) total = decimal::Divide(total, decimal::FromInt64(count_));
      return Value::Decimal(total);
    }
    const double as_double = static_cast<double>(ints_) + (double_ + comp_);
    if (average_) return Value::Double(as_double / static_cast<double>(count_));
    if (doubles_ > 0) return Value::Double(as_double);
    if (ints_ >= std::numeric_limits<int64_t>::min() &&
        ints_ <= std::numeric_limits<int64_t>::max()) {
      return Value::IntOrLong(static_cast<int64_t>(ints_));
    }
    return Value::Double(as_double);
  }

 private:
  void Update(const Value& v, int sign) {
    if (!v.numeric()) return;
    count_ += sign;
    switch (v.type()) {
      case BSON_TYPE_INT32:
        ints_ += sign * static_cast<__int128>(v.int32());
        return;
      case BSON_TYPE_INT64:
        ints_ += sign * static_cast<__int128>(v.int64());
        return;
      case BSON_TYPE_DOUBLE: {
        doubles_ += sign;
        const double d = v.dbl();
        if (std::isnan(d)) {
          nans_ += sign;
        } else if (std::isinf(d)) {
          (d > 0 ? pos_inf_ : neg_inf_) += sign;
        } else {
          AddDouble(sign * d);
        }
        return;
      }
      default: {
        decimals_ += sign;
        const bson_decimal128_t d = v.decimal();
        if (decimal::IsNaN(d)) {
          nans_ += sign;
        } else if (decimal::IsInfinite(d)) {
          (decimal::IsNegative(d) ? neg_inf_ : pos_inf_) += sign;
        } else {
          decimal_ = sign > 0 ? decimal::Add(decimal_, d) : decimal::Subtract(decimal_, d);
        }
      }
    }
  }

  // Neumaier's compensated summation, as $group's $sum.
  void AddDouble(double x) {
    const double t = double_ + x;
    comp_ += std::fabs(double_) >= std::fabs(x) ? (double_ - t) + x : (x - t) + double_;
    double_ = t;
  }

  std::string IntsString() const {
    const bool negative = ints_ < 0;
    unsigned __int128 m = negative ? -static_cast<unsigned __int128>(ints_) : ints_;
    std::string digits;
    do {
      digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
      m /= 10;
    } while (m != 0);
    return negative ? "-" + digits : digits;
  }

  bool average_;
  int64_t count_ = 0, doubles_ = 0, decimals_ = 0, nans_ = 0, pos_inf_ = 0, neg_inf_ = 0;
  __int128 ints_ = 0;
  double double_ = 0, comp_ = 0;
  bson_decimal128_t decimal_ = decimal::FromInt64(0);
};

class CountState : public WindowState {
 public:
  void Add(const Value&) override { ++count_; }
  void Remove(const Value&) override { --count_; }
  Value Result() const override { return Value::IntOrLong(count_); }
  void Reset() override { count_ = 0; }
  size_t MemoryUsage() const override { return sizeof(*this); }

 private:
  int64_t count_ = 0;
};

// Ordered values: $min and $max (non-null values), $addToSet (distinct,
// ascending).
class OrderedState : public WindowState {
 public:
  enum class Kind { kMin, kMax, kAddToSet };
  explicit OrderedState(Kind kind) : kind_(kind) {}
  void Add(const Value& v) override {
    if (Skip(v)) return;
    memory_ += v.ApproximateSize();
    values_.insert(v);
  }
  void Remove(const Value& v) override {
    if (Skip(v)) return;
    auto it = values_.find(v);
    if (it == values_.end()) return;
    memory_ -= it->ApproximateSize();
    values_.erase(it);
  }
  Value Result() const override {
    if (kind_ == Kind::kAddToSet) {
      std::vector<Value> out;
      for (auto it = values_.begin(); it != values_.end(); it = values_.upper_bound(*it)) {
        out.push_back(*it);
      }
      return Value::Array(std::move(out));
    }
    if (values_.empty()) return Value::Null();
    return kind_ == Kind::kMin ? *values_.begin() : *values_.rbegin();
  }
  void Reset() override {
    values_.clear();
    memory_ = 0;
  }
  size_t MemoryUsage() const override { return sizeof(*this) + memory_ + 32 * values_.size(); }

 private:
  bool Skip(const Value& v) const { return kind_ == Kind::kAddToSet ? v.missing() : v.nullish(); }
  Kind kind_;
  std::multiset<Value, ValueLess> values_;
  size_t memory_ = 0;
};

class PushState : public WindowState {
 public:
  void Add(const Value& v) override {
    if (v.missing()) return;
    memory_ += v.ApproximateSize();
    values_.push_back(v);
  }
  void Remove(const Value& v) override {
    if (v.missing() || values_.empty()) return;
    memory_ -= values_.front().ApproximateSize();
    values_.pop_front();
  }
  Value Result() const override {
    return Value::Array(std::vector<Value>(values_.begin(), values_.end()));
  }
  void Reset() override {
    values_.clear();
    memory_ = 0;
  }
  size_t MemoryUsage() const override { return sizeof(*this) + memory_; }

 private:
  std::deque<Value> values_;
  size_t memory_ = 0;
};

// Welford's running means and co-moment, which can be undone value by
// value: $stdDev* use it with x = y, $covariance* with [x, y] pairs.
class CovarianceState : public WindowState {
 public:
  enum class Kind { kStdDevPop, kStdDevSamp, kCovPop, kCovSamp };
  explicit CovarianceState(Kind kind) : kind_(kind) {}
  void Add(const Value& v) override {
    double x, y;
    if (!Pair(v, &x, &y)) return;
    ++n_;
    const double dx = x - mean_x_;
    mean_x_ += dx / static_cast<double>(n_);
    mean_y_ += (y - mean_y_) / static_cast<double>(n_);
    c_ += dx * (y - mean_y_);
  }
  void Remove(const Value& v) override {
    double x, y;
    if (!Pair(v, &x, &y)) return;
    if (n_ <= 1) {
      Reset();
      return;
    }
    const double n = static_cast<double>(n_);
    const double old_x = (n * mean_x_ - x) / (n - 1);
    const double old_y = (n * mean_y_ - y) / (n - 1);
    c_ -= (x - old_x) * (y - mean_y_);
    mean_x_ = old_x;
    mean_y_ = old_y;
    --n_;
  }
  Value Result() const override {
    const bool sample = kind_ == Kind::kStdDevSamp || kind_ == Kind::kCovSamp;
    const int64_t divisor = sample ? n_ - 1 : n_;
    if (divisor <= 0) return Value::Null();
    const bool std_dev = kind_ == Kind::kStdDevPop || kind_ == Kind::kStdDevSamp;
    // Rounding can leave a tiny negative second moment behind removals.
    const double moment = std_dev && c_ < 0 ? 0.0 : c_;
    const double value = moment / static_cast<double>(divisor);
    return Value::Double(std_dev ? std::sqrt(value) : value);
  }
  void Reset() override { n_ = 0, mean_x_ = mean_y_ = c_ = 0; }
  size_t MemoryUsage() const override { return sizeof(*this); }

 private:
  // The numbers a value contributes: itself twice for $stdDev*, an array of
  // two numbers for $covariance*; false when it contributes nothing.
  bool Pair(const Value& v, double* x, double* y) const {
    if (kind_ == Kind::kStdDevPop || kind_ == Kind::kStdDevSamp) {
      if (!v.numeric()) return false;
      *x = *y = v.CoerceToDouble();
      return true;
    }
    if (!v.IsArray() || v.array().size() != 2 || !v.array()[0].numeric() ||
        !v.array()[1].numeric()) {
      return false;
    }
    *x = v.array()[0].CoerceToDouble();
    *y = v.array()[1].CoerceToDouble();
    return true;
  }
  Kind kind_;
  int64_t n_ = 0;
  double mean_x_ = 0, mean_y_ = 0, c_ = 0;
};

}  // namespace

std::unique_ptr<WindowState> MakeWindowState(std::string_view op) {
  if (op == "$sum") return std::make_unique<SumState>(false);
  if (op == "$avg") return std::make_unique<SumState>(true);
  if (op == "$count") return std::make_unique<CountState>();
  if (op == "$min") return std::make_unique<OrderedState>(OrderedState::Kind::kMin);
  if (op == "$max") return std::make_unique<OrderedState>(OrderedState::Kind::kMax);
  if (op == "$addToSet") return std::make_unique<OrderedState>(OrderedState::Kind::kAddToSet);
  if (op == "$push") return std::make_unique<PushState>();
  using C = CovarianceState::Kind;
  if (op == "$stdDevPop") return std::make_unique<CovarianceState>(C::kStdDevPop);
  if (op == "$stdDevSamp") return std::make_unique<CovarianceState>(C::kStdDevSamp);
  if (op == "$covariancePop") return std::make_unique<CovarianceState>(C::kCovPop);
  if (op == "$covarianceSamp") return std::make_unique<CovarianceState>(C::kCovSamp);
  return nullptr;
}

}  // namespace basalt::query
