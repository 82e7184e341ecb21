// Parsing $densify as mongod's DensifySpec IDL and RangeStatement::parse do.

#include "query/densify_spec.h"
#include "query/spec_rules.h"

namespace basalt::query {
namespace {

Status Unknown(std::string_view prefix, std::string_view field) {
  return Status(
      40415, "BSON field '" + std::string(prefix) + std::string(field) + "' is an unknown field.");
}

Status Missing(std::string_view path) {
  return Status(40414, "BSON field '" + std::string(path) + "' is missing but a required field");
}

Status WrongType(std::string_view path, const bson_iter_t* it, std::string_view expected) {
  return Status(ErrorCodes::TypeMismatch, "BSON field '" + std::string(path) +
                                              "' is the wrong type '" + TypeNameOf(it) +
                                              "', expected type '" + std::string(expected) + "'");
}

bool IsTimeUnit(std::string_view unit) {
  for (std::string_view u :
       {"year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"}) {
    if (u == unit) return true;
  }
  return false;
}

// range: {step, bounds, unit}.
Status ParseRange(const bson_iter_t* range, DensifySpec* spec) {
  bson_iter_t it, bounds;
  bool has_step = false, has_bounds = false;
  bson_iter_recurse(range, &it);
  while (bson_iter_next(&it)) {
    const std::string_view key = KeyOf(&it);
    if (key == "step") {
      spec->step = Value::FromIter(&it);
      has_step = true;
    } else if (key == "bounds") {
      bounds = it;
      has_bounds = true;
    } else if (key == "unit") {
      if (!BSON_ITER_HOLDS_UTF8(&it)) return WrongType("$densify.range.unit", &it, "string");
      spec->unit = std::string(Utf8Of(&it));
    } else {
      return Unknown("$densify.range.", key);
    }
  }
  if (!has_step) return Missing("$densify.range.step");
  if (!has_bounds) return Missing("$densify.range.bounds");
  const Value& step = spec->step;
  if (!step.numeric() || CompareValues(step, Value::Int32(0)) <= 0) {
    return Status(5733401,
                  "The step parameter in a range statement must be a strictly positive numeric "
                  "value");
  }
  const bool has_unit = !spec->unit.empty();
  if (has_unit) {
    if (!step.Integral64()) {
      return Status(6586400,
                    "The step parameter in a range statement must be a whole number when "
                    "densifying a date range");
    }
    if (!IsTimeUnit(spec->unit)) {
      return Status(ErrorCodes::FailedToParse, "unknown time unit value: " + spec->unit);
    }
  }
  if (BSON_ITER_HOLDS_UTF8(&bounds)) {
    const std::string_view b = Utf8Of(&bounds);
    if (b == "full") {
      spec->bounds = DensifySpec::Bounds::kFull;
    } else if (b == "partition") {
      spec->bounds = DensifySpec::Bounds::kPartition;
    } else {
      return Status(5946802, "Bounds string must either be 'full' or 'partition'");
    }
    return Status::OK();
  }
  if (!BSON_ITER_HOLDS_ARRAY(&bounds)) {
    return Status(5733404,
                  "The bounds in a range statement must be the string 'full', 'partition', or an "
                  "ascending array of two numbers or two dates");
  }
  std::vector<Value> values;
  bson_iter_t b;
  bson_iter_recurse(&bounds, &b);
  while (bson_iter_next(&b)) values.push_back(Value::FromIter(&b));
  if (values.size() != 2) {
    return Status(5733403, "A bounding array in a range statement must have exactly two elements");
  }
  if (CompareValues(values[0], values[1]) > 0) {
    return Status(5733402,
                  "A bounding array must be an ascending array of either two dates or two "
                  "numbers");
  }
  if (values[0].numeric()) {
    if (has_unit) return Status(5733409, "Numeric bounds may not have unit parameter");
    if (!values[1].numeric()) {
      return Status(5733406,
                    "A bounding array must contain either both dates or both numeric types");
    }
    if (values[0].type() != values[1].type() || values[0].type() != step.type()) {
      return Status(5876900, "Upper bound, lower bound, and step must all have the same type");
    }
  } else if (values[0].type() == BSON_TYPE_DATE_TIME) {
    if (values[1].type() != BSON_TYPE_DATE_TIME) {
      return Status(5733405,
                    "A bounding array must contain either both dates or both numeric types");
    }
    if (!has_unit) return Status(5733410, "A bounding array of dates must specify a unit");
  } else {
    return Status(5946800, "Explicit bounds must be numeric or dates");
  }
  spec->bounds = DensifySpec::Bounds::kExplicit;
  spec->lower = values[0];
  spec->upper = values[1];
  return Status::OK();
}

}  // namespace

StatusWith<StagePtr> ParseDensify(const bson_iter_t* arg, PipelineContext&) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(ErrorCodes::FailedToParse,
                  "The $densify stage specification must be an object, found " + TypeNameOf(arg));
  }
  auto spec = std::make_shared<DensifySpec>();
  bson_iter_t it, range, partitions;
  bool has_field = false, has_range = false, has_partitions = false;
  std::string field;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    const std::string_view key = KeyOf(&it);
    if (key == "field") {
      if (!BSON_ITER_HOLDS_UTF8(&it)) return WrongType("$densify.field", &it, "string");
      field = std::string(Utf8Of(&it));
      has_field = true;
    } else if (key == "partitionByFields") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        return WrongType("$densify.partitionByFields", &it, "array");
      }
      partitions = it;
      has_partitions = true;
    } else if (key == "range") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return WrongType("$densify.range", &it, "object");
      range = it;
      has_range = true;
    } else {
      return Unknown("$densify.", key);
    }
  }
  if (!has_field) return Missing("$densify.field");
  if (!has_range) return Missing("$densify.range");
  if (Status s = ParseRange(&range, spec.get()); !s.ok()) return s;
  Bson sort_key;
  if (has_partitions) {
    bson_iter_t p;
    bson_iter_recurse(&partitions, &p);
    while (bson_iter_next(&p)) {
      if (!BSON_ITER_HOLDS_UTF8(&p)) {
        return WrongType("$densify.partitionByFields." + std::string(KeyOf(&p)), &p, "string");
      }
      std::vector<std::string> parts;
      if (Status s = ValidateFieldPath(Utf8Of(&p), &parts); !s.ok()) return s;
      spec->partition_paths.push_back(std::move(parts));
      if (spec->bounds != DensifySpec::Bounds::kFull) {
        bson_append_int32(sort_key.get(), Utf8Of(&p).data(), static_cast<int>(Utf8Of(&p).size()),
                          1);
      }
    }
  }
  if (Status s = ValidateFieldPath(field, &spec->field_path); !s.ok()) return s;
  if (spec->bounds == DensifySpec::Bounds::kPartition && spec->partition_paths.empty()) {
    return Status(5733408,
                  "One cannot specify the bounds as 'partition' without specifying a non-empty "
                  "array of partitionByFields. You may have meant to specify 'full' bounds.");
  }
  bson_append_int32(sort_key.get(), field.data(), static_cast<int>(field.size()), 1);
  auto pattern = SortPattern::Parse(sort_key.get());
  if (!pattern.ok()) return pattern.status();
  spec->sort_pattern = std::move(pattern.value());
  auto increment = spec->unit.empty()
                       ? ValueFormula::Make(R"({"$add": ["$$v", "$$step"]})", {"v", "step"})
                       : ValueFormula::Make(R"({"$dateAdd": {"startDate": "$$v", "unit": ")" +
                                                spec->unit + R"(", "amount": "$$step"}})",
                                            {"v", "step"});
  if (!increment.ok()) return increment.status();
  spec->increment_ = std::move(increment.value());
  return StagePtr(std::move(spec));
}

}  // namespace basalt::query
