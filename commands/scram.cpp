#include "commands/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <stdexcept>
#include <vector>

namespace basalt::commands::scram {
namespace {

const EVP_MD* Digest(Mechanism mechanism) {
  return mechanism == Mechanism::kSha1 ? EVP_sha1() : EVP_sha256();
}

std::string_view AsView(const unsigned char* data, size_t len) {
  return {reinterpret_cast<const char*>(data), len};
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string Xor(std::string_view a, std::string_view b) {
  std::string out(a.size(), '\0');
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) out[i] = static_cast<char>(a[i] ^ b[i]);
  return out;
}

// Splits "k=v,k=v" into its attributes; each must be a letter, '=' and a value.
std::optional<std::vector<std::pair<char, std::string_view>>> SplitAttributes(
    std::string_view message) {
  std::vector<std::pair<char, std::string_view>> out;
  while (true) {
    size_t comma = message.find(',');
    std::string_view part = message.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') return std::nullopt;
    out.emplace_back(part[0], part.substr(2));
    if (comma == std::string_view::npos) break;
    message.remove_prefix(comma + 1);
  }
  return out;
}

// RFC 5802 saslname: "=2C" is ',', "=3D" is '=', and any other '=' is invalid.
std::optional<std::string> DecodeSaslName(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '=') {
      out.push_back(name[i]);
      continue;
    }
    std::string_view escape = name.substr(i, 3);
    if (escape == "=2C") {
      out.push_back(',');
    } else if (escape == "=3D") {
      out.push_back('=');
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

std::string AuthMessage(const ClientFirst& first, std::string_view server_first,
                        std::string_view final_without_proof) {
  return first.bare + "," + std::string(server_first) + "," + std::string(final_without_proof);
}

}  // namespace

std::string_view MechanismName(Mechanism mechanism) {
  return mechanism == Mechanism::kSha1 ? kSha1Name : kSha256Name;
}

std::optional<Mechanism> ParseMechanism(std::string_view name) {
  if (name == kSha1Name) return Mechanism::kSha1;
  if (name == kSha256Name) return Mechanism::kSha256;
  return std::nullopt;
}

int DefaultIterations(Mechanism mechanism) { return mechanism == Mechanism::kSha1 ? 10000 : 15000; }

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(bytes),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=';
    if (!ok) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(text),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  size_t len = static_cast<size_t>(n);
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() > 1 && text[text.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

std::string Hash(Mechanism mechanism, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, Digest(mechanism), nullptr);
  return std::string(AsView(out, len));
}

std::string Hmac(Mechanism mechanism, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(Digest(mechanism), key.data(), static_cast<int>(key.size()), Bytes(data), data.size(), out,
       &len);
  return std::string(AsView(out, len));
}

std::string SaltedPassword(Mechanism mechanism, std::string_view password, std::string_view salt,
                           int iterations) {
  std::string out(static_cast<size_t>(EVP_MD_get_size(Digest(mechanism))), '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), Bytes(salt),
                    static_cast<int>(salt.size()), iterations, Digest(mechanism),
                    static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string RandomBytes(size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    throw std::runtime_error("the OpenSSL random generator failed");
  }
  return out;
}

std::string MongoPasswordDigest(std::string_view user, std::string_view password) {
  std::string input = std::string(user) + ":mongo:" + std::string(password);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), out, &len, EVP_md5(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", out[i]);
    hex += buf;
  }
  return hex;
}

StatusWith<std::string> SaslPrep(std::string_view password) {
  // mongod's ICU-based SASLprep fails on these with ICU's own error names.
  if (password.empty()) {
    return Status(50687, "Error preflighting UTF-8 conversion: U_STRING_NOT_TERMINATED_WARNING");
  }
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) {
      return Status(50692, "Error preflighting normalization: U_STRINGPREP_PROHIBITED_ERROR");
    }
  }
  return std::string(password);
}

StatusWith<std::string> MechanismPassword(Mechanism mechanism, std::string_view user,
                                          std::string_view password, bool already_digested) {
  if (mechanism == Mechanism::kSha1) {
    return already_digested ? std::string(password) : MongoPasswordDigest(user, password);
  }
  return SaslPrep(password);
}

Credentials MakeCredentials(Mechanism mechanism, std::string_view password, std::string salt,
                            int iterations) {
  std::string salted = SaltedPassword(mechanism, password, salt, iterations);
  Credentials creds;
  creds.iteration_count = iterations;
  creds.salt = std::move(salt);
  creds.stored_key = Hash(mechanism, Hmac(mechanism, salted, "Client Key"));
  creds.server_key = Hmac(mechanism, salted, "Server Key");
  return creds;
}

Credentials MakeCredentials(Mechanism mechanism, std::string_view password) {
  // mongod's salt is four bytes shorter than the hash.
  size_t salt_length = static_cast<size_t>(EVP_MD_get_size(Digest(mechanism))) - 4;
  return MakeCredentials(mechanism, password, RandomBytes(salt_length),
                         DefaultIterations(mechanism));
}

StatusWith<ClientFirst> ParseClientFirst(std::string_view message) {
  ClientFirst first;
  // gs2-header: cbind-flag "," [authzid] ","
  size_t comma = message.find(',');
  if (comma == std::string_view::npos) {
    return Status(ErrorCodes::BadValue, "Invalid SCRAM client first message: no gs2 header");
  }
  std::string_view flag = message.substr(0, comma);
  if (flag != "n" && flag != "y") {
    return Status(ErrorCodes::BadValue, "Server does not support channel binding");
  }
  size_t second = message.find(',', comma + 1);
  if (second == std::string_view::npos) {
    return Status(ErrorCodes::BadValue, "Invalid SCRAM client first message: no gs2 header");
  }
  std::string_view authzid = message.substr(comma + 1, second - comma - 1);
  first.gs2_header = std::string(message.substr(0, second + 1));
  first.bare = std::string(message.substr(second + 1));
  auto attrs = SplitAttributes(first.bare);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].first != 'n' || (*attrs)[1].first != 'r') {
    return Status(ErrorCodes::BadValue,
                  "Invalid SCRAM client first message: expected n= and r= attributes");
  }
  auto user = DecodeSaslName((*attrs)[0].second);
  if (!user || user->empty()) {
    return Status(ErrorCodes::BadValue, "Invalid SCRAM user name");
  }
  if (!authzid.empty() && authzid != "a=" + *user) {
    return Status(ErrorCodes::BadValue, "SCRAM authorization identity must match the user name");
  }
  first.user = std::move(*user);
  first.nonce = std::string((*attrs)[1].second);
  if (first.nonce.empty()) return Status(ErrorCodes::BadValue, "Invalid SCRAM client nonce");
  return first;
}

ServerConversation::ServerConversation(Mechanism mechanism, ClientFirst client_first,
                                       Credentials credentials, std::string server_nonce)
    : mechanism_(mechanism),
      client_first_(std::move(client_first)),
      credentials_(std::move(credentials)),
      nonce_(client_first_.nonce + server_nonce) {
  server_first_ = "r=" + nonce_ + ",s=" + Base64Encode(credentials_.salt) +
                  ",i=" + std::to_string(credentials_.iteration_count);
}

ServerConversation::ServerConversation(Mechanism mechanism, ClientFirst client_first,
                                       Credentials credentials)
    : ServerConversation(mechanism, std::move(client_first), std::move(credentials),
                         Base64Encode(RandomBytes(24))) {}

StatusWith<std::string> ServerConversation::HandleClientFinal(std::string_view message) {
  size_t proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) {
    return Status(ErrorCodes::BadValue, "Invalid SCRAM client final message: no proof");
  }
  std::string_view without_proof = message.substr(0, proof_at);
  auto attrs = SplitAttributes(without_proof);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].first != 'c' || (*attrs)[1].first != 'r') {
    return Status(ErrorCodes::BadValue,
                  "Invalid SCRAM client final message: expected c= and r= attributes");
  }
  if ((*attrs)[0].second != Base64Encode(client_first_.gs2_header)) {
    return Status(ErrorCodes::BadValue, "Unmatched SCRAM channel binding");
  }
  if ((*attrs)[1].second != nonce_) {
    return Status(ErrorCodes::BadValue, "Unmatched SCRAM nonce received from client");
  }
  auto proof = Base64Decode(message.substr(proof_at + 3));
  if (!proof || proof->size() != credentials_.stored_key.size()) {
    return Status(ErrorCodes::BadValue, "Invalid SCRAM client proof");
  }
  std::string auth_message = AuthMessage(client_first_, server_first_, without_proof);
  std::string client_signature = Hmac(mechanism_, credentials_.stored_key, auth_message);
  std::string client_key = Xor(*proof, client_signature);
  std::string computed = Hash(mechanism_, client_key);
  // Constant time, so the comparison leaks nothing about the stored key.
  if (CRYPTO_memcmp(computed.data(), credentials_.stored_key.data(), computed.size()) != 0) {
    return Status(ErrorCodes::AuthenticationFailed,
                  "SCRAM authentication failed, storedKey mismatch");
  }
  std::string server_signature = Hmac(mechanism_, credentials_.server_key, auth_message);
  return "v=" + Base64Encode(server_signature);
}

}  // namespace basalt::commands::scram
