// $group (hash grouping on the _id expression's value, with mongod's
// equality: 1, 1.0 and NumberLong(1) are one group; missing is null) and
// $sortByCount, which is $group then $sort.
//
// Groups are returned in the order their first document arrived (mongod's
// order is unspecified). Past PipelineContext::max_memory_bytes a $group
// without allowDiskUse fails with 292 as mongod's; with allowDiskUse it
// spills the rest of its input through an external sort on the group key
// (see GroupStream), and then returns groups in key order.

#include <algorithm>
#include <unordered_map>

#include "query/accumulator.h"
#include "query/pipeline_stages.h"
#include "query/sort.h"

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
    if (spill_) return NextMerged(out);
    if (next_ >= groups_.size()) return false;
    *out = Finish(&groups_[next_++]);
    return true;
  }

 private:
  struct Group {
    Value key;
    std::vector<std::unique_ptr<Accumulator>> accumulators;
    size_t memory = 0;
  };

  Group NewGroup(Value key) const {
    Group g;
    g.accumulators.reserve(spec_.accumulators_.size());
    for (const auto& acc : spec_.accumulators_) g.accumulators.push_back(acc->Make(key));
    g.key = std::move(key);
    return g;
  }

  // The output document; releases the group's memory.
  Bson Finish(Group* g) const {
    Bson doc;
    g->key.AppendTo(doc.get(), "_id");
    for (size_t i = 0; i < g->accumulators.size(); ++i) {
      Value v = g->accumulators[i]->Result();
      if (v.missing()) v = Value::Null();
      v.AppendTo(doc.get(), spec_.accumulators_[i]->field());
    }
    g->accumulators.clear();
    return doc;
  }

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
      if (spill_) {
        if (Status s = SpillDocument(key, id_value, doc.get()); !s.ok()) return s;
        continue;
      }
      auto [it, inserted] = index_.try_emplace(key, groups_.size());
      if (inserted) {
        groups_.push_back(NewGroup(std::move(id_value)));
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
      if (memory_ > ctx_.max_memory_bytes) {
        if (!ctx_.allow_disk_use) {
          return Status(ErrorCodes::QueryExceededMemoryLimitNoDiskUseAllowed,
                        "Exceeded memory limit for $group, but didn't allow external sort. Pass "
                        "allowDiskUse:true to opt in.");
        }
        StartSpilling();
      }
    }
    if (spill_) {
      std::sort(merge_order_.begin(), merge_order_.end(),
                [this](size_t a, size_t b) { return encoded_[a] < encoded_[b]; });
    }
    index_.clear();
    return Status::OK();
  }

  // --- Past the memory limit with allowDiskUse -------------------------------
  // The groups in memory keep what they have folded in. Every later document
  // goes through an external sort on its group key (stable, so each group's
  // documents keep their order), and at the end groups are finished one at a
  // time: the in-memory ones and the spilled keys, merged in key order.

  void StartSpilling() {
    SorterOptions options;
    options.max_memory_bytes = ctx_.max_memory_bytes;
    options.allow_disk_use = true;
    options.temp_dir = ctx_.temp_dir;
    Bson pattern;
    BSON_APPEND_INT32(pattern.get(), "k", 1);
    spill_ = std::make_unique<Sorter>(SortPattern::Parse(pattern.get()).value(), options);
    encoded_.resize(groups_.size());
    for (auto& [key, i] : index_) encoded_[i] = Hex(key);
    merge_order_.resize(groups_.size());
    for (size_t i = 0; i < merge_order_.size(); ++i) merge_order_[i] = i;
  }

  // Hex keeps the keys' byte order under the sorter's string comparison.
  static std::string Hex(std::string_view bytes) {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
    return out;
  }

  // Sorted as {k: <hex key>, i: <group _id>, d: <document>}.
  Status SpillDocument(const std::string& key, const Value& id, const bson_t* doc) {
    Bson wrapper;
    AppendUtf8(wrapper.get(), "k", Hex(key));
    id.AppendTo(wrapper.get(), "i");
    BSON_APPEND_DOCUMENT(wrapper.get(), "d", doc);
    return spill_->Add(wrapper.get());
  }

  // The next spilled document into pending_, if any.
  Status LoadPending() {
    has_pending_ = false;
    auto more = spill_->Next(&pending_);
    if (!more.ok()) return more.status();
    has_pending_ = more.value();
    return Status::OK();
  }

  static std::string_view Field(const bson_t* wrapper, const char* name, bson_iter_t* it) {
    bson_iter_init_find(it, wrapper, name);
    return BSON_ITER_HOLDS_UTF8(it) ? Utf8Of(it) : std::string_view();
  }

  // Folds every pending document of `key` into `g`.
  Status FoldSpilled(std::string_view key, Group* g) {
    bson_iter_t it;
    while (has_pending_ && Field(pending_.get(), "k", &it) == key) {
      bson_iter_t d;
      bson_iter_init_find(&d, pending_.get(), "d");
      Bson doc = DocumentOf(&d);
      EvalContext ectx{doc.get(), ctx_.variables.get()};
      for (auto& acc : g->accumulators) {
        if (Status s = acc->Process(ectx); !s.ok()) return s;
      }
      if (Status s = LoadPending(); !s.ok()) return s;
    }
    return Status::OK();
  }

  StatusWith<bool> NextMerged(Bson* out) {
    if (!merge_started_) {
      merge_started_ = true;
      if (Status s = LoadPending(); !s.ok()) return s;
    }
    bson_iter_t it;
    std::string spilled_key = has_pending_ ? std::string(Field(pending_.get(), "k", &it)) : "";
    bool memory_left = next_ < merge_order_.size();
    if (!memory_left && !has_pending_) return false;
    if (memory_left && (!has_pending_ || encoded_[merge_order_[next_]] <= spilled_key)) {
      size_t i = merge_order_[next_++];
      if (has_pending_ && encoded_[i] == spilled_key) {
        if (Status s = FoldSpilled(spilled_key, &groups_[i]); !s.ok()) return s;
      }
      *out = Finish(&groups_[i]);
      return true;
    }
    bson_iter_t id;
    bson_iter_init_find(&id, pending_.get(), "i");
    Group g = NewGroup(Value::FromIter(&id));
    if (Status s = FoldSpilled(spilled_key, &g); !s.ok()) return s;
    *out = Finish(&g);
    return true;
  }

  std::unique_ptr<DocumentStream> source_;
  const GroupSpec& spec_;
  PipelineContext& ctx_;
  bool built_ = false;
  std::vector<Group> groups_;
  std::unordered_map<std::string, size_t> index_;
  size_t next_ = 0;
  size_t memory_ = 0;
  // Spilling state.
  std::unique_ptr<Sorter> spill_;
  std::vector<std::string> encoded_;  // hex keys of groups_
  std::vector<size_t> merge_order_;   // groups_ positions in key order
  bool merge_started_ = false;
  Bson pending_;
  bool has_pending_ = false;
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
  return StagePtr(std::make_shared<ChainStageSpec>(
      "$sortByCount", std::vector<StagePtr>{std::move(group.value()), std::move(sort)}));
}

}  // namespace

std::vector<StageEntry> GroupStages() {
  return {
      {"$group", ParseGroup},
      {"$sortByCount", ParseSortByCount},
  };
}

}  // namespace basalt::query
