#include "server/connection_stream.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace basalt::server {
namespace {

std::string OpenSslReason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown TLS error";
  // The reason alone ("unsupported protocol"), as mongod and asio word it.
  if (const char* reason = ERR_reason_error_string(code)) return reason;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

ConnectionStream::ConnectionStream(int fd) : fd_(fd) {}

ConnectionStream::~ConnectionStream() {
  if (ssl_) SSL_free(ssl_);
  ::close(fd_);
}

IoResult ConnectionStream::ReadSome(void* buffer, size_t n) {
  if (ssl_) {
    ERR_clear_error();
    int ret = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(n, INT32_MAX)));
    if (ret > 0) return IoResult::Ok(static_cast<size_t>(ret));
    return TlsFailure(ret, "read");
  }
  for (;;) {
    ssize_t got = ::recv(fd_, buffer, n, 0);
    if (got > 0) return IoResult::Ok(static_cast<size_t>(got));
    if (got == 0) return IoResult::EndOfStream();
    if (errno != EINTR) return IoResult::Error(std::strerror(errno));
  }
}

IoResult ConnectionStream::ReadExactly(void* buffer, size_t n) {
  auto* out = static_cast<uint8_t*>(buffer);
  size_t filled = 0;
  while (filled < n) {
    IoResult r = ReadSome(out + filled, n - filled);
    if (!r.ok()) return r;
    filled += r.bytes;
  }
  return IoResult::Ok(n);
}

IoResult ConnectionStream::WriteAll(const void* buffer, size_t n) {
  const auto* in = static_cast<const uint8_t*>(buffer);
  size_t written = 0;
  while (written < n) {
    if (ssl_) {
      ERR_clear_error();
      int ret = SSL_write(ssl_, in + written, static_cast<int>(std::min<size_t>(n - written,
                                                                                 INT32_MAX)));
      if (ret <= 0) return TlsFailure(ret, "write");
      written += static_cast<size_t>(ret);
      continue;
    }
    // MSG_NOSIGNAL: a client that hung up is an error to report, not a SIGPIPE.
    ssize_t sent = ::send(fd_, in + written, n - written, MSG_NOSIGNAL);
    if (sent >= 0) {
      written += static_cast<size_t>(sent);
    } else if (errno != EINTR) {
      return IoResult::Error(std::strerror(errno));
    }
  }
  return IoResult::Ok(n);
}

IoResult ConnectionStream::Peek(void* buffer, size_t n) {
  for (;;) {
    ssize_t got = ::recv(fd_, buffer, n, MSG_PEEK);
    if (got > 0) return IoResult::Ok(static_cast<size_t>(got));
    if (got == 0) return IoResult::EndOfStream();
    if (errno != EINTR) return IoResult::Error(std::strerror(errno));
  }
}

IoResult ConnectionStream::StartTls(SSL_CTX* context) {
  ssl_ = SSL_new(context);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return IoResult::Error(OpenSslReason());
  ERR_clear_error();
  int ret = SSL_accept(ssl_);
  if (ret == 1) return IoResult::Ok(0);
  IoResult failed = TlsFailure(ret, "handshake");
  // A client that hung up mid-handshake still failed the handshake.
  if (failed.end_of_stream()) return IoResult::Error("the client closed the connection");
  return failed;
}

IoResult ConnectionStream::TlsFailure(int ret, const char* what) {
  const int saved_errno = errno;
  const int error = SSL_get_error(ssl_, ret);
  if (error == SSL_ERROR_ZERO_RETURN) return IoResult::EndOfStream();
  // A peer closing the socket without close_notify is an ordinary hang-up too
  // (SSL_ERROR_SYSCALL with errno 0 before OpenSSL 3, UNEXPECTED_EOF since).
  if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    if (saved_errno == 0 || ret == 0) return IoResult::EndOfStream();
    return IoResult::Error(std::string(what) + ": " + std::strerror(saved_errno));
  }
  if (error == SSL_ERROR_SSL &&
      ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    ERR_clear_error();
    return IoResult::EndOfStream();
  }
  return IoResult::Error(OpenSslReason());
}

std::string ConnectionStream::TlsProtocol() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

std::string ConnectionStream::TlsCipher() const {
  return ssl_ ? SSL_get_cipher_name(ssl_) : "";
}

std::string ConnectionStream::PeerSubject() const {
  if (!ssl_) return "";
  X509* peer = SSL_get1_peer_certificate(ssl_);
  if (!peer) return "";
  char subject[512] = {};
  X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
  X509_free(peer);
  return subject;
}

void ConnectionStream::Shutdown() { ::shutdown(fd_, SHUT_RDWR); }

}  // namespace basalt::server
