// SCRAM against the published conversations: RFC 5802 (SHA-1), RFC 7677
// (SHA-256) and the MongoDB driver specification's SCRAM-SHA-1 example,
// which hashes MongoDB's "user:mongo:password" digest.
#include "commands/scram.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace basalt::commands::scram;

namespace {

struct Conversation {
  const char* name;
  Mechanism mechanism;
  std::string password;  // as the mechanism hashes it
  const char* salt_b64;
  int iterations;
  const char* client_first;
  const char* server_nonce;
  const char* server_first;
  const char* client_final;
  const char* server_final;
};

std::string Decoded(const char* b64) {
  auto d = Base64Decode(b64);
  REQUIRE(d);
  return *d;
}

}  // namespace

TEST_CASE("SCRAM server conversations match the published test vectors") {
  const Conversation cases[] = {
      {"RFC 5802 SCRAM-SHA-1", Mechanism::kSha1, "pencil", "QSXCR+Q6sek8bf92", 4096,
       "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j",
       "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
       "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
       "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
      {"RFC 7677 SCRAM-SHA-256", Mechanism::kSha256, "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096,
       "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
       "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
       "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
       "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
       "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
      {"MongoDB SCRAM-SHA-1 (password digest)", Mechanism::kSha1,
       MongoPasswordDigest("user", "pencil"), "rQ9ZY3MntBeuP3E1TDVC4w==", 10000,
       "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", "Ho+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE",
       "r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,"
       "i=10000",
       "c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,"
       "p=MC2T8BvbmWRckDw8oWl5IVghwCY=",
       "v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0="},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto first = ParseClientFirst(c.client_first);
      REQUIRE(first.ok());
      CHECK(first.value().user == "user");
      Credentials creds =
          MakeCredentials(c.mechanism, c.password, Decoded(c.salt_b64), c.iterations);
      ServerConversation conversation(c.mechanism, first.value(), creds, c.server_nonce);
      CHECK(conversation.server_first() == c.server_first);
      auto final_message = conversation.HandleClientFinal(c.client_final);
      REQUIRE(final_message.ok());
      CHECK(final_message.value() == c.server_final);
    }
  }
}

TEST_CASE("a wrong proof, nonce or channel binding fails the conversation") {
  Credentials creds =
      MakeCredentials(Mechanism::kSha256, "pencil", Decoded("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  auto first = ParseClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  REQUIRE(first.ok());
  const std::string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  struct Bad {
    std::string client_final;
    int code;
  };
  const Bad cases[] = {
      // One flipped bit in the proof: a wrong password.
      {"c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=", 18},
      {"c=biws,r=" + nonce + "x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", 2},
      {"c=eSws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", 2},
      {"c=biws,r=" + nonce, 2},
      {"c=biws,r=" + nonce + ",p=not base64!", 2},
      {"c=biws,r=" + nonce + ",p=AAAA", 2},
  };
  for (const auto& bad : cases) {
    ServerConversation conversation(Mechanism::kSha256, first.value(), creds,
                                    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    auto result = conversation.HandleClientFinal(bad.client_final);
    INFO(bad.client_final);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == bad.code);
  }
}

TEST_CASE("client-first messages are parsed as RFC 5802 says") {
  auto escaped = ParseClientFirst("n,,n=a=2Cb=3Dc,r=abc");
  REQUIRE(escaped.ok());
  CHECK(escaped.value().user == "a,b=c");
  CHECK(escaped.value().bare == "n=a=2Cb=3Dc,r=abc");
  CHECK(escaped.value().gs2_header == "n,,");
  CHECK(ParseClientFirst("y,,n=u,r=abc").ok());
  CHECK(ParseClientFirst("n,a=u,n=u,r=abc").ok());
  const char* bad[] = {"",
                       "n",
                       "p=tls-unique,,n=u,r=abc",
                       "n,,r=abc,n=u",
                       "n,,n=,r=a",
                       "n,,n=a=2Xb,r=a",
                       "n,,n=u,r=",
                       "n,a=v,n=u,r=abc",
                       "n,,n=u"};
  for (const char* message : bad) {
    INFO(message);
    auto parsed = ParseClientFirst(message);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == 2);
  }
}

TEST_CASE("MongoDB's password digest, SASLprep and mechanism passwords") {
  CHECK(MongoPasswordDigest("user", "pencil") == "1c33006ec1ffd90f9cadcbcc0e118200");
  auto sha1 = MechanismPassword(Mechanism::kSha1, "user", "pencil", false);
  REQUIRE(sha1.ok());
  CHECK(sha1.value() == "1c33006ec1ffd90f9cadcbcc0e118200");
  auto predigested = MechanismPassword(Mechanism::kSha1, "user", "abc", true);
  REQUIRE(predigested.ok());
  CHECK(predigested.value() == "abc");
  auto sha256 = MechanismPassword(Mechanism::kSha256, "user", "pencil", false);
  REQUIRE(sha256.ok());
  CHECK(sha256.value() == "pencil");
  CHECK_FALSE(SaslPrep(std::string("a\x07z")).ok());
  CHECK_FALSE(SaslPrep(std::string("a\x7fz")).ok());
  CHECK(SaslPrep("IX tab-free").ok());
}

TEST_CASE("fresh credentials: mongod's salt lengths and iteration counts, never the password") {
  Credentials sha1 = MakeCredentials(Mechanism::kSha1, "secret");
  CHECK(sha1.iteration_count == 10000);
  CHECK(sha1.salt.size() == 16);
  CHECK(sha1.stored_key.size() == 20);
  Credentials sha256 = MakeCredentials(Mechanism::kSha256, "secret");
  CHECK(sha256.iteration_count == 15000);
  CHECK(sha256.salt.size() == 28);
  CHECK(sha256.server_key.size() == 32);
  // Two users with the same password get different salts and keys.
  Credentials again = MakeCredentials(Mechanism::kSha256, "secret");
  CHECK(again.salt != sha256.salt);
  CHECK(again.stored_key != sha256.stored_key);
}

TEST_CASE("base64 round trips and rejects malformed text") {
  const std::vector<std::string> samples = {"",    "a",    "ab",
                                            "abc", "abcd", std::string("\0\xff\x10", 3)};
  for (const std::string& s : samples) {
    auto back = Base64Decode(Base64Encode(s));
    REQUIRE(back);
    CHECK(*back == s);
  }
  CHECK(Base64Encode("pencil") == "cGVuY2ls");
  CHECK_FALSE(Base64Decode("abc"));
  CHECK_FALSE(Base64Decode("ab!d"));
}
