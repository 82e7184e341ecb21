// SCRAM (RFC 5802, RFC 7677) as MongoDB uses it: the crypto primitives
// (OpenSSL libcrypto), stored credentials, and the server side of one
// conversation. MongoDB's SCRAM-SHA-1 hashes the hex MD5 digest of
// "<user>:mongo:<password>" instead of the password; SCRAM-SHA-256 hashes the
// SASLprep'd password. Nothing here knows about users or commands.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace basalt::commands::scram {

enum class Mechanism { kSha1, kSha256 };

inline constexpr std::string_view kSha1Name = "SCRAM-SHA-1";
inline constexpr std::string_view kSha256Name = "SCRAM-SHA-256";

std::string_view MechanismName(Mechanism mechanism);
std::optional<Mechanism> ParseMechanism(std::string_view name);

// mongod's defaults (scramIterationCount, scramSHA256IterationCount).
int DefaultIterations(Mechanism mechanism);

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> Base64Decode(std::string_view text);

std::string Hash(Mechanism mechanism, std::string_view data);
std::string Hmac(Mechanism mechanism, std::string_view key, std::string_view data);
// PBKDF2 with HMAC of the mechanism's hash (SCRAM's Hi()).
std::string SaltedPassword(Mechanism mechanism, std::string_view password, std::string_view salt,
                           int iterations);
std::string RandomBytes(size_t count);

// hex(MD5("<user>:mongo:<password>")), MongoDB's legacy password digest.
std::string MongoPasswordDigest(std::string_view user, std::string_view password);

// SASLprep (RFC 4013) for the passwords Basalt can prepare without Unicode
// tables: ASCII passwords are returned as they are, unless empty (50687) or
// holding a control character, which SASLprep prohibits (50692), with
// mongod's messages. Non-ASCII passwords pass through unnormalized, so only
// NFKC-stable ones authenticate as with mongod.
StatusWith<std::string> SaslPrep(std::string_view password);

// What the mechanism hashes for `password`: the MongoDB digest for SHA-1
// (unless the client digested it already), the SASLprep'd password for SHA-256.
StatusWith<std::string> MechanismPassword(Mechanism mechanism, std::string_view user,
                                          std::string_view password, bool already_digested);

// What the server stores: never the password, only values derived from it.
struct Credentials {
  int iteration_count = 0;
  std::string salt;        // raw bytes
  std::string stored_key;  // raw bytes: H(HMAC(SaltedPassword, "Client Key"))
  std::string server_key;  // raw bytes: HMAC(SaltedPassword, "Server Key")
};

// `password` is MechanismPassword's result.
Credentials MakeCredentials(Mechanism mechanism, std::string_view password, std::string salt,
                            int iterations);
// With a fresh random salt of the length mongod uses and its iteration count.
Credentials MakeCredentials(Mechanism mechanism, std::string_view password);

// The client-first-message: "n,,n=<user>,r=<nonce>" (gs2 header, bare part).
struct ClientFirst {
  std::string gs2_header;  // "n,," or "y,,"
  std::string user;        // decoded (=2C -> ',', =3D -> '=')
  std::string nonce;
  std::string bare;  // the message after the gs2 header, for the AuthMessage
};

// BadValue with a description of what is wrong (for the log; clients only
// ever see "Authentication failed.").
StatusWith<ClientFirst> ParseClientFirst(std::string_view message);

// One conversation, after the user's credentials were found.
class ServerConversation {
 public:
  // `server_nonce` is appended to the client's nonce (random in production).
  ServerConversation(Mechanism mechanism, ClientFirst client_first, Credentials credentials,
                     std::string server_nonce);
  ServerConversation(Mechanism mechanism, ClientFirst client_first, Credentials credentials);

  const std::string& server_first() const { return server_first_; }
  Mechanism mechanism() const { return mechanism_; }
  const std::string& user() const { return client_first_.user; }

  // Checks the client-final-message's channel binding, nonce and proof (in
  // constant time) and returns the server-final-message "v=<signature>".
  // AuthenticationFailed when the proof is wrong; BadValue when malformed.
  StatusWith<std::string> HandleClientFinal(std::string_view message);

 private:
  Mechanism mechanism_;
  ClientFirst client_first_;
  Credentials credentials_;
  std::string nonce_;  // client nonce + server nonce
  std::string server_first_;
};

}  // namespace basalt::commands::scram
