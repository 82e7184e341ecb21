// The mutable document of the update engine (see update_internal.h).
#include <cctype>
#include <cstring>
#include <limits>

#include "base/bson_shell.h"
#include "query/update_internal.h"

namespace basalt::query::update_internal {

MValue MValue::Ref(const bson_iter_t& it, std::shared_ptr<const Bson> owner) {
  MValue v;
  v.type = bson_iter_type(&it);
  v.iter = it;
  v.owner = std::move(owner);
  return v;
}

MValue MValue::Own(Bson holder) {
  auto owned = std::make_shared<const Bson>(std::move(holder));
  bson_iter_t it;
  bson_iter_init(&it, owned->get());
  bson_iter_next(&it);
  return Ref(it, std::move(owned));
}

MValue MValue::Null() {
  // One shared holder: padding an array may create many nulls.
  static const std::shared_ptr<const Bson> holder = [] {
    auto doc = std::make_shared<Bson>();
    bson_append_null(doc->get(), "", 0);
    return std::shared_ptr<const Bson>(std::move(doc));
  }();
  bson_iter_t it;
  bson_iter_init(&it, holder->get());
  bson_iter_next(&it);
  return Ref(it, holder);
}

MValue MValue::EmptyDocument() {
  MValue v;
  v.type = BSON_TYPE_DOCUMENT;
  v.expanded = true;
  return v;
}

MValue MValue::EmptyArray() {
  MValue v;
  v.type = BSON_TYPE_ARRAY;
  v.expanded = true;
  return v;
}

MValue MValue::Clone() const {
  MValue v;
  v.type = type;
  v.expanded = expanded;
  v.iter = iter;
  v.owner = owner;
  v.children.reserve(children.size());
  for (const auto& child : children) {
    v.children.push_back(std::make_unique<MField>(MField{child->name, child->value.Clone()}));
  }
  return v;
}

void Expand(MValue* v) {
  if (v->expanded) return;
  v->expanded = true;
  bson_iter_t child;
  if (!bson_iter_recurse(&v->iter, &child)) return;
  while (bson_iter_next(&child)) {
    v->children.push_back(std::make_unique<MField>(
        MField{std::string(bson_iter_key(&child), bson_iter_key_len(&child)),
               MValue::Ref(child, v->owner)}));
  }
}

MField* FindField(MValue* doc, std::string_view name) {
  Expand(doc);
  for (auto& field : doc->children) {
    if (field->name == name) return field.get();
  }
  return nullptr;
}

int IndexOf(const MValue* parent, const MField* field) {
  for (size_t i = 0; i < parent->children.size(); ++i) {
    if (parent->children[i].get() == field) return static_cast<int>(i);
  }
  return -1;
}

void AppendValue(bson_t* dst, std::string_view key, const MValue& v) {
  const int key_len = static_cast<int>(key.size());
  if (!v.expanded) {
    bson_append_iter(dst, key.data(), key_len, &v.iter);
    return;
  }
  bson_t child;
  if (v.IsArray()) {
    bson_append_array_begin(dst, key.data(), key_len, &child);
    char buf[16];
    for (size_t i = 0; i < v.children.size(); ++i) {
      const char* index = nullptr;
      const size_t len = bson_uint32_to_string(static_cast<uint32_t>(i), &index, buf, sizeof buf);
      AppendValue(&child, std::string_view(index, len), v.children[i]->value);
    }
    bson_append_array_end(dst, &child);
  } else {
    bson_append_document_begin(dst, key.data(), key_len, &child);
    for (const auto& field : v.children) AppendValue(&child, field->name, field->value);
    bson_append_document_end(dst, &child);
  }
}

Bson Serialize(const MValue& doc) {
  Bson out;
  if (!doc.expanded) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&doc.iter, &len, &data);
    return Bson::CopyBytes(data, len);
  }
  for (const auto& field : doc.children) AppendValue(out.get(), field->name, field->value);
  return out;
}

MValue DocumentRoot(const bson_t* doc, std::shared_ptr<const Bson> owner) {
  MValue root;
  root.type = BSON_TYPE_DOCUMENT;
  root.expanded = true;
  bson_iter_t it;
  if (bson_iter_init(&it, doc)) {
    while (bson_iter_next(&it)) {
      root.children.push_back(std::make_unique<MField>(
          MField{std::string(bson_iter_key(&it), bson_iter_key_len(&it)), MValue::Ref(it, owner)}));
    }
  }
  return root;
}

ValueView::ValueView(const MValue& v) {
  if (!v.expanded) {
    iter_ = v.iter;
    return;
  }
  temp_ = std::make_unique<Bson>();
  AppendValue(temp_->get(), "", v);
  bson_iter_init(&iter_, temp_->get());
  bson_iter_next(&iter_);
}

std::string_view RawValue(const bson_iter_t* it) {
  return {reinterpret_cast<const char*>(it->raw + it->d1), it->next_off - it->d1};
}

std::string ElementString(std::string_view name, const MValue& v) {
  ValueView view(v);
  std::string out(name);
  out += ": ";
  out += ShellValueString(view.iter());
  return out;
}

std::string IdString(const MValue& root, std::string_view missing) {
  for (const auto& field : root.children) {
    if (field->name == "_id") return ElementString("_id", field->value);
  }
  return std::string(missing);
}

std::optional<size_t> ParseArrayIndex(std::string_view s) {
  // As NumberParser into an unsigned int: digits only (leading zeros allowed).
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  }
  return static_cast<size_t>(value);
}

std::string JoinPath(const std::vector<std::string>& parts, size_t begin) {
  std::string out;
  for (size_t i = begin; i < parts.size(); ++i) {
    if (i > begin) out += '.';
    out += parts[i];
  }
  return out;
}

std::vector<std::string> SplitPath(std::string_view dotted) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) {
      parts.emplace_back(dotted.substr(start));
      break;
    }
    parts.emplace_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  return parts;
}

std::string Cursor::PathTaken() const {
  std::string out;
  for (size_t i = 1; i < frames.size(); ++i) {
    if (i > 1) out += '.';
    out += frames[i].name;
  }
  return out;
}

bool PathLess::operator()(const std::string& a, const std::string& b) const {
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  // Zero-padded numbers and anything not starting with a digit compare as strings.
  if (a.empty() || b.empty() || !digit(a[0]) || !digit(b[0]) || (a[0] == '0' && a.size() > 1) ||
      (b[0] == '0' && b.size() > 1)) {
    return a < b;
  }
  // A longer number is larger; for digit-led non-numbers the order only needs to be consistent.
  if (a.size() != b.size()) return a.size() < b.size();
  for (size_t i = 0; i < a.size() && digit(a[i]) && digit(b[i]); ++i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return a < b;
}

}  // namespace basalt::query::update_internal
