// A connected socket read and written with blocking calls, in the clear or,
// once StartTls() succeeds, over TLS. Each session's own thread does all of its
// I/O, so reads and writes are plain system calls (or OpenSSL calls on the
// same descriptor) with no event loop in between: a request wakes the thread
// waiting for it and no other.
//
// Thread-safety: one thread reads and writes. Shutdown() may be called from
// any thread while the descriptor is open; it wakes a blocked read or write.
// The owner closes the descriptor (destructor) only after every such caller
// is known to be done (Session's state mutex does this).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace basalt::server {

// The outcome of a read or write: done, the peer hung up, or another error.
struct IoResult {
  enum class Kind { kOk, kEndOfStream, kError };
  Kind kind = Kind::kOk;
  size_t bytes = 0;     // kOk: bytes moved
  std::string message;  // kError: why

  bool ok() const { return kind == Kind::kOk; }
  bool end_of_stream() const { return kind == Kind::kEndOfStream; }
  static IoResult Ok(size_t bytes) { return {Kind::kOk, bytes, {}}; }
  static IoResult EndOfStream() { return {Kind::kEndOfStream, 0, {}}; }
  static IoResult Error(std::string message) { return {Kind::kError, 0, std::move(message)}; }
};

class ConnectionStream {
 public:
  // Takes ownership of `fd`, a connected TCP socket in blocking mode.
  explicit ConnectionStream(int fd);
  ~ConnectionStream();
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  // Up to `n` bytes; at least one unless the stream ended or failed.
  IoResult ReadSome(void* buffer, size_t n);
  // Exactly `n` bytes, or the end of stream / error that came first.
  IoResult ReadExactly(void* buffer, size_t n);
  IoResult WriteAll(const void* buffer, size_t n);
  // The first bytes waiting on the socket, left unread (before TLS only).
  IoResult Peek(void* buffer, size_t n);

  // Server side of a TLS handshake on this connection, with `context`'s
  // certificates and verification settings; every later read and write is TLS.
  IoResult StartTls(SSL_CTX* context);
  bool tls() const { return ssl_ != nullptr; }
  // After StartTls: the negotiated protocol and cipher, and the client
  // certificate's subject (empty without one).
  std::string TlsProtocol() const;
  std::string TlsCipher() const;
  std::string PeerSubject() const;

  // Stops further reads and writes (both directions); a blocked call returns.
  void Shutdown();

 private:
  IoResult TlsFailure(int ret, const char* what);

  const int fd_;
  SSL* ssl_ = nullptr;
};

}  // namespace basalt::server
