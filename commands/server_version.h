// The MongoDB release Basalt presents itself as. Drivers and mongosh decide
// which commands and options to use from maxWireVersion and buildInfo.version,
// so the two must agree (wire 25 = 8.0, the first with the bulkWrite command; see the wire version
// table in mongodb/specifications).
#pragma once

#include <array>
#include <cstdint>

namespace basalt::commands {

inline constexpr const char* kMongoVersion = "8.0.0";
inline constexpr std::array<int32_t, 4> kMongoVersionArray = {8, 0, 0, 0};
inline constexpr const char* kFeatureCompatibilityVersion = "8.0";
inline constexpr int32_t kMinWireVersion = 0;
inline constexpr int32_t kMaxWireVersion = 25;
inline constexpr int32_t kLogicalSessionTimeoutMinutes = 30;

inline constexpr int32_t kMaxBsonObjectSize = 16 * 1024 * 1024;
inline constexpr int32_t kMaxMessageSizeBytes = 48'000'000;
inline constexpr int32_t kMaxWriteBatchSize = 100'000;

}  // namespace basalt::commands
