// $bucketAuto's `granularity`: rounding bucket boundaries up and down to a
// preferred-number series (Renard R5..R80, 1-2-5, E6..E192) or to powers of
// two, as mongod's granularity_rounder_*.cpp. Only non-negative numbers can
// be rounded; other inputs get mongod's codes (40262/40263/40268 for the
// series, 40265/40266/40267 for POWERSOF2).
//
// Decimal128 inputs round in decimal128 for the series (as mongod); for
// POWERSOF2 they round in double precision and return int/long/double powers
// (mongod returns decimal128).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "query/expression_value.h"

namespace basalt::query {

class GranularityRounder {
 public:
  virtual ~GranularityRounder() = default;
  // The smallest series value strictly greater than `v` (0 stays 0).
  virtual StatusWith<Value> RoundUp(const Value& v) const = 0;
  // The largest series value strictly less than `v` (0 stays 0).
  virtual StatusWith<Value> RoundDown(const Value& v) const = 0;
  virtual std::string_view name() const = 0;
};

// 40257 "Unknown rounding granularity 'x'" for a name mongod does not know.
StatusWith<std::shared_ptr<const GranularityRounder>> MakeGranularityRounder(std::string_view name);

}  // namespace basalt::query
