// The writes of $out and $merge (query::CollectionWriter) over the storage
// engine, with the same per-document path as the insert command.
#pragma once

#include <memory>

#include "commands/command.h"
#include "query/pipeline.h"

namespace basalt::commands {

// A writer for one aggregate. It keeps the service, not the operation, like
// the collection reader, because it lives as long as the pipeline.
std::shared_ptr<query::CollectionWriter> MakeAggregateWriter(ServiceContext* service,
                                                             int64_t connection_id);

}  // namespace basalt::commands
