// Index specifications: validation of a createIndexes spec as mongod does it
// (index_key_validate.cpp, IndexCatalogImpl::_isSpecOk/_fixIndexSpec), the
// normalized form listIndexes returns, and the comparison that decides
// between "already exists", IndexOptionsConflict (85) and
// IndexKeySpecsConflict (86). Immutable values; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"

namespace basalt::storage {

// True for the option names mongod accepts in an index spec (IndexDescriptor's
// field names), e.g. to drop others under ignoreUnknownIndexOptions.
bool IsIndexSpecField(std::string_view name);

class IndexSpec {
 public:
  // Validates a spec element of createIndexes' `indexes` array and returns it
  // normalized: {v, unique: true?, hidden: true?, key, name, <other options
  // in the order given>}, with `v` defaulting to 2 and `unique: false`,
  // `hidden: false`, `ns` and `dropDups` dropped, as mongod stores it.
  // Index types Basalt cannot build yet (text, 2dsphere, 2d, hashed,
  // wildcard, columnstore) and non-simple collations are refused with 67.
  static StatusWith<std::shared_ptr<const IndexSpec>> Parse(const bson_t* spec);

  // Rebuilds a spec stored in the catalog (already normalized and valid).
  static StatusWith<std::shared_ptr<const IndexSpec>> FromStored(const bson_t* spec);

  // The implicit `{v: 2, key: {_id: 1}, name: "_id_"}`.
  static std::shared_ptr<const IndexSpec> IdIndex();

  const std::string& name() const { return name_; }
  const bson_t* key_pattern() const { return key_pattern_.get(); }
  // The normalized spec, as listIndexes shows it.
  const bson_t* spec() const { return spec_.get(); }
  const std::vector<std::string>& fields() const { return *fields_; }
  // The same, shared: index keys keep it for their error messages.
  const std::shared_ptr<const std::vector<std::string>>& shared_fields() const { return fields_; }
  const std::vector<bool>& descending() const { return descending_; }
  // True for the _id index, whose uniqueness is implied.
  bool unique() const { return unique_; }
  bool sparse() const { return sparse_; }
  bool hidden() const { return hidden_; }
  bool is_id_index() const { return is_id_; }
  // partialFilterExpression, or nullptr.
  const bson_t* partial_filter() const {
    return partial_filter_ ? partial_filter_->get() : nullptr;
  }

  enum class Comparison {
    kDifferent,   // another index: key, unique, sparse, partial filter or collation differ
    kEquivalent,  // same identity, other options (hidden, expireAfterSeconds...) differ
    kIdentical,   // same in every option but possibly the name
  };
  // mongod's IndexDescriptor::compareIndexOptions.
  Comparison Compare(const IndexSpec& existing) const;

 private:
  static StatusWith<std::shared_ptr<const IndexSpec>> Build(Bson normalized);

  std::string name_;
  Bson key_pattern_;
  Bson spec_;
  std::shared_ptr<const std::vector<std::string>> fields_;
  std::vector<bool> descending_;
  bool unique_ = false;
  bool sparse_ = false;
  bool hidden_ = false;
  bool is_id_ = false;
  std::optional<Bson> partial_filter_;
};

// The checks createIndexes makes of a new spec against the existing ones
// (mongod's _doesSpecConflictWithExisting). Returns OK when the index can be
// built, IndexAlreadyExists (68) when an identical one exists (the command
// reports "all indexes already exist"), or 85/86 with mongod's messages.
Status CheckIndexConflicts(const IndexSpec& candidate,
                           const std::vector<std::shared_ptr<const IndexSpec>>& existing);

}  // namespace basalt::storage
