// $bucketAuto: sorts the input by its groupBy value and cuts it into
// `buckets` groups of about equal size, never splitting equal values, as
// mongod's document_source_bucket_auto.cpp: each bucket is
// {_id: {min, max}, <output>} with an inclusive min and an exclusive max
// (the last max is inclusive), max being the next bucket's min or, with a
// `granularity`, boundaries rounded to a preferred-number series.
//
// The input is held in memory (mongod's sorter); past
// PipelineContext::max_memory_bytes it fails with 292 unless allowDiskUse,
// with which, like Basalt's $group, it keeps going in memory.

#include <algorithm>
#include <cmath>

#include "query/accumulator.h"
#include "query/granularity_rounder.h"
#include "query/numbers.h"
#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

class BucketAutoSpec : public StageSpec {
 public:
  std::string_view name() const override { return "$bucketAuto"; }
  Status Optimize() override {
    if (Status s = query::Optimize(&group_by_); !s.ok()) return s;
    for (auto& acc : accumulators_) {
      if (Status s = acc->Optimize(); !s.ok()) return s;
    }
    return Status::OK();
  }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;

  ExpressionPtr group_by_;
  int32_t buckets_ = 0;
  std::vector<std::unique_ptr<AccumulatorSpec>> accumulators_;
  std::shared_ptr<const GranularityRounder> rounder_;
};

class BucketAutoStream : public DocumentStream {
 public:
  BucketAutoStream(std::unique_ptr<DocumentStream> source, const BucketAutoSpec& spec,
                   PipelineContext& ctx)
      : source_(std::move(source)), spec_(spec), ctx_(ctx) {}

  StatusWith<bool> Next(Bson* out) override {
    if (!sorted_) {
      if (Status s = Load(); !s.ok()) return s;
      sorted_ = true;
    }
    if (bucket_number_++ >= spec_.buckets_) return false;
    if (!current_min_ && next_ >= entries_.size()) return false;
    auto bucket = FillBucket();
    if (!bucket.ok()) return bucket.status();
    *out = std::move(bucket.value());
    return true;
  }

 private:
  struct Entry {
    Value key;
    Bson doc;
  };
  struct Bucket {
    Value min, max;
    std::vector<std::unique_ptr<Accumulator>> accumulators;
  };

  StatusWith<Value> GroupKey(const Bson& doc) {
    EvalContext ectx{doc.get(), ctx_.variables.get()};
    auto key = spec_.group_by_->Evaluate(ectx);
    if (!key.ok()) return key.status();
    Value& v = key.value();
    if (spec_.rounder_) {
      if (!v.numeric()) {
        return Status(40258,
                      "$bucketAuto can specify a 'granularity' with numeric boundaries only, but "
                      "found a value with type: " +
                          std::string(ValueTypeName(v)));
      }
      const double d = v.CoerceToDouble();
      if (std::isnan(d)) {
        return Status(40259,
                      "$bucketAuto can specify a 'granularity' with numeric boundaries only, but "
                      "found a NaN");
      }
      if (d < 0) {
        return Status(40260,
                      "$bucketAuto can specify a 'granularity' with non-negative numbers only, "
                      "but found a negative number");
      }
    }
    // Missing groups with null, as in $group.
    if (v.missing()) v = Value::Null();
    return std::move(v);
  }

  Status Load() {
    size_t memory = 0;
    Bson doc;
    while (true) {
      auto more = source_->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      auto key = GroupKey(doc);
      if (!key.ok()) return key.status();
      memory += doc.size() + key.value().ApproximateSize() + sizeof(Entry);
      if (memory > ctx_.max_memory_bytes && !ctx_.allow_disk_use) {
        return Status(ErrorCodes::QueryExceededMemoryLimitNoDiskUseAllowed,
                      "Sort exceeded memory limit of " + std::to_string(ctx_.max_memory_bytes) +
                          " bytes, but did not opt in to external sorting.");
      }
      entries_.push_back({std::move(key.value()), std::move(doc)});
    }
    // Stable, so that $first/$last see equal keys in input order.
    std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return CompareValues(a.key, b.key) < 0;
    });
    approx_size_ = std::llround(static_cast<double>(entries_.size()) / spec_.buckets_);
    if (approx_size_ < 1) approx_size_ = 1;
    return Status::OK();
  }

  Status Add(size_t index, Bucket* bucket) {
    Entry& e = entries_[index];
    bucket->max = e.key;
    EvalContext ectx{e.doc.get(), ctx_.variables.get()};
    for (auto& acc : bucket->accumulators) {
      if (Status s = acc->Process(ectx); !s.ok()) return s;
    }
    e.doc = Bson();  // release it: each document belongs to one bucket
    return Status::OK();
  }

  // mongod's adjustBoundariesAndGetMinForNextBucket: equal keys stay in one
  // bucket, and the max becomes the next min (or a rounded boundary).
  Status CloseBucket(Bucket* bucket) {
    std::optional<size_t> next;
    if (next_ < entries_.size()) next = next_++;
    auto take_next = [&] {
      next = next_ < entries_.size() ? std::optional(next_++) : std::nullopt;
    };
    if (spec_.rounder_) {
      auto boundary = spec_.rounder_->RoundUp(bucket->max);
      if (!boundary.ok()) return boundary.status();
      while (next && (CompareValues(boundary.value(), entries_[*next].key) > 0 ||
                      CompareValues(bucket->max, entries_[*next].key) == 0)) {
        if (Status s = Add(*next, bucket); !s.ok()) return s;
        take_next();
      }
      if (boundary.value().CoerceToDouble() == 0.0 && next) {
        auto down = spec_.rounder_->RoundDown(entries_[*next].key);
        if (!down.ok()) return down.status();
        bucket->max = std::move(down.value());
      } else {
        bucket->max = std::move(boundary.value());
      }
    } else {
      while (next && CompareValues(bucket->max, entries_[*next].key) == 0) {
        if (Status s = Add(*next, bucket); !s.ok()) return s;
        take_next();
      }
      if (next) bucket->max = entries_[*next].key;
    }
    current_min_ = next;
    return Status::OK();
  }

  StatusWith<Bson> FillBucket() {
    size_t first = current_min_ ? *current_min_ : next_++;
    Bucket bucket;
    bucket.min = entries_[first].key;
    if (spec_.rounder_) {
      if (previous_max_) {
        bucket.min = *previous_max_;
      } else {
        auto down = spec_.rounder_->RoundDown(entries_[first].key);
        if (!down.ok()) return down.status();
        bucket.min = std::move(down.value());
      }
    }
    // The N-family's `n` cannot depend on a group key here: there is none.
    for (const auto& acc : spec_.accumulators_)
      bucket.accumulators.push_back(acc->Make(Value::Null()));
    if (Status s = Add(first, &bucket); !s.ok()) return s;
    const bool last = bucket_number_ == spec_.buckets_;
    for (int64_t i = 1; next_ < entries_.size() && (i < approx_size_ || last); ++i) {
      if (Status s = Add(next_++, &bucket); !s.ok()) return s;
    }
    if (Status s = CloseBucket(&bucket); !s.ok()) return s;
    previous_max_ = bucket.max;

    Bson out;
    bson_t id;
    BSON_APPEND_DOCUMENT_BEGIN(out.get(), "_id", &id);
    bucket.min.AppendTo(&id, "min");
    bucket.max.AppendTo(&id, "max");
    bson_append_document_end(out.get(), &id);
    for (size_t i = 0; i < bucket.accumulators.size(); ++i) {
      Value v = bucket.accumulators[i]->Result();
      if (v.missing()) v = Value::Null();
      v.AppendTo(out.get(), spec_.accumulators_[i]->field());
    }
    return out;
  }

  std::unique_ptr<DocumentStream> source_;
  const BucketAutoSpec& spec_;
  PipelineContext& ctx_;
  bool sorted_ = false;
  std::vector<Entry> entries_;
  size_t next_ = 0;                    // the first entry not yet in a bucket
  std::optional<size_t> current_min_;  // the entry that opens the next bucket
  std::optional<Value> previous_max_;
  int64_t approx_size_ = 1;
  int32_t bucket_number_ = 0;
};

StatusWith<std::unique_ptr<DocumentStream>> BucketAutoSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const {
  return std::unique_ptr<DocumentStream>(
      std::make_unique<BucketAutoStream>(std::move(source), *this, ctx));
}

StatusWith<ExpressionPtr> ParseGroupBy(const bson_iter_t* it, PipelineContext& ctx) {
  if (BSON_ITER_HOLDS_DOCUMENT(it)) {
    Bson obj = DocumentOf(it);
    bson_iter_t first;
    bson_iter_init(&first, obj.get());
    if (bson_iter_next(&first) && KeyOf(&first).substr(0, 1) == "$") {
      return ParseObjectExpression(obj.get(), ctx.vps);
    }
  } else if (BSON_ITER_HOLDS_UTF8(it) && Utf8Of(it).size() >= 2 && Utf8Of(it)[0] == '$') {
    return ParseFieldPathExpression(Utf8Of(it), ctx.vps);
  }
  return Status(40239,
                "The $bucketAuto 'groupBy' field must be defined as a $-prefixed path or an "
                "expression object, but found: " +
                    ElementString(it).substr(KeyOf(it).size() + 2));
}

StatusWith<int32_t> ParseBuckets(const bson_iter_t* it) {
  const Value v = Value::FromIter(it);
  if (!v.numeric()) {
    return Status(40241,
                  "The $bucketAuto 'buckets' field must be a numeric value, but found type: " +
                      TypeNameOf(it));
  }
  if (!v.Integral()) {
    return Status(40242,
                  "The $bucketAuto 'buckets' field must be representable as a 32-bit integer, but "
                  "found " +
                      FormatDoubleG(v.CoerceToDouble()));
  }
  return v.CoerceToInt();
}

// {count: {$sum: 1}}, the output when none is given.
StatusWith<std::unique_ptr<AccumulatorSpec>> DefaultCount(PipelineContext& ctx) {
  Bson doc;
  bson_t sum;
  BSON_APPEND_DOCUMENT_BEGIN(doc.get(), "count", &sum);
  BSON_APPEND_INT32(&sum, "$sum", 1);
  bson_append_document_end(doc.get(), &sum);
  bson_iter_t it;
  bson_iter_init(&it, doc.get());
  bson_iter_next(&it);
  return ParseAccumulator(&it, ctx.vps);
}

StatusWith<StagePtr> ParseBucketAuto(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(
        40240, "The argument to $bucketAuto must be an object, but found type: " + TypeNameOf(arg));
  }
  auto spec = std::make_shared<BucketAutoSpec>();
  bool has_buckets = false;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    const std::string_view name = KeyOf(&it);
    if (name == "groupBy") {
      auto expr = ParseGroupBy(&it, ctx);
      if (!expr.ok()) return expr.status();
      spec->group_by_ = std::move(expr.value());
    } else if (name == "buckets") {
      auto n = ParseBuckets(&it);
      if (!n.ok()) return n.status();
      spec->buckets_ = n.value();
      has_buckets = true;
    } else if (name == "output") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
        return Status(40244, "The $bucketAuto 'output' field must be an object, but found type: " +
                                 TypeNameOf(&it));
      }
      bson_iter_t o;
      bson_iter_recurse(&it, &o);
      while (bson_iter_next(&o)) {
        auto acc = ParseAccumulator(&o, ctx.vps);
        if (!acc.ok()) return acc.status();
        spec->accumulators_.push_back(std::move(acc.value()));
      }
    } else if (name == "granularity") {
      if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return Status(40261,
                      "The $bucketAuto 'granularity' field must be a string, but found type: " +
                          TypeNameOf(&it));
      }
      auto rounder = MakeGranularityRounder(Utf8Of(&it));
      if (!rounder.ok()) return rounder.status();
      spec->rounder_ = std::move(rounder.value());
    } else {
      return Status(40245, "Unrecognized option to $bucketAuto: " + std::string(name));
    }
  }
  if (!spec->group_by_ || !has_buckets) {
    return Status(40246, "$bucketAuto requires 'groupBy' and 'buckets' to be specified");
  }
  if (spec->buckets_ <= 0) {
    return Status(40243, "The $bucketAuto 'buckets' field must be greater than 0, but found: " +
                             std::to_string(spec->buckets_));
  }
  if (spec->accumulators_.empty()) {
    auto count = DefaultCount(ctx);
    if (!count.ok()) return count.status();
    spec->accumulators_.push_back(std::move(count.value()));
  }
  return StagePtr(std::move(spec));
}

}  // namespace

std::vector<StageEntry> BucketAutoStages() {
  return {
      {"$bucketAuto", ParseBucketAuto},
  };
}

}  // namespace basalt::query
