// Window bounds: parsing `window: {documents | range [, unit]}` as mongod's
// window_bounds.cpp does, and turning them into index ranges per document.

#include <algorithm>

#include "query/numbers.h"
#include "query/value_formula.h"
#include "query/window_function.h"

namespace basalt::query {
namespace {

Status Fail(std::string message) { return Status(ErrorCodes::FailedToParse, std::move(message)); }

bool IsTimeUnit(std::string_view unit) {
  for (std::string_view u :
       {"year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"}) {
    if (u == unit) return true;
  }
  return false;
}

// One bound: "unbounded", "current" or a constant expression, checked by
// `accept` (which returns the error message, empty when the value is fine).
StatusWith<WindowBound> ParseBound(const bson_iter_t* elem, const VariablesParseState& vps,
                                   std::string (*accept)(const Value&)) {
  WindowBound bound;
  if (BSON_ITER_HOLDS_UTF8(elem)) {
    if (Utf8Of(elem) == "unbounded") return bound;
    if (Utf8Of(elem) == "current") {
      bound.kind = WindowBound::Kind::kCurrent;
      return bound;
    }
    return Fail("Window bounds must be 'unbounded', 'current', or a number.");
  }
  auto expr = ParseAndOptimize(elem, vps);
  if (!expr.ok()) return expr.status();
  if (expr.value()->constant() == nullptr) {
    return Fail("Window bounds expression must be a constant.");
  }
  const Value& v = *expr.value()->constant();
  if (std::string error = accept(v); !error.empty()) return Fail(error);
  bound.kind = WindowBound::Kind::kOffset;
  bound.offset = v;
  return bound;
}

Status CheckForward(const WindowBound& lower, const WindowBound& upper) {
  auto value = [](const WindowBound& b) {
    return b.kind == WindowBound::Kind::kCurrent ? Value::Int32(0) : b.offset;
  };
  if (lower.kind == WindowBound::Kind::kUnbounded || upper.kind == WindowBound::Kind::kUnbounded) {
    return Status::OK();
  }
  const Value lo = value(lower), hi = value(upper);
  if (CompareValues(lo, hi) > 0) {
    return Status(5339900, "Lower bound must not exceed upper bound: [" + lo.ToString() + ", " +
                               hi.ToString() + "]");
  }
  return Status::OK();
}

// The two elements of a bounds array ("documents: [a, b]").
Status Unpack(const bson_iter_t* elem, bson_iter_t* lower, bson_iter_t* upper) {
  const std::string message = "Window bounds must be a 2-element array: " + ElementString(elem);
  if (!BSON_ITER_HOLDS_ARRAY(elem)) return Fail(message);
  bson_iter_t it;
  bson_iter_recurse(elem, &it);
  if (!bson_iter_next(&it)) return Fail(message);
  *lower = it;
  if (!bson_iter_next(&it)) return Fail(message);
  *upper = it;
  if (bson_iter_next(&it)) return Fail(message);
  return Status::OK();
}

std::string AcceptInteger(const Value& v) {
  return v.Integral() ? "" : "Numeric document-based bounds must be an integer";
}
std::string AcceptUnitInteger(const Value& v) {
  return v.Integral64() ? "" : "With 'unit', range-based bounds must be an integer";
}
std::string AcceptNumber(const Value& v) {
  return v.numeric() ? "" : "Range-based bounds expression must be a number";
}

}  // namespace

StatusWith<WindowBounds> ParseWindowBounds(const bson_iter_t* window, const SortPattern* sort_by,
                                           const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(window)) return Fail("'window' field must be an object");
  bson_iter_t it, documents, range, unit;
  bool has_documents = false, has_range = false, has_unit = false;
  int fields = 0;
  bson_iter_recurse(window, &it);
  while (bson_iter_next(&it)) {
    ++fields;
    const std::string_view key = KeyOf(&it);
    if (key == "documents" && !has_documents) {
      documents = it;
      has_documents = true;
    } else if (key == "range" && !has_range) {
      range = it;
      has_range = true;
    } else if (key == "unit" && !has_unit) {
      unit = it;
      has_unit = true;
    }
  }
  if (has_documents && has_range) {
    return Fail("Window bounds can specify either 'documents' or 'unit', not both.");
  }
  if (!has_range && has_unit) {
    return Fail("Window bounds can only specify 'unit' with range-based bounds.");
  }
  WindowBounds bounds;
  if (!has_range && !has_documents) {
    if (fields != 0) {
      return Fail(
          "'window' field can only contain 'documents' as the only argument or 'range' with an "
          "optional 'unit' field");
    }
    return bounds;
  }
  bson_iter_t lower, upper;
  if (has_documents) {
    if (fields != 1)
      return Fail("'window' field that specifies documents cannot have other fields");
    if (Status s = Unpack(&documents, &lower, &upper); !s.ok()) return s;
    auto lo = ParseBound(&lower, vps, AcceptInteger);
    if (!lo.ok()) return lo.status();
    auto hi = ParseBound(&upper, vps, AcceptInteger);
    if (!hi.ok()) return hi.status();
    bounds.lower = lo.value();
    bounds.upper = hi.value();
    if (Status s = CheckForward(bounds.lower, bounds.upper); !s.ok()) return s;
    if (!bounds.WholePartition() && sort_by == nullptr) {
      return Status(5339901, "Document-based bounds require a sortBy");
    }
    return bounds;
  }
  bounds.range = true;
  if (Status s = Unpack(&range, &lower, &upper); !s.ok()) return s;
  auto accept = AcceptNumber;
  if (has_unit) {
    if (fields != 2) {
      return Fail("'window' field that specifies unit cannot have other fields besides 'range'");
    }
    if (!BSON_ITER_HOLDS_UTF8(&unit)) return Fail("'unit' must be a string");
    bounds.unit = std::string(Utf8Of(&unit));
    accept = AcceptUnitInteger;
  } else if (fields != 1) {
    return Fail("'window' field that specifies range cannot have other fields besides 'unit'");
  }
  auto lo = ParseBound(&lower, vps, accept);
  if (!lo.ok()) return lo.status();
  auto hi = ParseBound(&upper, vps, accept);
  if (!hi.ok()) return hi.status();
  bounds.lower = lo.value();
  bounds.upper = hi.value();
  if (Status s = CheckForward(bounds.lower, bounds.upper); !s.ok()) return s;
  if (has_unit && !IsTimeUnit(bounds.unit)) {
    return Fail("unknown time unit value: " + bounds.unit);
  }
  if (sort_by == nullptr || sort_by->size() != 1) {
    return Status(5339902, "Range-based bounds require sortBy a single field");
  }
  if (sort_by->descending()[0]) {
    return Status(8947401, "Range-based bounds require an ascending sortBy");
  }
  auto add = bounds.unit.empty()
                 ? ValueFormula::Make(R"({"$add": ["$$a", "$$b"]})", {"a", "b"})
                 : ValueFormula::Make(R"({"$dateAdd": {"startDate": "$$a", "unit": ")" +
                                          bounds.unit + R"(", "amount": "$$b"}})",
                                      {"a", "b"});
  if (!add.ok()) return add.status();
  bounds.add = std::make_shared<const ValueFormula>(std::move(add.value()));
  return bounds;
}

StatusWith<std::vector<std::pair<size_t, size_t>>> WindowIndexes(const WindowBounds& bounds,
                                                                 const WindowPartition& p) {
  const size_t n = p.docs->size();
  std::vector<std::pair<size_t, size_t>> out(n);
  if (!bounds.range) {
    auto clamp = [n](int64_t v) {
      return static_cast<size_t>(std::clamp<int64_t>(v, 0, static_cast<int64_t>(n)));
    };
    auto offset = [](const WindowBound& b) {
      return b.kind == WindowBound::Kind::kCurrent ? 0 : b.offset.CoerceToLong();
    };
    for (size_t i = 0; i < n; ++i) {
      const int64_t at = static_cast<int64_t>(i);
      out[i].first =
          bounds.lower.kind == WindowBound::Kind::kUnbounded ? 0 : clamp(at + offset(bounds.lower));
      out[i].second = bounds.upper.kind == WindowBound::Kind::kUnbounded
                          ? n
                          : clamp(at + offset(bounds.upper) + 1);
    }
    return out;
  }
  // Range: the sortBy values, checked as mongod checks each current one.
  std::vector<Value> keys(n);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = EvaluatePath((*p.docs)[i].get(), *p.sort_path, 0);
    const Value& k = keys[i];
    const std::string type(ValueTypeName(k));
    if (!bounds.unit.empty()) {
      if (k.type() != BSON_TYPE_DATE_TIME) {
        return Status(5429513,
                      "Invalid range: Expected the sortBy field to be a Date, but it was " + type);
      }
    } else if (k.type() == BSON_TYPE_DATE_TIME) {
      return Status(5429413,
                    "Invalid range: For windows that involve date or time ranges, a unit must be "
                    "provided.");
    } else if (!k.numeric()) {
      return Status(5429414,
                    "Invalid range: Expected the sortBy field to be a number, but it was " + type);
    }
  }
  auto edge = [&](const WindowBound& b, const Value& base) -> StatusWith<Value> {
    if (b.kind == WindowBound::Kind::kCurrent) return base;
    return bounds.add->Eval({base, b.offset});
  };
  size_t begin = 0, end = 0;
  for (size_t i = 0; i < n; ++i) {
    if (bounds.lower.kind == WindowBound::Kind::kUnbounded) {
      begin = 0;
    } else {
      auto lo = edge(bounds.lower, keys[i]);
      if (!lo.ok()) return lo.status();
      while (begin < n && CompareValues(keys[begin], lo.value()) < 0) ++begin;
    }
    if (bounds.upper.kind == WindowBound::Kind::kUnbounded) {
      end = n;
    } else {
      auto hi = edge(bounds.upper, keys[i]);
      if (!hi.ok()) return hi.status();
      while (end < n && CompareValues(keys[end], hi.value()) <= 0) ++end;
    }
    out[i] = {begin, end};
  }
  return out;
}

Status WindowMemoryError(uint64_t used, uint64_t limit) {
  return Status(5414201, "Exceeded memory limit in DocumentSourceSetWindowFields, used " +
                             std::to_string(used) + " bytes but max allowed is " +
                             std::to_string(limit));
}

StatusWith<std::vector<Value>> EvaluateEach(const Expression& expr, const WindowPartition& p) {
  std::vector<Value> out;
  out.reserve(p.docs->size());
  for (const Bson& doc : *p.docs) {
    EvalContext ctx{doc.get(), p.vars};
    auto v = expr.Evaluate(ctx);
    if (!v.ok()) return v.status();
    out.push_back(std::move(v.value()));
  }
  return out;
}

}  // namespace basalt::query
