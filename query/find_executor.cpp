#include "query/find_executor.h"

#include "storage/key_string.h"

namespace basalt::query {

FindExecutor::FindExecutor(std::shared_ptr<storage::Collection> collection, FindPlan plan,
                           std::unique_ptr<Matcher> matcher, FindOptions options)
    : collection_(std::move(collection)),
      plan_(std::move(plan)),
      matcher_(std::move(matcher)),
      options_(std::move(options)) {}

Status FindExecutor::CheckDeadline() {
  // The clock is read every few documents: cheap enough, and prompt enough.
  if (!options_.deadline || ++since_deadline_check_ < 64) return Status::OK();
  since_deadline_check_ = 0;
  if (std::chrono::steady_clock::now() > *options_.deadline) {
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
      if (!index_) {
        auto cursor = collection_->ScanIndex(plan_.index->name(), plan_.bounds, plan_.forward);
        if (!cursor.ok()) return cursor.status();
        index_ = std::move(cursor.value());
      }
      while (true) {
        storage::IndexEntry entry;
        auto more = index_->Next(&entry);
        if (!more.ok() || !more.value()) return more;
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
    if (!matcher_ || matcher_->Matches(out->get())) return true;
  }
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
  if (options_.sort && !options_.sort->empty() && !sorter_) {
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
    if (Status s = Project(&doc); !s.ok()) return s;
    ++stats_.returned;
    *out = std::move(doc);
    return true;
  }
}

}  // namespace basalt::query
