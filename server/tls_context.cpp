#include "server/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace basalt::server {
namespace {

// TLS 1.2 suites: forward-secret AEAD first, no anonymous, null, export or
// legacy (RC4, 3DES, MD5) ciphers. TLS 1.3 keeps OpenSSL's default suites.
constexpr const char* kTls12Ciphers = "HIGH:!aNULL:!eNULL:!EXPORT:!MD5:!RC4:!3DES:!PSK:!SRP@STRENGTH";

// OpenSSL's reason from an asio error, or the last queued OpenSSL error.
std::string Reason(const asio::error_code& ec) {
  if (ec) return ec.message();
  unsigned long err = ERR_get_error();
  char text[256] = {};
  ERR_error_string_n(err, text, sizeof text);
  return text;
}

Status FileError(const std::string& what, const std::string& path, const asio::error_code& ec) {
  return Status(ErrorCodes::InvalidSSLConfiguration, what + ": " + path + " " + Reason(ec));
}

}  // namespace

// A handshake record (0x16, version 3.x) holding a ClientHello (type 1 at byte
// 5); where a message has its opcode (bytes 12-15, at most 2013) a hello has
// random bytes. Fewer bytes than a header decide on what is there.
bool LooksLikeTlsClientHello(const uint8_t* h, size_t n) {
  if (n < 1 || h[0] != kTlsHandshakeRecord) return false;
  if (n >= 3 && (h[1] != 0x03 || h[2] > 0x04)) return false;
  if (n >= 6 && h[5] != 0x01) return false;
  if (n < 16) return true;
  const uint32_t op_code = h[12] | h[13] << 8 | h[14] << 16 | static_cast<uint32_t>(h[15]) << 24;
  return op_code < 1 || op_code > 2013;
}

StatusWith<std::shared_ptr<asio::ssl::context>> MakeServerTlsContext(const ServerOptions& o) {
  if (o.tls_mode == ServerOptions::TlsMode::kDisabled) {
    return std::shared_ptr<asio::ssl::context>();
  }
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  // Older protocols have known weaknesses; mongod disables them by default too.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use |
                   SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(native, kTls12Ciphers);
  // Idle connections give their record buffers back, so many of them stay cheap.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  // Needed once client certificates are verified, or a resumed session fails.
  static const unsigned char kSessionContext[] = "basalt";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);

  std::string password = o.tls_certificate_key_file_password;
  ctx->set_password_callback(
      [password](size_t, asio::ssl::context::password_purpose) { return password; });
  asio::error_code ec;
  ctx->use_certificate_chain_file(o.tls_certificate_key_file, ec);
  if (ec) return FileError("cannot read certificate file", o.tls_certificate_key_file, ec);
  ctx->use_private_key_file(o.tls_certificate_key_file, asio::ssl::context::pem, ec);
  if (ec) return FileError("cannot read PEM key file", o.tls_certificate_key_file, ec);
  if (SSL_CTX_check_private_key(native) != 1) {
    return FileError("private key does not match the certificate", o.tls_certificate_key_file, {});
  }

  if (o.tls_ca_file.empty()) {
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  ctx->load_verify_file(o.tls_ca_file, ec);
  if (ec) return FileError("cannot read certificate authority file", o.tls_ca_file, ec);
  // Names the acceptable CAs in the certificate request, so clients pick the right certificate.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.tls_ca_file.c_str())) {
    SSL_CTX_set_client_CA_list(native, names);
  }
  asio::ssl::verify_mode mode = asio::ssl::verify_peer;
  if (!o.tls_allow_connections_without_certificates) {
    mode |= asio::ssl::verify_fail_if_no_peer_cert;
  }
  ctx->set_verify_mode(mode);
  if (o.tls_allow_invalid_certificates) {
    ctx->set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
  }
  return ctx;
}

}  // namespace basalt::server
