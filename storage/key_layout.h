// How the engine lays its data out in the one ordered key space of the
// KvStore (docs/storage.md has the full description):
//
//   0x00 'M'                    engine metadata (format version, next id)
//   0x00 'C' db 0x00 coll       catalog entry of one collection (BSON)
//   0x00 'G' id(8)              garbage: the data range of `id` is to be deleted
//   0x00 'S'                    counts/sizes saved at clean shutdown (BSON)
//   0x01 id(8) KeyString(_id)                     record -> document BSON
//   0x01 id(8) KeyString(key)                     unique index entry -> record id
//   0x01 id(8) KeyString(key) KeyString(_id)      non-unique index entry -> record id
//
// `id` is a big-endian uint64 handed out by the catalog, one per collection
// and one per secondary index (the _id index is the record store itself).
// A "record id" is KeyString(_id): the record key without its prefix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace basalt::storage::layout {

inline constexpr char kCatalogByte = '\x00';
inline constexpr char kDataByte = '\x01';
inline constexpr size_t kDataPrefixSize = 9;

inline std::string MetaKey() { return std::string("\x00M", 2); }
inline std::string ShutdownStatsKey() { return std::string("\x00S", 2); }

inline std::string CollectionKeyPrefix() {
  return std::string(
      "\x00"
      "C",
      2);
}
inline std::string CollectionKey(std::string_view db, std::string_view coll) {
  std::string k = CollectionKeyPrefix();
  k.append(db);
  k.push_back('\x00');
  k.append(coll);
  return k;
}
// The catalog keys of one database's collections: [begin, end).
inline std::string DatabaseKeyBegin(std::string_view db) {
  std::string k = CollectionKeyPrefix();
  k.append(db);
  k.push_back('\x00');
  return k;
}
inline std::string DatabaseKeyEnd(std::string_view db) {
  std::string k = CollectionKeyPrefix();
  k.append(db);
  k.push_back('\x01');
  return k;
}

inline void AppendBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
inline uint64_t ReadBigEndian64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

inline std::string GarbageKeyPrefix() { return std::string("\x00G", 2); }
inline std::string GarbageKey(uint64_t id) {
  std::string k = GarbageKeyPrefix();
  AppendBigEndian64(&k, id);
  return k;
}

// The 9-byte prefix of every key of collection or index `id`.
inline std::string DataPrefix(uint64_t id) {
  std::string k(1, kDataByte);
  AppendBigEndian64(&k, id);
  return k;
}
// The first key after every key of `id`.
inline std::string DataPrefixEnd(uint64_t id) { return DataPrefix(id + 1); }

// The smallest key greater than every key that starts with `prefix`, or ""
// when there is none (all 0xff).
inline std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace basalt::storage::layout
