// Collection: index builds and drops, the catalog entry, and Validate().
#include <algorithm>
#include <map>

#include "base/bson_shell.h"
#include "storage/collection.h"
#include "storage/engine.h"
#include "storage/key_layout.h"
#include "storage/key_string.h"

namespace basalt::storage {
namespace {

// Index entries written per KV batch during a build.
constexpr size_t kBuildBatchEntries = 1024;

BsonView ViewOfString(std::string_view bytes) { return BsonView(bytes); }

}  // namespace

Bson Collection::CatalogEntry(const IndexList& indexes) const {
  Bson entry;
  {
    std::lock_guard lock(names_mu_);
    AppendUtf8(entry.get(), "db", db_);
    AppendUtf8(entry.get(), "name", name_);
  }
  BSON_APPEND_BINARY(entry.get(), "uuid", BSON_SUBTYPE_UUID, uuid_.data(), 16);
  BSON_APPEND_INT64(entry.get(), "id", static_cast<int64_t>(id_));
  BSON_APPEND_DOCUMENT(entry.get(), "options", options_.get());
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(entry.get(), "indexes", &array);
  for (size_t i = 0; i < indexes.size(); ++i) {
    bson_t item;
    std::string key = std::to_string(i);
    BSON_APPEND_DOCUMENT_BEGIN(&array, key.c_str(), &item);
    BSON_APPEND_INT64(&item, "id", static_cast<int64_t>(indexes[i].id));
    BSON_APPEND_DOCUMENT(&item, "spec", indexes[i].spec->spec());
    std::vector<uint64_t> multikey = indexes[i].multikey->Get();
    if (std::any_of(multikey.begin(), multikey.end(), [](uint64_t m) { return m != 0; })) {
      bson_t paths;
      BSON_APPEND_ARRAY_BEGIN(&item, "multikeyPaths", &paths);
      for (size_t f = 0; f < multikey.size(); ++f) {
        std::string key = std::to_string(f);
        BSON_APPEND_INT64(&paths, key.c_str(), static_cast<int64_t>(multikey[f]));
      }
      bson_append_array_end(&item, &paths);
    }
    bson_append_document_end(&array, &item);
  }
  bson_append_array_end(entry.get(), &array);
  return entry;
}

bool MultikeyPaths::WouldGrow(const std::vector<uint64_t>& paths) const {
  for (size_t f = 0; f < paths.size() && f < bits_.size(); ++f) {
    if (paths[f] & ~bits_[f].load(std::memory_order_acquire)) return true;
  }
  return false;
}

bool MultikeyPaths::Add(const std::vector<uint64_t>& paths) {
  bool grew = false;
  for (size_t f = 0; f < paths.size() && f < bits_.size(); ++f) {
    if (paths[f] == 0) continue;
    uint64_t before = bits_[f].fetch_or(paths[f], std::memory_order_acq_rel);
    grew = grew || (paths[f] & ~before) != 0;
  }
  return grew;
}

std::vector<uint64_t> MultikeyPaths::Get() const {
  std::vector<uint64_t> out;
  out.reserve(bits_.size());
  for (const auto& b : bits_) out.push_back(b.load(std::memory_order_acquire));
  return out;
}

std::vector<uint64_t> Collection::IndexMultikeyPaths(std::string_view index_name) const {
  std::shared_lock lock(mu_);
  for (const auto& index : *indexes_) {
    if (index.spec->name() == index_name) return index.multikey->Get();
  }
  return {};
}

std::vector<std::shared_ptr<const IndexSpec>> Collection::ListIndexes() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<const IndexSpec>> out{IndexSpec::IdIndex()};
  for (const auto& index : *indexes_) out.push_back(index.spec);
  return out;
}

StatusWith<std::string> Collection::IndexNameForKeyPattern(const bson_t* key_pattern) const {
  std::vector<std::string> names;
  for (const auto& spec : ListIndexes()) {
    if (bson_equal(spec->key_pattern(), key_pattern)) names.push_back(spec->name());
  }
  if (names.empty()) {
    return Status(ErrorCodes::IndexNotFound,
                  "can't find index with key: " + ShellString(key_pattern));
  }
  if (names.size() > 1) {
    return Status(ErrorCodes::AmbiguousIndexKeyPattern,
                  std::to_string(names.size()) + " indexes found for key: " +
                      ShellString(key_pattern) + ", identify by name instead.");
  }
  return names[0];
}

Status Collection::CreateIndex(const bson_t* spec_doc, bool durable) {
  auto parsed = IndexSpec::Parse(spec_doc);
  if (!parsed.ok()) return parsed.status();
  std::shared_ptr<const IndexSpec> spec = std::move(parsed.value());

  std::unique_lock lock(mu_);
  Status st = Usable();
  if (!st.ok()) return st;
  {
    std::vector<std::shared_ptr<const IndexSpec>> existing{IndexSpec::IdIndex()};
    for (const auto& index : *indexes_) existing.push_back(index.spec);
    st = CheckIndexConflicts(*spec, existing);
    if (!st.ok()) return st;
  }
  IndexState state{spec, 0, {}, {}, std::make_shared<MultikeyPaths>(spec->fields().size())};
  if (spec->partial_filter()) {
    auto filter = engine_->MakeFilter(*spec);
    if (!filter.ok()) return filter.status();
    state.filter = std::move(filter.value());
  }

  // Generate every entry from one snapshot; writers are excluded meanwhile
  // (mu_ exclusive), so the snapshot is also the latest state.
  struct Built {
    std::string key;  // encoded index key
    std::string rid;
  };
  std::vector<Built> entries;
  {
    auto cursor = kv_->NewIterator(nullptr, record_prefix_, layout::DataPrefixEnd(id_));
    IndexKeys keys;
    for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
      BsonView doc = ViewOfString(cursor->value());
      st = CheckIndexable(state, doc.get(), &keys);
      if (!st.ok()) return st;
      state.multikey->Add(keys.multikey_paths());
      std::string_view rid = cursor->key().substr(record_prefix_.size());
      for (size_t k = 0; k < keys.size(); ++k) entries.push_back({keys.key(k), std::string(rid)});
    }
    st = cursor->status();
    if (!st.ok()) return st;
  }
  std::sort(entries.begin(), entries.end(), [](const Built& a, const Built& b) {
    return a.key != b.key ? a.key < b.key : a.rid < b.rid;
  });

  if (spec->unique()) {
    // Keys are deduplicated within each document, so equal adjacent keys
    // belong to different documents.
    int64_t groups = 0;
    size_t first_dup = entries.size();
    for (size_t i = 1; i < entries.size(); ++i) {
      if (entries[i].key != entries[i - 1].key) continue;
      if (i == 1 || entries[i - 1].key != entries[i - 2].key) ++groups;
      if (first_dup == entries.size()) first_dup = i;
    }
    if (groups > 0) {
      // Report the smallest duplicated key, with the values of its second
      // document (mongod's bulk build fails on the second of two equal keys).
      Bson key_value;
      std::string bytes;
      auto found = kv_->Get(RecordKey(entries[first_dup].rid), &bytes);
      if (found.ok() && found.value()) {
        BsonView doc = ViewOfString(bytes);
        IndexKeys keys;
        if (CheckIndexable(state, doc.get(), &keys).ok()) {
          for (size_t k = 0; k < keys.size(); ++k) {
            if (keys.key(k) == entries[first_dup].key) key_value = keys.KeyValue(k);
          }
        }
      }
      Status dup = DuplicateKey(*spec, key_value);
      Bson extra = Bson::Copy(dup.extraInfo());
      AppendNumber(extra.get(), "duplicateGroups", groups);
      return Status(ErrorCodes::DuplicateKey, dup.reason(), std::move(extra));
    }
  }

  state.id = engine_->AllocateId();
  state.prefix = layout::DataPrefix(state.id);
  auto new_list = std::make_shared<IndexList>(*indexes_);
  new_list->push_back(state);

  // The garbage marker goes first: if the process dies mid-build, the next
  // Open() deletes the partial entries. The last batch publishes the index in
  // the catalog and removes the marker, atomically.
  const std::string marker = layout::GarbageKey(state.id);
  KvWriteBatch batch;
  batch.Put(marker, "");
  for (const Built& e : entries) {
    std::string key = state.prefix + e.key;
    if (!spec->unique()) key.append(e.rid);
    batch.Put(key, e.rid);
    if (batch.size() >= kBuildBatchEntries) {
      st = kv_->Write(batch, false);
      if (!st.ok()) break;
      batch = KvWriteBatch();
    }
  }
  if (st.ok()) {
    Bson entry = CatalogEntry(*new_list);
    batch.Put(layout::CollectionKey(db(), name()),
              std::string_view(reinterpret_cast<const char*>(entry.data()), entry.size()));
    batch.Delete(marker);
    st = kv_->Write(batch, durable);
  }
  if (!st.ok()) {
    KvWriteBatch undo;
    undo.DeleteRange(state.prefix, layout::DataPrefixEnd(state.id));
    undo.Delete(marker);
    kv_->Write(undo, durable);
    return st;
  }
  indexes_ = std::move(new_list);
  return Status::OK();
}

Status Collection::DropIndex(std::string_view name, bool durable) {
  if (name == "_id_") return Status(ErrorCodes::InvalidOptions, "cannot drop _id index");
  std::unique_lock lock(mu_);
  Status st = Usable();
  if (!st.ok()) return st;
  auto new_list = std::make_shared<IndexList>();
  const IndexState* dropped = nullptr;
  for (const auto& index : *indexes_) {
    if (index.spec->name() == name) {
      dropped = &index;
    } else {
      new_list->push_back(index);
    }
  }
  if (dropped == nullptr) {
    return Status(ErrorCodes::IndexNotFound,
                  "index not found with name [" + std::string(name) + "]");
  }
  Bson entry = CatalogEntry(*new_list);
  KvWriteBatch batch;
  batch.Put(layout::CollectionKey(db(), this->name()),
            std::string_view(reinterpret_cast<const char*>(entry.data()), entry.size()));
  batch.DeleteRange(dropped->prefix, layout::DataPrefixEnd(dropped->id));
  st = kv_->Write(batch, durable);
  if (!st.ok()) return st;
  indexes_ = std::move(new_list);
  return Status::OK();
}

ValidateResults Collection::Validate() const {
  ValidateResults results;
  auto fail = [&results](std::string msg) {
    results.valid = false;
    if (results.errors.size() < 100) results.errors.push_back(std::move(msg));
  };
  IndexListPtr indexes;
  {
    std::shared_lock lock(mu_);
    indexes = indexes_;
  }
  auto snapshot = kv_->GetSnapshot();
  std::vector<int64_t> expected(indexes->size(), 0);
  std::string value;

  // Records -> indexes: every key of every document is in its index.
  auto records = kv_->NewIterator(snapshot, record_prefix_, layout::DataPrefixEnd(id_));
  IndexKeys keys;
  for (records->SeekToFirst(); records->Valid(); records->Next()) {
    ++results.records;
    const std::string_view rid = records->key().substr(record_prefix_.size());
    BsonView doc = ViewOfString(records->value());
    bson_iter_t id;
    if (!bson_validate(doc.get(), BSON_VALIDATE_NONE, nullptr) || !bson_iter_init(&id, doc.get()) ||
        !bson_iter_next(&id) || KeyOf(&id) != "_id") {
      fail("record without a valid document or leading _id");
      continue;
    }
    std::string expect_rid;
    AppendKeyValue(&expect_rid, &id, false);
    if (expect_rid != rid) fail("record key does not match _id " + ShellValueString(&id));
    for (size_t i = 0; i < indexes->size(); ++i) {
      const IndexState& index = (*indexes)[i];
      Status st = CheckIndexable(index, doc.get(), &keys);
      if (!st.ok()) {
        fail("index " + index.spec->name() + ": " + st.reason());
        continue;
      }
      expected[i] += static_cast<int64_t>(keys.size());
      for (size_t k = 0; k < keys.size(); ++k) {
        std::string entry = index.prefix + keys.key(k);
        if (!index.spec->unique()) entry.append(rid);
        auto found = kv_->Get(entry, &value, snapshot.get());
        if (!found.ok() || !found.value() || value != rid) {
          fail("index " + index.spec->name() + " lacks key " + ShellString(keys.KeyValue(k).get()) +
               " of document _id " + ShellValueString(&id));
        }
      }
    }
  }
  results.keys_per_index.emplace_back("_id_", results.records);

  // Indexes -> records: every entry points at a document that generates it.
  for (size_t i = 0; i < indexes->size(); ++i) {
    const IndexState& index = (*indexes)[i];
    int64_t actual = 0;
    auto it = kv_->NewIterator(snapshot, index.prefix, layout::DataPrefixEnd(index.id));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++actual;
      const std::string_view rid = it->value();
      std::string_view key = it->key().substr(index.prefix.size());
      if (!index.spec->unique()) {
        if (!key.ends_with(rid)) {
          fail("index " + index.spec->name() + " has an entry whose key lacks its record id");
          continue;
        }
        key.remove_suffix(rid.size());
      }
      auto found = kv_->Get(RecordKey(rid), &value, snapshot.get());
      if (!found.ok() || !found.value()) {
        fail("index " + index.spec->name() + " has an entry for a missing document");
        continue;
      }
      BsonView doc = ViewOfString(value);
      if (!CheckIndexable(index, doc.get(), &keys).ok()) continue;  // reported above
      bool generated = false;
      for (size_t k = 0; k < keys.size() && !generated; ++k) generated = keys.key(k) == key;
      if (!generated) {
        fail("index " + index.spec->name() + " has an entry its document does not generate");
      }
    }
    if (actual != expected[i]) {
      fail("index " + index.spec->name() + " has " + std::to_string(actual) +
           " entries, documents generate " + std::to_string(expected[i]));
    }
    results.keys_per_index.emplace_back(index.spec->name(), actual);
  }
  return results;
}

std::vector<std::pair<std::string, int64_t>> Collection::IndexSizes() const {
  IndexListPtr indexes;
  {
    std::shared_lock lock(mu_);
    indexes = indexes_;
  }
  auto snapshot = kv_->GetSnapshot();
  std::vector<std::pair<std::string, int64_t>> sizes;
  // The _id index is the record store itself: its keys are the record keys.
  int64_t id_bytes = 0;
  auto records = kv_->NewIterator(snapshot, record_prefix_, layout::DataPrefixEnd(id_));
  for (records->SeekToFirst(); records->Valid(); records->Next()) {
    id_bytes += static_cast<int64_t>(records->key().size());
  }
  sizes.emplace_back("_id_", id_bytes);
  for (const IndexState& index : *indexes) {
    int64_t bytes = 0;
    auto it = kv_->NewIterator(snapshot, index.prefix, layout::DataPrefixEnd(index.id));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      bytes += static_cast<int64_t>(it->key().size() + it->value().size());
    }
    sizes.emplace_back(index.spec->name(), bytes);
  }
  return sizes;
}

}  // namespace basalt::storage
