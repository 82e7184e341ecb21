// A pull-based stream of result documents: what executors produce and what
// cursors hold between batches. Used by one thread at a time.
#pragma once

#include <vector>

#include "base/bson.h"
#include "base/status.h"

namespace basalt::query {

class DocumentStream {
 public:
  virtual ~DocumentStream() = default;
  // The next document into `*out`; false at the end.
  virtual StatusWith<bool> Next(Bson* out) = 0;
};

// A stream over documents already in memory (listCollections, listIndexes...).
class VectorStream : public DocumentStream {
 public:
  explicit VectorStream(std::vector<Bson> docs) : docs_(std::move(docs)) {}
  StatusWith<bool> Next(Bson* out) override {
    if (next_ >= docs_.size()) return false;
    *out = std::move(docs_[next_++]);
    return true;
  }

 private:
  std::vector<Bson> docs_;
  size_t next_ = 0;
};

}  // namespace basalt::query
