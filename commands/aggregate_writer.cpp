#include "commands/aggregate_writer.h"

#include <algorithm>

#include "commands/query_exec.h"
#include "commands/service_context.h"
#include "commands/write_util.h"

namespace basalt::commands {
namespace {

class EngineCollectionWriter : public query::CollectionWriter {
 public:
  EngineCollectionWriter(ServiceContext* service, int64_t connection_id) : service_(service) {
    connection_.id = connection_id;
  }

  bool HasUniqueIndexOn(const std::string& db, const std::string& coll,
                        const std::vector<std::string>& fields) override {
    std::vector<std::string> wanted = fields;
    std::sort(wanted.begin(), wanted.end());
    auto collection = service_->engine->GetCollection(db, coll);
    if (!collection) return wanted == std::vector<std::string>{"_id"};
    for (const auto& index : collection->ListIndexes()) {
      if (!(index->unique() || index->is_id_index()) || index->partial_filter() != nullptr) {
        continue;
      }
      std::vector<std::string> keys = index->fields();
      std::sort(keys.begin(), keys.end());
      if (keys == wanted) return true;
    }
    return false;
  }

  StatusWith<std::optional<Bson>> FindOne(const std::string& db, const std::string& coll,
                                          const bson_t* filter) override {
    OperationContext op{*service_, connection_};
    auto executor = MakeFindExecutor(op, db, coll, filter, nullptr, query::FindOptions());
    if (!executor.ok()) return executor.status();
    Bson doc;
    auto found = executor.value()->Next(&doc);
    if (!found.ok()) return found.status();
    if (!found.value()) return std::optional<Bson>();
    return std::optional<Bson>(std::move(doc));
  }

  Status Insert(const std::string& db, const std::string& coll, const bson_t* doc) override {
    auto collection = service_->engine->GetOrCreateCollection(db, coll, false);
    if (!collection.ok()) return collection.status();
    service_->opcounters.insert.fetch_add(1, std::memory_order_relaxed);
    return InsertDocument(*collection.value(), doc);
  }

  Status Replace(const std::string& db, const std::string& coll, const bson_t* old_doc,
                 const bson_t* new_doc) override {
    auto collection = service_->engine->GetCollection(db, coll);
    if (!collection) return Status(ErrorCodes::WriteConflict, "collection dropped meanwhile");
    service_->opcounters.update.fetch_add(1, std::memory_order_relaxed);
    Status s = collection->Replace(old_doc, new_doc, false);
    // Deleted between the read and the write: as mongod, retry the statement.
    if (s.code() == ErrorCodes::NoSuchKey) return Status(ErrorCodes::WriteConflict, s.reason());
    return s;
  }

  StatusWith<std::string> CreateTempCollection(const std::string& db,
                                               const std::string& like) override {
    bson_oid_t oid;
    bson_oid_init(&oid, nullptr);
    char hex[25];
    bson_oid_to_string(&oid, hex);
    const std::string name = std::string("tmp.agg_out.") + hex;
    auto original = service_->engine->GetCollection(db, like);
    auto temp = service_->engine->CreateCollection(db, name,
                                                   original ? original->options() : nullptr, false);
    if (!temp.ok()) return temp.status();
    if (original) {
      for (const auto& index : original->ListIndexes()) {
        if (index->is_id_index()) continue;
        if (Status s = temp.value()->CreateIndex(index->spec(), false); !s.ok()) {
          Drop(db, name);
          return Status(s.code(), "copying index for $out failed. index: " +
                                      std::string(index->name()) + " error: " + s.reason());
        }
      }
    }
    return name;
  }

  Status RenameOver(const std::string& db, const std::string& from,
                    const std::string& to) override {
    return service_->engine->RenameCollection(db, from, db, to, true, false);
  }

  void Drop(const std::string& db, const std::string& coll) override {
    (void)service_->engine->DropCollection(db, coll, false);
  }

 private:
  ServiceContext* service_;
  ConnectionState connection_;
};

}  // namespace

std::shared_ptr<query::CollectionWriter> MakeAggregateWriter(ServiceContext* service,
                                                             int64_t connection_id) {
  return std::make_shared<EngineCollectionWriter>(service, connection_id);
}

}  // namespace basalt::commands
