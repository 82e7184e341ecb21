// $group (hash grouping on the _id expression's value, with mongod's
// equality: 1, 1.0 and NumberLong(1) are one group; missing is null) and
// $sortByCount, which is $group then $sort.
//
// Groups are returned in the order their first document arrived (mongod's
// order is unspecified). Past PipelineContext::max_memory_bytes a $group
// without allowDiskUse fails with 292 as mongod's; with allowDiskUse it
// keeps going in memory: Basalt does not spill groups yet.

#include <unordered_map>

#include "query/accumulator.h"
#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

class GroupSpec : public StageSpec {
 public:
  std::string_view name() const override { return "$group"; }
  Status Optimize() override {
    if (Status s = query::Optimize(&id_); !s.ok()) return s;
    for (auto& acc : accumulators_) {
      if (Status s = acc->Optimize(); !s.ok()) return s;
    }
    return Status::OK();
  }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;

  ExpressionPtr id_;
  std::vector<std::unique_ptr<AccumulatorSpec>> accumulators_;
};

class GroupStream : public DocumentStream {
 public:
  GroupStream(std::unique_ptr<DocumentStream> source, const GroupSpec& spec, PipelineContext& ctx)
      : source_(std::move(source)), spec_(spec), ctx_(ctx) {}

  StatusWith<bool> Next(Bson* out) override {
    if (!built_) {
      if (Status s = Build(); !s.ok()) return s;
      built_ = true;
    }
    if (next_ >= groups_.size()) return false;
    Group& g = groups_[next_++];
    Bson doc;
    g.key.AppendTo(doc.get(), "_id");
    for (size_t i = 0; i < g.accumulators.size(); ++i) {
      Value v = g.accumulators[i]->Result();
      if (v.missing()) v = Value::Null();
      v.AppendTo(doc.get(), spec_.accumulators_[i]->field());
    }
    g.accumulators.clear();  // release memory as groups are returned
    *out = std::move(doc);
    return true;
  }

 private:
  struct Group {
    Value key;
    std::vector<std::unique_ptr<Accumulator>> accumulators;
    size_t memory = 0;
  };

  Status Build() {
    Bson doc;
    std::string key;
    while (true) {
      auto more = source_->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      EvalContext ectx{doc.get(), ctx_.variables.get()};
      auto id = spec_.id_->Evaluate(ectx);
      if (!id.ok()) return id.status();
      Value& id_value = id.value();
      if (id_value.missing()) id_value = Value::Null();
      key.clear();
      AppendValueKey(id_value, &key);
      auto [it, inserted] = index_.try_emplace(key, groups_.size());
      if (inserted) {
        Group g;
        g.accumulators.reserve(spec_.accumulators_.size());
        for (const auto& acc : spec_.accumulators_) g.accumulators.push_back(acc->Make(id_value));
        g.key = std::move(id_value);
        groups_.push_back(std::move(g));
        memory_ += 2 * key.size() + sizeof(Group) + 64 + groups_.back().key.ApproximateSize();
      }
      Group& g = groups_[it->second];
      size_t group_memory = 0;
      for (auto& acc : g.accumulators) {
        if (Status s = acc->Process(ectx); !s.ok()) return s;
        group_memory += acc->MemoryUsage();
      }
      memory_ += group_memory - g.memory;
      g.memory = group_memory;
      if (memory_ > ctx_.max_memory_bytes && !ctx_.allow_disk_use) {
        return Status(ErrorCodes::QueryExceededMemoryLimitNoDiskUseAllowed,
                      "Exceeded memory limit for $group, but didn't allow external sort. Pass "
                      "allowDiskUse:true to opt in.");
      }
    }
    index_.clear();
    return Status::OK();
  }

  std::unique_ptr<DocumentStream> source_;
  const GroupSpec& spec_;
  PipelineContext& ctx_;
  bool built_ = false;
  std::vector<Group> groups_;
  std::unordered_map<std::string, size_t> index_;
  size_t next_ = 0;
  size_t memory_ = 0;
};

StatusWith<std::unique_ptr<DocumentStream>> GroupSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const {
  return std::unique_ptr<DocumentStream>(
      std::make_unique<GroupStream>(std::move(source), *this, ctx));
}

// mongod's parseIdExpression.
StatusWith<ExpressionPtr> ParseGroupId(const bson_iter_t* elem, const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(elem)) return ParseOperand(elem, vps);
  Bson obj = DocumentOf(elem);
  bson_iter_t it;
  bson_iter_init(&it, obj.get());
  if (!bson_iter_next(&it)) {
    return ExpressionPtr(std::make_unique<ConstantExpression>(Value::Document(std::move(obj))));
  }
  if (KeyOf(&it).substr(0, 1) != "$") {
    bson_iter_init(&it, obj.get());
    while (bson_iter_next(&it)) {
      if (IsNumber(bson_iter_type(&it)) || BSON_ITER_HOLDS_BOOL(&it)) {
        return Status(17390, "$group does not support inclusion-style expressions");
      }
    }
  }
  return ParseObjectExpression(obj.get(), vps);
}

StatusWith<std::shared_ptr<GroupSpec>> MakeGroup(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(15947, "a group's fields must be specified in an object");
  }
  auto spec = std::make_shared<GroupSpec>();
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) == "_id") {
      if (spec->id_) return Status(15948, "a group's _id may only be specified once");
      auto id = ParseGroupId(&it, ctx.vps);
      if (!id.ok()) return id.status();
      spec->id_ = std::move(id.value());
      continue;
    }
    auto acc = ParseAccumulator(&it, ctx.vps);
    if (!acc.ok()) return acc.status();
    spec->accumulators_.push_back(std::move(acc.value()));
  }
  if (!spec->id_) return Status(15955, "a group specification must include an _id");
  return spec;
}

StatusWith<StagePtr> ParseGroup(const bson_iter_t* arg, PipelineContext& ctx) {
  auto spec = MakeGroup(arg, ctx);
  if (!spec.ok()) return spec.status();
  return StagePtr(std::move(spec.value()));
}

// {$sortByCount: <expr>}: {$group: {_id: <expr>, count: {$sum: 1}}}, {$sort: {count: -1}}.
class SortByCountSpec : public StageSpec {
 public:
  SortByCountSpec(std::shared_ptr<GroupSpec> group, std::shared_ptr<SortStageSpec> sort)
      : group_(std::move(group)), sort_(std::move(sort)) {}
  std::string_view name() const override { return "$sortByCount"; }
  Status Optimize() override { return group_->Optimize(); }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override {
    auto grouped = group_->Instantiate(std::move(source), ctx);
    if (!grouped.ok()) return grouped;
    return sort_->Instantiate(std::move(grouped.value()), ctx);
  }

 private:
  std::shared_ptr<GroupSpec> group_;
  std::shared_ptr<SortStageSpec> sort_;
};

StatusWith<StagePtr> ParseSortByCount(const bson_iter_t* arg, PipelineContext& ctx) {
  const std::string kMessage =
      "the sortByCount field must be defined as a $-prefixed path or an expression inside an "
      "object";
  if (BSON_ITER_HOLDS_DOCUMENT(arg)) {
    bson_iter_t it;
    bson_iter_recurse(arg, &it);
    if (!bson_iter_next(&it) || KeyOf(&it).substr(0, 1) != "$") return Status(40147, kMessage);
  } else if (BSON_ITER_HOLDS_UTF8(arg)) {
    if (Utf8Of(arg).size() < 2 || Utf8Of(arg)[0] != '$') return Status(40148, kMessage);
  } else {
    return Status(40149, "the sortByCount field must be specified as a string or as an object");
  }
  Bson group_spec;
  bson_t inner, count;
  BSON_APPEND_DOCUMENT_BEGIN(group_spec.get(), "$group", &inner);
  bson_append_iter(&inner, "_id", 3, arg);
  BSON_APPEND_DOCUMENT_BEGIN(&inner, "count", &count);
  BSON_APPEND_INT32(&count, "$sum", 1);
  bson_append_document_end(&inner, &count);
  bson_append_document_end(group_spec.get(), &inner);
  bson_iter_t g;
  bson_iter_init(&g, group_spec.get());
  bson_iter_next(&g);
  auto group = MakeGroup(&g, ctx);
  if (!group.ok()) return group.status();
  Bson key;
  BSON_APPEND_INT32(key.get(), "count", -1);
  auto pattern = SortPattern::Parse(key.get());
  if (!pattern.ok()) return pattern.status();
  auto sort = std::make_shared<SortStageSpec>(std::move(pattern.value()), std::move(key));
  return StagePtr(std::make_shared<SortByCountSpec>(std::move(group.value()), std::move(sort)));
}

}  // namespace

std::vector<StageEntry> GroupStages() {
  return {
      {"$group", ParseGroup},
      {"$sortByCount", ParseSortByCount},
  };
}

}  // namespace basalt::query
