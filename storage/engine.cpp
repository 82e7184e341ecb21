#include "storage/engine.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "storage/key_layout.h"
#include "storage/namespace.h"

namespace basalt::storage {
namespace {

constexpr int32_t kFormatVersion = 1;

// collections_ keys: "<db>\0<collection>", so one database's collections
// are adjacent and sorted by name.
std::string NsKey(std::string_view db, std::string_view coll) {
  std::string key(db);
  key.push_back('\0');
  key.append(coll);
  return key;
}

std::string_view AsBytes(const Bson& doc) {
  return {reinterpret_cast<const char*>(doc.data()), doc.size()};
}

BsonView ViewOfString(std::string_view bytes) { return BsonView(bytes); }

Uuid NewUuid() {
  static std::mutex mu;
  static std::mt19937_64 gen{std::random_device{}()};
  std::lock_guard lock(mu);
  Uuid u;
  for (size_t i = 0; i < 16; i += 8) {
    uint64_t r = gen();
    std::memcpy(u.data() + i, &r, 8);
  }
  u[6] = static_cast<uint8_t>((u[6] & 0x0f) | 0x40);  // version 4
  u[8] = static_cast<uint8_t>((u[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return u;
}

// mongod's lock file: flock()ed for the life of the process, holding its pid.
StatusWith<int> LockDataDirectory(const std::string& db_path) {
  struct stat st;
  if (::stat(db_path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status(ErrorCodes::NonExistentPath,
                  "Data directory " + db_path +
                      " not found. Create the missing directory or specify another path using "
                      "(1) the --dbpath command line option, or (2) by adding the "
                      "'storage.dbPath' option in the configuration file.");
  }
  const std::string path = db_path + "/mongod.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status(ErrorCodes::DBPathInUse, "Unable to create/open the lock file: " + path + " (" +
                                               std::strerror(errno) +
                                               "). Ensure the user executing mongod is the owner "
                                               "of the lock file and has the appropriate "
                                               "permissions. Also make sure that another mongod "
                                               "instance is not already running on the " +
                                               db_path + " directory");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    return Status(ErrorCodes::DBPathInUse,
                  "Unable to lock the lock file: " + path + " (" + std::strerror(err) +
                      "). Another mongod instance is already running on the " + db_path +
                      " directory");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is informative only; the flock is what excludes others.
  }
  ::fsync(fd);
  return fd;
}

void UnlockDataDirectory(int fd) {
  if (fd < 0) return;
  // mongod leaves an empty lock file behind after a clean shutdown.
  if (::ftruncate(fd, 0) == 0) ::fsync(fd);
  ::flock(fd, LOCK_UN);
  ::close(fd);
}

}  // namespace

StatusWith<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  std::unique_ptr<KvStore> kv;
  int lock_fd = -1;
  if (options.kind == EngineOptions::Kind::kInMemory) {
    kv = NewMemoryKvStore();
  } else {
    auto locked = LockDataDirectory(options.db_path);
    if (!locked.ok()) return locked.status();
    lock_fd = locked.value();
    auto opened = OpenRocksKvStore(options.db_path + "/rocksdb");
    if (!opened.ok()) {
      UnlockDataDirectory(lock_fd);
      return opened.status();
    }
    kv = std::move(opened.value());
  }
  std::unique_ptr<Engine> engine(new Engine(std::move(options), std::move(kv), lock_fd));
  Status st = engine->Recover();
  if (!st.ok()) {
    engine->Close();
    return st;
  }
  if (engine->options_.kind == EngineOptions::Kind::kRocksDb) {
    engine->flusher_ = std::thread([e = engine.get()] { e->FlusherLoop(); });
  }
  return engine;
}

Engine::Engine(EngineOptions options, std::unique_ptr<KvStore> kv, int lock_fd)
    : options_(std::move(options)), kv_(std::move(kv)), lock_fd_(lock_fd) {}

Engine::~Engine() { Close(); }

Status Engine::Recover() {
  // Format marker: refuse data written by an incompatible future version.
  std::string value;
  auto meta = kv_->Get(layout::MetaKey(), &value);
  if (!meta.ok()) return meta.status();
  if (meta.value()) {
    BsonView doc = ViewOfString(value);
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc.get(), "format") || bson_iter_int32(&it) != kFormatVersion) {
      return Status(ErrorCodes::UnsupportedFormat,
                    "unsupported Basalt data format in " + options_.db_path);
    }
  } else {
    Bson doc;
    BSON_APPEND_INT32(doc.get(), "format", kFormatVersion);
    KvWriteBatch batch;
    batch.Put(layout::MetaKey(), AsBytes(doc));
    Status st = kv_->Write(batch, true);
    if (!st.ok()) return st;
  }

  uint64_t max_id = 0;
  // Index builds that never finished: delete what they wrote.
  {
    KvWriteBatch batch;
    std::string prefix = layout::GarbageKeyPrefix();
    auto it = kv_->NewIterator(nullptr, prefix, layout::PrefixSuccessor(prefix));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      uint64_t id = layout::ReadBigEndian64(it->key().substr(prefix.size()));
      max_id = std::max(max_id, id);
      batch.DeleteRange(layout::DataPrefix(id), layout::DataPrefixEnd(id));
      batch.Delete(it->key());
    }
    if (!batch.empty()) {
      Status st = kv_->Write(batch, true);
      if (!st.ok()) return st;
    }
  }

  {
    std::string prefix = layout::CollectionKeyPrefix();
    auto it = kv_->NewIterator(nullptr, prefix, layout::PrefixSuccessor(prefix));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      BsonView entry = ViewOfString(it->value());
      Status st = LoadCollection(entry.get());
      if (!st.ok()) return st;
    }
    Status st = it->status();
    if (!st.ok()) return st;
  }
  // Ids are never reused while their data may exist: start past every id in
  // the catalog and past the last data key (a dropped range may linger).
  for (const auto& [ns, coll] : collections_) {
    max_id = std::max(max_id, coll->id_);
    for (const auto& index : *coll->indexes_) max_id = std::max(max_id, index.id);
  }
  {
    auto it = kv_->NewIterator(nullptr, std::string(1, layout::kDataByte),
                               std::string(1, layout::kDataByte + 1));
    it->SeekToLast();
    if (it->Valid() && it->key().size() >= layout::kDataPrefixSize) {
      max_id = std::max(max_id, layout::ReadBigEndian64(it->key().substr(1)));
    }
  }
  next_id_ = max_id + 1;
  Status st = LoadCounts();
  recovered_ = st.ok();
  return st;
}

Status Engine::LoadCollection(const bson_t* entry) {
  bson_iter_t it;
  std::string db, name;
  Uuid uuid{};
  uint64_t id = 0;
  Bson options;
  Collection::IndexList indexes;
  if (!bson_iter_init(&it, entry)) return Status(ErrorCodes::InvalidBSON, "bad catalog entry");
  while (bson_iter_next(&it)) {
    std::string_view f = KeyOf(&it);
    if (f == "db") {
      db = Utf8Of(&it);
    } else if (f == "name") {
      name = Utf8Of(&it);
    } else if (f == "uuid") {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_subtype_t subtype;
      bson_iter_binary(&it, &subtype, &len, &data);
      if (len == 16) std::memcpy(uuid.data(), data, 16);
    } else if (f == "id") {
      id = static_cast<uint64_t>(bson_iter_int64(&it));
    } else if (f == "options") {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      options = Bson::CopyBytes(data, len);
    } else if (f == "indexes") {
      bson_iter_t arr;
      bson_iter_recurse(&it, &arr);
      while (bson_iter_next(&arr)) {
        bson_iter_t item;
        bson_iter_recurse(&arr, &item);
        Collection::IndexState state{nullptr, 0, {}, {}, nullptr};
        std::vector<uint64_t> multikey;
        while (bson_iter_next(&item)) {
          if (KeyOf(&item) == "id") {
            state.id = static_cast<uint64_t>(bson_iter_int64(&item));
          } else if (KeyOf(&item) == "multikeyPaths" && BSON_ITER_HOLDS_ARRAY(&item)) {
            bson_iter_t path;
            bson_iter_recurse(&item, &path);
            while (bson_iter_next(&path)) {
              multikey.push_back(static_cast<uint64_t>(bson_iter_as_int64(&path)));
            }
          } else if (KeyOf(&item) == "spec") {
            uint32_t len = 0;
            const uint8_t* data = nullptr;
            bson_iter_document(&item, &len, &data);
            BsonView spec(data, len);
            auto parsed = IndexSpec::FromStored(spec.get());
            if (!parsed.ok()) return parsed.status();
            state.spec = std::move(parsed.value());
          }
        }
        if (!state.spec || state.id == 0) {
          return Status(ErrorCodes::InvalidBSON,
                        "bad index in catalog entry of " + db + "." + name);
        }
        state.prefix = layout::DataPrefix(state.id);
        state.multikey = std::make_shared<MultikeyPaths>(state.spec->fields().size());
        state.multikey->Add(multikey);
        if (state.spec->partial_filter()) {
          auto filter = MakeFilter(*state.spec);
          if (!filter.ok()) return filter.status();
          state.filter = std::move(filter.value());
        }
        indexes.push_back(std::move(state));
      }
    }
  }
  if (db.empty() || name.empty() || id == 0) {
    return Status(ErrorCodes::InvalidBSON, "bad catalog entry");
  }
  auto coll = std::make_shared<Collection>(this, db, name, uuid, id, std::move(options),
                                           std::move(indexes));
  collections_[NsKey(db, name)] = std::move(coll);
  return Status::OK();
}

Status Engine::LoadCounts() {
  // After a clean shutdown the counts were saved; otherwise count. The saved
  // counts are deleted before any write, so a later crash forces a recount.
  std::string value;
  auto saved = kv_->Get(layout::ShutdownStatsKey(), &value);
  if (!saved.ok()) return saved.status();
  if (saved.value()) {
    BsonView doc = ViewOfString(value);
    for (auto& [ns, coll] : collections_) {
      bson_iter_t it, counts;
      std::string key = std::to_string(coll->id_);
      if (bson_iter_init_find_w_len(&it, doc.get(), key.data(), static_cast<int>(key.size())) &&
          bson_iter_recurse(&it, &counts) && bson_iter_next(&counts)) {
        coll->count_ = bson_iter_int64(&counts);
        if (bson_iter_next(&counts)) coll->data_size_ = bson_iter_int64(&counts);
      }
    }
    KvWriteBatch batch;
    batch.Delete(layout::ShutdownStatsKey());
    return kv_->Write(batch, true);
  }
  for (auto& [ns, coll] : collections_) {
    int64_t count = 0, size = 0;
    auto it = kv_->NewIterator(nullptr, coll->record_prefix_, layout::DataPrefixEnd(coll->id_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++count;
      size += static_cast<int64_t>(it->value().size());
    }
    Status st = it->status();
    if (!st.ok()) return st;
    coll->count_ = count;
    coll->data_size_ = size;
  }
  return Status::OK();
}

void Engine::FlusherLoop() {
  std::unique_lock lock(flusher_mu_);
  while (!stop_flusher_) {
    flusher_cv_.wait_for(lock, options_.commit_interval);
    if (stop_flusher_) break;
    lock.unlock();
    // A failed sync is retried on the next tick; j:true writes sync themselves.
    kv_->SyncWal();
    lock.lock();
  }
}

Status Engine::Close() {
  {
    std::lock_guard lock(flusher_mu_);
    stop_flusher_ = true;
  }
  flusher_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();

  CollectionMap collections;
  {
    std::lock_guard lock(catalog_mu_);
    if (closed_) return Status::OK();
    closed_ = true;
    collections.swap(collections_);
  }
  Status st;
  if (options_.kind == EngineOptions::Kind::kRocksDb && recovered_) {
    Bson counts;
    for (const auto& [ns, coll] : collections) {
      bson_t pair;
      std::string key = std::to_string(coll->id_);
      BSON_APPEND_ARRAY_BEGIN(counts.get(), key.c_str(), &pair);
      BSON_APPEND_INT64(&pair, "0", coll->Count());
      BSON_APPEND_INT64(&pair, "1", coll->DataSize());
      bson_append_array_end(counts.get(), &pair);
    }
    KvWriteBatch batch;
    batch.Put(layout::ShutdownStatsKey(), AsBytes(counts));
    st = kv_->Write(batch, true);
  }
  collections.clear();
  Status closed = kv_->Close();
  if (st.ok()) st = closed;
  UnlockDataDirectory(lock_fd_);
  lock_fd_ = -1;
  return st;
}

uint64_t Engine::AllocateId() {
  std::lock_guard lock(catalog_mu_);
  return next_id_++;
}

StatusWith<PartialFilter> Engine::MakeFilter(const IndexSpec& spec) const {
  if (!options_.partial_filter_factory) {
    return Status(ErrorCodes::CannotCreateIndex,
                  "partialFilterExpression needs the query matcher, which is not available");
  }
  return options_.partial_filter_factory->Make(spec.partial_filter());
}

StatusWith<std::shared_ptr<Collection>> Engine::CreateLocked(std::string_view db,
                                                             std::string_view coll,
                                                             const bson_t* options, bool durable) {
  if (closed_) return Status(ErrorCodes::ShutdownInProgress, "storage engine is closed");
  Status st = ValidateNamespaceForCreate(db, coll);
  if (!st.ok()) return st;
  Bson opts = options ? Bson::Copy(options) : Bson();
  const uint64_t id = next_id_++;
  auto created = std::make_shared<Collection>(this, std::string(db), std::string(coll), NewUuid(),
                                              id, std::move(opts), Collection::IndexList{});
  Bson entry = created->CatalogEntry({});
  KvWriteBatch batch;
  batch.Put(layout::CollectionKey(db, coll), AsBytes(entry));
  st = kv_->Write(batch, durable);
  if (!st.ok()) return st;
  collections_[NsKey(db, coll)] = created;
  return created;
}

StatusWith<std::shared_ptr<Collection>> Engine::CreateCollection(std::string_view db,
                                                                 std::string_view coll,
                                                                 const bson_t* options,
                                                                 bool durable) {
  std::lock_guard lock(catalog_mu_);
  if (collections_.count(NsKey(db, coll))) {
    return Status(ErrorCodes::NamespaceExists,
                  "Collection " + std::string(db) + "." + std::string(coll) + " already exists.");
  }
  return CreateLocked(db, coll, options, durable);
}

StatusWith<std::shared_ptr<Collection>> Engine::GetOrCreateCollection(std::string_view db,
                                                                      std::string_view coll,
                                                                      bool durable, bool* created) {
  std::lock_guard lock(catalog_mu_);
  auto it = collections_.find(NsKey(db, coll));
  if (created) *created = it == collections_.end();
  if (it != collections_.end()) return it->second;
  return CreateLocked(db, coll, nullptr, durable);
}

std::shared_ptr<Collection> Engine::GetCollection(std::string_view db,
                                                  std::string_view coll) const {
  std::lock_guard lock(catalog_mu_);
  auto it = collections_.find(NsKey(db, coll));
  return it == collections_.end() ? nullptr : it->second;
}

Status Engine::DropCollection(std::string_view db, std::string_view coll, bool durable) {
  auto target = GetCollection(db, coll);
  if (!target) return Status(ErrorCodes::NamespaceNotFound, "ns not found");
  // Wait for in-flight writes, then drop records, indexes and catalog entry
  // in one batch.
  std::unique_lock coll_lock(target->mu_);
  std::lock_guard lock(catalog_mu_);
  auto it = collections_.find(NsKey(db, coll));
  if (it == collections_.end() || it->second != target || target->dropped_) {
    return Status(ErrorCodes::NamespaceNotFound, "ns not found");
  }
  KvWriteBatch batch;
  batch.Delete(layout::CollectionKey(db, coll));
  batch.DeleteRange(target->record_prefix_, layout::DataPrefixEnd(target->id_));
  for (const auto& index : *target->indexes_) {
    batch.DeleteRange(index.prefix, layout::DataPrefixEnd(index.id));
  }
  Status st = kv_->Write(batch, durable);
  if (!st.ok()) return st;
  target->dropped_ = true;
  collections_.erase(it);
  return Status::OK();
}

Status Engine::DropDatabase(std::string_view db, bool durable) {
  for (const auto& info : ListCollections(db)) {
    Status st = DropCollection(info.db, info.name, durable);
    if (!st.ok() && st.code() != ErrorCodes::NamespaceNotFound) return st;
  }
  return Status::OK();
}

Status Engine::RenameCollection(std::string_view from_db, std::string_view from_coll,
                                std::string_view to_db, std::string_view to_coll, bool drop_target,
                                bool durable) {
  const std::string from_ns = std::string(from_db) + "." + std::string(from_coll);
  if (from_db == to_db && from_coll == to_coll) {
    return Status(ErrorCodes::IllegalOperation, "Can't rename a collection to itself");
  }
  Status st = ValidateNamespaceForCreate(to_db, to_coll);
  if (!st.ok()) return st;
  auto source = GetCollection(from_db, from_coll);
  if (!source) {
    return Status(ErrorCodes::NamespaceNotFound,
                  "Source collection " + from_ns + " does not exist");
  }
  auto target = GetCollection(to_db, to_coll);
  if (target && !drop_target) return Status(ErrorCodes::NamespaceExists, "target namespace exists");

  // Both collections exclusive, in id order so that two renames cannot deadlock.
  std::unique_lock<std::shared_mutex> first, second;
  if (target && target->id_ < source->id_) {
    first = std::unique_lock(target->mu_);
    second = std::unique_lock(source->mu_);
  } else {
    first = std::unique_lock(source->mu_);
    if (target) second = std::unique_lock(target->mu_);
  }
  std::lock_guard lock(catalog_mu_);
  auto src_it = collections_.find(NsKey(from_db, from_coll));
  auto dst_it = collections_.find(NsKey(to_db, to_coll));
  if (src_it == collections_.end() || src_it->second != source) {
    return Status(ErrorCodes::NamespaceNotFound,
                  "Source collection " + from_ns + " does not exist");
  }
  if ((dst_it == collections_.end() ? nullptr : dst_it->second) != target) {
    return Status(ErrorCodes::ConflictingOperationInProgress,
                  "the target collection changed during the rename; retry");
  }

  KvWriteBatch batch;
  batch.Delete(layout::CollectionKey(from_db, from_coll));
  if (target) {
    batch.DeleteRange(target->record_prefix_, layout::DataPrefixEnd(target->id_));
    for (const auto& index : *target->indexes_) {
      batch.DeleteRange(index.prefix, layout::DataPrefixEnd(index.id));
    }
  }
  {
    std::lock_guard names(source->names_mu_);
    source->db_ = std::string(to_db);
    source->name_ = std::string(to_coll);
  }
  Bson entry = source->CatalogEntry(*source->indexes_);
  batch.Put(layout::CollectionKey(to_db, to_coll), AsBytes(entry));
  st = kv_->Write(batch, durable);
  if (!st.ok()) {
    std::lock_guard names(source->names_mu_);
    source->db_ = std::string(from_db);
    source->name_ = std::string(from_coll);
    return st;
  }
  if (target) {
    target->dropped_ = true;
    collections_.erase(dst_it);
  }
  collections_.erase(src_it);
  collections_[NsKey(to_db, to_coll)] = source;
  return Status::OK();
}

std::vector<std::string> Engine::ListDatabaseNames() const {
  std::lock_guard lock(catalog_mu_);
  std::vector<std::string> names;
  for (const auto& [ns, coll] : collections_) {
    std::string db = ns.substr(0, ns.find('\0'));
    if (names.empty() || names.back() != db) names.push_back(std::move(db));
  }
  return names;
}

std::vector<CollectionInfo> Engine::ListCollections(std::string_view db) const {
  std::lock_guard lock(catalog_mu_);
  std::vector<CollectionInfo> out;
  const std::string prefix = NsKey(db, "");
  for (auto it = collections_.lower_bound(prefix);
       it != collections_.end() && it->first.starts_with(prefix); ++it) {
    out.push_back({std::string(db), it->first.substr(prefix.size()), it->second->uuid(),
                   Bson::Copy(it->second->options())});
  }
  return out;
}

DatabaseStats Engine::GetDatabaseStats(std::string_view db) const {
  std::vector<std::shared_ptr<Collection>> colls;
  {
    std::lock_guard lock(catalog_mu_);
    const std::string prefix = NsKey(db, "");
    for (auto it = collections_.lower_bound(prefix);
         it != collections_.end() && it->first.starts_with(prefix); ++it) {
      colls.push_back(it->second);
    }
  }
  DatabaseStats stats;
  for (const auto& coll : colls) {
    ++stats.collections;
    stats.indexes += static_cast<int64_t>(coll->ListIndexes().size());
    stats.documents += coll->Count();
    stats.data_size += coll->DataSize();
  }
  return stats;
}

}  // namespace basalt::storage
