// The storage engine: owns the key-value store (RocksDB in the data
// directory, or in memory), the persisted catalog of collections and their
// indexes, the data directory's lock file and the journal flusher. The
// command layer opens one Engine per process and reaches every collection
// through it; nothing above it sees the KV store.
//
// Contract:
// - Open() refuses a data directory another process has open (code 98
//   DBPathInUse, mongod's message) and restores the whole catalog: after a
//   restart (clean or not) every collection, index, option and uuid is back,
//   and counts/sizes are exact.
// - Every mutating call takes `durable` (j: true): when set it returns only
//   once the change is on disk; otherwise a background thread makes it
//   durable within `commit_interval` (mongod's commitIntervalMs, 100 ms).
// - Catalog changes (create, drop, rename, index create/drop) are each one
//   atomic KV batch: a crash leaves them done or not done.
// - Databases exist while they hold a collection, as in mongod.
//
// Locking: catalog_mu_ guards collections_ and next_id_. It is taken after a
// collection's own mutex, never before waiting for one (see collection.h).
// flusher_mu_ guards stop_flusher_. All methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "storage/collection.h"
#include "storage/kv.h"
#include "storage/stripe_locks.h"

namespace basalt::storage {

struct EngineOptions {
  enum class Kind { kRocksDb, kInMemory };
  Kind kind = Kind::kRocksDb;
  // The data directory (--dbpath); must exist. Unused in memory.
  std::string db_path;
  // How long a non-durable write may wait to become durable.
  std::chrono::milliseconds commit_interval{100};
  // Builds the matcher of a partialFilterExpression (supplied by the query
  // layer). Without it, creating an index with a partial filter fails with
  // 67, and so does opening a catalog that holds one.
  std::shared_ptr<const PartialFilterFactory> partial_filter_factory;
};

struct CollectionInfo {
  std::string db;
  std::string name;
  Uuid uuid;
  Bson options;
};

struct DatabaseStats {
  int64_t collections = 0;
  int64_t indexes = 0;  // including each collection's _id index
  int64_t documents = 0;
  int64_t data_size = 0;  // sum of document sizes
};

class Engine {
 public:
  static StatusWith<std::unique_ptr<Engine>> Open(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Stops the flusher, saves counts, syncs and closes the store, releases the
  // lock file. Every collection handle and cursor must be gone. Idempotent.
  Status Close();

  // NamespaceExists "Collection db.c already exists." if it exists;
  // InvalidNamespace for bad names. `options` (nullable) is stored as given.
  StatusWith<std::shared_ptr<Collection>> CreateCollection(std::string_view db,
                                                           std::string_view coll,
                                                           const bson_t* options, bool durable);
  // The collection, created with no options if absent (implicit creation on
  // first write). `*created` (optional) tells which.
  StatusWith<std::shared_ptr<Collection>> GetOrCreateCollection(std::string_view db,
                                                                std::string_view coll, bool durable,
                                                                bool* created = nullptr);
  // nullptr if absent.
  std::shared_ptr<Collection> GetCollection(std::string_view db, std::string_view coll) const;

  // NamespaceNotFound "ns not found" if absent.
  Status DropCollection(std::string_view db, std::string_view coll, bool durable);
  // Drops every collection of `db` (each atomically). OK if there are none.
  Status DropDatabase(std::string_view db, bool durable);
  // Within or across databases; the data does not move. NamespaceNotFound
  // "Source collection a.b does not exist"; NamespaceExists "target namespace
  // exists" unless `drop_target`; IllegalOperation "Can't rename a collection
  // to itself".
  Status RenameCollection(std::string_view from_db, std::string_view from_coll,
                          std::string_view to_db, std::string_view to_coll, bool drop_target,
                          bool durable);

  // Sorted names of the databases holding collections.
  std::vector<std::string> ListDatabaseNames() const;
  // The collections of `db`, sorted by name.
  std::vector<CollectionInfo> ListCollections(std::string_view db) const;
  DatabaseStats GetDatabaseStats(std::string_view db) const;
  // Bytes of the whole store on disk (or in memory), approximate.
  uint64_t ApproximateStoreSize() const { return kv_->ApproximateSize(); }

  // Makes every acknowledged write durable now.
  Status Flush() { return kv_->SyncWal(); }

  const EngineOptions& options() const { return options_; }

 private:
  friend class Collection;
  // Keyed by "<db>\0<collection>".
  using CollectionMap = std::map<std::string, std::shared_ptr<Collection>>;

  Engine(EngineOptions options, std::unique_ptr<KvStore> kv, int lock_fd);
  Status Recover();
  Status LoadCollection(const bson_t* entry);
  Status LoadCounts();
  void FlusherLoop();
  uint64_t AllocateId();
  StatusWith<std::shared_ptr<Collection>> CreateLocked(std::string_view db, std::string_view coll,
                                                       const bson_t* options, bool durable);
  StatusWith<PartialFilter> MakeFilter(const IndexSpec& spec) const;
  KvStore* kv() const { return kv_.get(); }
  StripeLocks* stripes() { return &stripes_; }

  const EngineOptions options_;
  std::unique_ptr<KvStore> kv_;
  int lock_fd_;  // -1 in memory
  StripeLocks stripes_;

  mutable std::mutex catalog_mu_;
  CollectionMap collections_;  // guarded by catalog_mu_
  uint64_t next_id_ = 1;       // guarded by catalog_mu_
  bool closed_ = false;        // guarded by catalog_mu_
  // Set once Open() has loaded everything; only then are counts worth saving.
  bool recovered_ = false;

  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  bool stop_flusher_ = false;  // guarded by flusher_mu_
  std::thread flusher_;
};

}  // namespace basalt::storage
