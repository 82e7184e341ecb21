// $facet: runs several sub-pipelines over the same input and returns one
// document with an array of results per facet. The input is held in
// memory while the facets run.

#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

constexpr std::string_view kNotInFacet[] = {
    "$facet",      "$out",       "$merge",     "$collStats",
    "$indexStats", "$documents", "$currentOp", "$listLocalSessions",
    "$unionWith"};

class FacetSpec : public StageSpec {
 public:
  std::string_view name() const override { return "$facet"; }
  Status Optimize() override {
    for (auto& [name, stages] : facets_) {
      if (Status s = OptimizeStages(&stages); !s.ok()) return s;
    }
    return Status::OK();
  }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override {
    class Stream : public DocumentStream {
     public:
      Stream(std::unique_ptr<DocumentStream> source, const FacetSpec& spec, PipelineContext& ctx)
          : source_(std::move(source)), spec_(spec), ctx_(ctx) {}
      StatusWith<bool> Next(Bson* out) override {
        if (done_) return false;
        done_ = true;
        std::vector<Bson> input;
        Bson doc;
        while (true) {
          auto more = source_->Next(&doc);
          if (!more.ok()) return more;
          if (!more.value()) break;
          input.push_back(std::move(doc));
        }
        Bson result;
        for (const auto& [name, stages] : spec_.facets_) {
          std::vector<Bson> copy;
          copy.reserve(input.size());
          for (const Bson& d : input) copy.push_back(Bson::Copy(d.get()));
          auto stream =
              ExecuteStages(stages, std::make_unique<VectorStream>(std::move(copy)), ctx_);
          if (!stream.ok()) return stream.status();
          bson_t array;
          bson_append_array_begin(result.get(), name.c_str(), static_cast<int>(name.size()),
                                  &array);
          uint32_t i = 0;
          while (true) {
            auto more = stream.value()->Next(&doc);
            if (!more.ok()) return more;
            if (!more.value()) break;
            std::string key = std::to_string(i++);
            bson_append_document(&array, key.c_str(), static_cast<int>(key.size()), doc.get());
          }
          bson_append_array_end(result.get(), &array);
          if (result.size() > 16 * 1024 * 1024) {
            return Status(ErrorCodes::BSONObjectTooLarge,
                          "document constructed by $facet is " + std::to_string(result.size()) +
                              " bytes, which exceeds the limit of 16777216 bytes");
          }
        }
        *out = std::move(result);
        return true;
      }

     private:
      std::unique_ptr<DocumentStream> source_;
      const FacetSpec& spec_;
      PipelineContext& ctx_;
      bool done_ = false;
    };
    return std::unique_ptr<DocumentStream>(std::make_unique<Stream>(std::move(source), *this, ctx));
  }

  std::vector<std::pair<std::string, std::vector<StagePtr>>> facets_;
};

StatusWith<StagePtr> ParseFacet(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg) || DocumentOf(arg).empty()) {
    return Status(40169, "the $facet specification must be a non-empty object");
  }
  auto spec = std::make_shared<FacetSpec>();
  PipelineContext sub = ctx;
  sub.in_facet = true;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string name(KeyOf(&it));
    if (name.empty()) return Status(15998, "FieldPath field names may not be empty strings.");
    if (name[0] == '$') {
      return Status(16410,
                    "FieldPath field names may not start with '$'. Consider using $getField or "
                    "$setField.");
    }
    if (name.find('.') != std::string::npos) {
      return Status(16412,
                    "FieldPath field names may not contain '.'. Consider using $getField or "
                    "$setField.");
    }
    if (!BSON_ITER_HOLDS_ARRAY(&it)) {
      return Status(40170,
                    "arguments to $facet must be arrays, " + name + " is type " + TypeNameOf(&it));
    }
    auto stages = ParseSubPipeline(&it, sub, "$facet");
    if (!stages.ok()) return stages.status();
    for (const StagePtr& stage : stages.value()) {
      for (std::string_view banned : kNotInFacet) {
        if (stage->name() == banned) {
          return Status(40600,
                        std::string(banned) + " is not allowed to be used within a $facet stage");
        }
      }
    }
    spec->facets_.emplace_back(std::move(name), std::move(stages.value()));
  }
  return StagePtr(std::move(spec));
}

}  // namespace

std::vector<StageEntry> FacetStages() { return {{"$facet", ParseFacet}}; }

}  // namespace basalt::query
