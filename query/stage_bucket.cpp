// $bucket: documents grouped into the ranges [boundaries[i], boundaries[i+1])
// of their groupBy value. As in mongod's document_source_bucket.cpp it is
// rewritten, once its arguments are checked, into
//   {$group: {_id: {$switch: {branches: [...], default}}, <output>}}
//   {$sort: {_id: 1}}
// so that it shares $group's accumulators, memory limit and allowDiskUse
// rules. A value outside every range without a `default` fails with $switch's
// 40066, as mongod's does.

#include "query/numbers.h"
#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

// BSONElement::toString(false, false): the value without its field name.
std::string ValueString(const bson_iter_t* it) {
  return ElementString(it).substr(KeyOf(it).size() + 2);
}

// The constant an operand folds to (boundaries and default must be constants).
StatusWith<std::optional<Value>> ConstantOf(const bson_iter_t* it, PipelineContext& ctx) {
  auto expr = ParseAndOptimize(it, ctx.vps);
  if (!expr.ok()) return expr.status();
  const Value* v = expr.value()->constant();
  if (v == nullptr) return std::optional<Value>();
  return std::optional<Value>(*v);
}

// {$literal: v}: the rewritten $switch must not read a constant "$x" as a path.
void AppendLiteral(bson_t* out, const char* key, const Value& v) {
  bson_t lit;
  bson_append_document_begin(out, key, -1, &lit);
  v.AppendTo(&lit, "$literal");
  bson_append_document_end(out, &lit);
}

// A $-prefixed path or an {$operator: ...} object (40202 otherwise).
bool IsGroupByExpression(const bson_iter_t* it) {
  if (BSON_ITER_HOLDS_UTF8(it)) return Utf8Of(it).substr(0, 1) == "$";
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) return false;
  bson_iter_t inner;
  bson_iter_recurse(it, &inner);
  return bson_iter_next(&inner) && KeyOf(&inner).substr(0, 1) == "$";
}

struct BucketArgs {
  std::optional<bson_iter_t> group_by;
  std::vector<Value> boundaries;
  std::optional<Value> default_value;
  std::optional<bson_iter_t> output;
};

Status CheckBoundaries(const std::vector<Value>& b) {
  if (b.size() < 2) {
    return Status(40192, "The $bucket 'boundaries' field must have at least 2 values, but found " +
                             std::to_string(b.size()) + " value(s).");
  }
  for (size_t i = 1; i < b.size(); ++i) {
    if (CanonicalType(b[i - 1].type()) != CanonicalType(b[i].type())) {
      return Status(40193,
                    "All values in the the 'boundaries' option to $bucket must have the same "
                    "type. Found conflicting types " +
                        std::string(ValueTypeName(b[i - 1])) + " and " +
                        std::string(ValueTypeName(b[i])) + ".");
    }
    if (CompareValues(b[i - 1], b[i]) >= 0) {
      return Status(40194, "The 'boundaries' option to $bucket must be sorted, but elements " +
                               std::to_string(i - 1) + " and " + std::to_string(i) +
                               " are not in ascending order (" + b[i - 1].ToString() +
                               " is not less than " + b[i].ToString() + ").");
    }
  }
  return Status::OK();
}

StatusWith<BucketArgs> ParseBucketArgs(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(40201, "Argument to $bucket stage must be an object, but found type: " +
                             TypeNameOf(arg) + ".");
  }
  BucketArgs args;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    const std::string_view name = KeyOf(&it);
    if (name == "groupBy") {
      if (!IsGroupByExpression(&it)) {
        return Status(40202,
                      "The $bucket 'groupBy' field must be defined as a $-prefixed path or an "
                      "expression, but found: " +
                          ValueString(&it) + ".");
      }
      args.group_by = it;
    } else if (name == "boundaries") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        return Status(40200, "The $bucket 'boundaries' field must be an array, but found type: " +
                                 TypeNameOf(&it) + ".");
      }
      bson_iter_t b;
      bson_iter_recurse(&it, &b);
      while (bson_iter_next(&b)) {
        auto constant = ConstantOf(&b, ctx);
        if (!constant.ok()) return constant.status();
        if (!constant.value()) {
          return Status(40191,
                        "The $bucket 'boundaries' field must be an array of constant values, but "
                        "found value: " +
                            ValueString(&b) + ".");
        }
        args.boundaries.push_back(std::move(*constant.value()));
      }
      if (Status s = CheckBoundaries(args.boundaries); !s.ok()) return s;
    } else if (name == "default") {
      auto constant = ConstantOf(&it, ctx);
      if (!constant.ok()) return constant.status();
      if (!constant.value()) {
        return Status(40195,
                      "The $bucket 'default' field must be a constant expression, but found: " +
                          ValueString(&it) + ".");
      }
      args.default_value = std::move(constant.value());
    } else if (name == "output") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
        return Status(40196, "The $bucket 'output' field must be an object, but found type: " +
                                 TypeNameOf(&it) + ".");
      }
      args.output = it;
    } else {
      return Status(40197, "Unrecognized option to $bucket: " + std::string(name) + ".");
    }
  }
  if (!args.group_by || args.boundaries.empty()) {
    return Status(40198, "$bucket requires 'groupBy' and 'boundaries' to be specified.");
  }
  if (args.default_value &&
      CanonicalType(args.default_value->type()) == CanonicalType(args.boundaries[0].type())) {
    const bool below = CompareValues(*args.default_value, args.boundaries.front()) < 0;
    const bool above = CompareValues(*args.default_value, args.boundaries.back()) >= 0;
    if (!below && !above) {
      return Status(40199,
                    "The $bucket 'default' field must be less than the lowest boundary or "
                    "greater than or equal to the highest boundary.");
    }
  }
  return args;
}

// The $group document of the rewrite.
Bson GroupSpecFor(const BucketArgs& args) {
  Bson group;
  bson_t inner, id, sw, branches;
  BSON_APPEND_DOCUMENT_BEGIN(group.get(), "$group", &inner);
  BSON_APPEND_DOCUMENT_BEGIN(&inner, "_id", &id);
  BSON_APPEND_DOCUMENT_BEGIN(&id, "$switch", &sw);
  BSON_APPEND_ARRAY_BEGIN(&sw, "branches", &branches);
  for (size_t i = 1; i < args.boundaries.size(); ++i) {
    bson_t branch, cond, conds, gte, lt;
    std::string key = std::to_string(i - 1);
    BSON_APPEND_DOCUMENT_BEGIN(&branches, key.c_str(), &branch);
    BSON_APPEND_DOCUMENT_BEGIN(&branch, "case", &cond);
    BSON_APPEND_ARRAY_BEGIN(&cond, "$and", &conds);
    BSON_APPEND_DOCUMENT_BEGIN(&conds, "0", &gte);
    bson_t gte_args, lt_args;
    BSON_APPEND_ARRAY_BEGIN(&gte, "$gte", &gte_args);
    bson_append_iter(&gte_args, "0", 1, &*args.group_by);
    AppendLiteral(&gte_args, "1", args.boundaries[i - 1]);
    bson_append_array_end(&gte, &gte_args);
    bson_append_document_end(&conds, &gte);
    BSON_APPEND_DOCUMENT_BEGIN(&conds, "1", &lt);
    BSON_APPEND_ARRAY_BEGIN(&lt, "$lt", &lt_args);
    bson_append_iter(&lt_args, "0", 1, &*args.group_by);
    AppendLiteral(&lt_args, "1", args.boundaries[i]);
    bson_append_array_end(&lt, &lt_args);
    bson_append_document_end(&conds, &lt);
    bson_append_array_end(&cond, &conds);
    bson_append_document_end(&branch, &cond);
    AppendLiteral(&branch, "then", args.boundaries[i - 1]);
    bson_append_document_end(&branches, &branch);
  }
  bson_append_array_end(&sw, &branches);
  if (args.default_value) AppendLiteral(&sw, "default", *args.default_value);
  bson_append_document_end(&id, &sw);
  bson_append_document_end(&inner, &id);
  if (args.output) {
    bson_iter_t o;
    bson_iter_recurse(&*args.output, &o);
    while (bson_iter_next(&o)) bson_append_iter(&inner, nullptr, 0, &o);
  } else {
    bson_t count;
    BSON_APPEND_DOCUMENT_BEGIN(&inner, "count", &count);
    BSON_APPEND_INT32(&count, "$sum", 1);
    bson_append_document_end(&inner, &count);
  }
  bson_append_document_end(group.get(), &inner);
  return group;
}


StatusWith<StagePtr> ParseBucket(const bson_iter_t* arg, PipelineContext& ctx) {
  auto args = ParseBucketArgs(arg, ctx);
  if (!args.ok()) return args.status();
  Bson group_doc = GroupSpecFor(args.value());
  auto group = ParseStage(group_doc.get(), ctx);
  if (!group.ok()) return group.status();
  Bson sort_doc;
  bson_t key;
  BSON_APPEND_DOCUMENT_BEGIN(sort_doc.get(), "$sort", &key);
  BSON_APPEND_INT32(&key, "_id", 1);
  bson_append_document_end(sort_doc.get(), &key);
  auto sort = ParseStage(sort_doc.get(), ctx);
  if (!sort.ok()) return sort.status();
  return StagePtr(std::make_shared<ChainStageSpec>(
      "$bucket", std::vector<StagePtr>{std::move(group.value()), std::move(sort.value())}));
}

}  // namespace

std::vector<StageEntry> BucketStages() {
  return {
      {"$bucket", ParseBucket},
  };
}

}  // namespace basalt::query
