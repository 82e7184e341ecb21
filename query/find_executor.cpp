#include "query/find_executor.h"

#include "base/interrupt.h"
#include "storage/key_string.h"

namespace basalt::query {
namespace {

// returnKey's key rides through an in-memory sort under this field, which no
// sort or filter path can name ($-prefixed), and is taken off before output.
constexpr const char* kKeyField = "$basaltReturnKey";

}  // namespace

FindExecutor::FindExecutor(std::shared_ptr<storage::Collection> collection, FindPlan plan,
                           std::unique_ptr<Matcher> matcher, FindOptions options)
    : collection_(std::move(collection)),
      plan_(std::move(plan)),
      matcher_(std::move(matcher)),
      options_(std::move(options)) {}

Status FindExecutor::CheckDeadline() {
  // The clock (and killOp's flag) is read every few documents: cheap enough, and prompt enough.
  if (++since_deadline_check_ < 64) return Status::OK();
  since_deadline_check_ = 0;
  if (Status s = CheckForInterrupt(); !s.ok()) return s;
  if (options_.deadline && std::chrono::steady_clock::now() > *options_.deadline) {
    return Status(ErrorCodes::MaxTimeMSExpired, "operation exceeded time limit");
  }
  return Status::OK();
}

StatusWith<bool> FindExecutor::NextCandidate(Bson* out) {
  using Kind = FindPlan::Kind;
  switch (plan_.kind) {
    case Kind::kEof:
      return false;
    case Kind::kIdLookup: {
      if (id_lookup_done_) return false;
      id_lookup_done_ = true;
      bson_iter_t id;
      bson_iter_init_find(&id, plan_.id_value.get(), "_id");
      ++stats_.keys_examined;
      auto found = collection_->FindById(&id);
      if (!found.ok()) return found.status();
      if (!found.value()) return false;
      ++stats_.docs_examined;
      *out = std::move(*found.value());
      return true;
    }
    case Kind::kCollectionScan: {
      if (!records_) records_ = collection_->Scan(plan_.forward);
      auto more = records_->Next(out);
      if (more.ok() && more.value()) ++stats_.docs_examined;
      return more;
    }
    case Kind::kIndexScan: {
      const auto& intervals = plan_.intervals;
      size_t count = intervals.empty() ? 1 : intervals.size();
      while (true) {
        if (!index_) {
          if (interval_ >= count) return false;
          // Backward scans take the intervals last to first, so that the
          // whole scan runs in (reverse) index order.
          size_t i = plan_.forward ? interval_ : count - 1 - interval_;
          ++interval_;
          const storage::IndexBounds& bounds = intervals.empty() ? plan_.bounds : intervals[i];
          auto cursor = collection_->ScanIndex(plan_.index->name(), bounds, plan_.forward);
          if (!cursor.ok()) return cursor.status();
          index_ = std::move(cursor.value());
          // A write that made the index multikey after planning, but before
          // this snapshot, flagged it before becoming visible: read again.
          if (!plan_.dedupe) {
            plan_.dedupe = IsMultikey(collection_->IndexMultikeyPaths(plan_.index->name()));
          }
        }
        storage::IndexEntry entry;
        auto more = index_->Next(&entry);
        if (!more.ok()) return more;
        if (!more.value()) {
          index_.reset();
          continue;
        }
        ++stats_.keys_examined;
        if (plan_.dedupe) {
          bson_iter_t id;
          if (bson_iter_init_find(&id, entry.doc.get(), "_id")) {
            std::string key;
            storage::AppendKeyValue(&key, &id, false);
            if (!seen_ids_.insert(std::move(key)).second) continue;
          }
        }
        ++stats_.docs_examined;
        entry_key_ = std::move(entry.key);
        *out = std::move(entry.doc);
        return true;
      }
    }
  }
  return false;
}

StatusWith<bool> FindExecutor::NextMatch(Bson* out) {
  while (true) {
    if (Status s = CheckDeadline(); !s.ok()) return s;
    auto more = NextCandidate(out);
    if (!more.ok() || !more.value()) return more;
    if (matcher_) {
      const bool match = matcher_->Matches(out->get());
      if (filter_errors_) {
        if (Status s = filter_errors_->TakeError(); !s.ok()) return s;
      }
      if (!match) continue;
    }
    if (options_.return_key && SortsInMemory()) {
      // The entry is gone once sorted: keep its key with the document.
      Bson key;
      CurrentKey(&key);
      BSON_APPEND_DOCUMENT(out->get(), kKeyField, key.get());
    }
    return true;
  }
}

bool FindExecutor::SortsInMemory() const {
  return options_.sort && !options_.sort->empty() && !plan_.provides_sort;
}

void FindExecutor::CurrentKey(Bson* out) const {
  using Kind = FindPlan::Kind;
  if (plan_.kind == Kind::kIdLookup) {
    // mongod's IDHACK reports the _id index key.
    bson_iter_t id;
    if (bson_iter_init_find(&id, plan_.id_value.get(), "_id")) {
      bson_append_iter(out->get(), "_id", 3, &id);
    }
    return;
  }
  if (plan_.kind != Kind::kIndexScan || entry_key_.empty()) return;  // {} without an index
  Status s =
      storage::DecodeKey(entry_key_, plan_.index->fields(), plan_.index->descending(), out->get());
  if (!s.ok()) *out = Bson();
}

Status FindExecutor::Decorate(Bson* doc) const {
  if (options_.return_key) {
    Bson key;
    bson_iter_t carried;
    if (bson_iter_init_find(&carried, doc->get(), kKeyField) &&
        BSON_ITER_HOLDS_DOCUMENT(&carried)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&carried, &len, &data);
      bson_t view;
      bson_init_static(&view, data, len);
      bson_concat(key.get(), &view);
    } else {
      CurrentKey(&key);
    }
    if (options_.show_record_id) {
      bson_iter_t id;
      if (bson_iter_init_find(&id, doc->get(), "_id")) {
        bson_append_iter(key.get(), "$recordId", -1, &id);
      }
    }
    *doc = std::move(key);
    return Status::OK();
  }
  bson_iter_t id;
  bool has_id = options_.show_record_id && bson_iter_init_find(&id, doc->get(), "_id");
  Bson record_id;
  // Taken before the projection, which may drop _id.
  if (has_id) bson_append_iter(record_id.get(), "$recordId", -1, &id);
  if (Status s = Project(doc); !s.ok()) return s;
  if (has_id) bson_concat(doc->get(), record_id.get());
  return Status::OK();
}

Status FindExecutor::Sort() {
  SorterOptions sorter_options;
  sorter_options.allow_disk_use = options_.allow_disk_use;
  sorter_options.temp_dir = options_.temp_dir;
  // Only the first skip + limit documents can be returned: keep just those.
  if (options_.limit && *options_.limit > 0) {
    sorter_options.limit = static_cast<uint64_t>(options_.skip + *options_.limit);
  }
  sorter_ = std::make_unique<Sorter>(*options_.sort, sorter_options);
  Bson doc;
  while (true) {
    auto more = NextMatch(&doc);
    if (!more.ok()) return more.status();
    if (!more.value()) return Status::OK();
    if (Status s = sorter_->Add(doc.get()); !s.ok()) return s;
  }
}

Status FindExecutor::Project(Bson* doc) const {
  if (!options_.projection || options_.projection->is_identity()) return Status::OK();
  // The positional `$` needs to know which array element the filter matched;
  // matching again here keeps that state out of the sort.
  MatchDetails details;
  const MatchDetails* match = nullptr;
  if (options_.projection->needs_match_details() && matcher_) {
    details.RequestElemMatchKey();
    matcher_->Matches(doc->get(), &details);
    match = &details;
  }
  Bson projected;
  if (Status s = options_.projection->Apply(doc->get(), match, &projected); !s.ok()) return s;
  *doc = std::move(projected);
  return Status::OK();
}

StatusWith<bool> FindExecutor::Next(Bson* out) {
  if (options_.limit && *options_.limit > 0 && stats_.returned >= *options_.limit) return false;
  if (SortsInMemory() && !sorter_) {
    if (Status s = Sort(); !s.ok()) return s;
  }
  while (true) {
    Bson doc;
    auto more = sorter_ ? sorter_->Next(&doc) : NextMatch(&doc);
    if (!more.ok() || !more.value()) return more;
    if (skipped_ < options_.skip) {
      ++skipped_;
      continue;
    }
    if (Status s = Decorate(&doc); !s.ok()) return s;
    ++stats_.returned;
    *out = std::move(doc);
    return true;
  }
}

}  // namespace basalt::query
