// The server's TLS configuration as an OpenSSL context shared by every TLS
// session: TLS 1.2 or later, the certificate and key of net.tls.certificateKeyFile,
// and client certificate verification against net.tls.CAFile.
#pragma once

#include <asio/ssl.hpp>

#include <memory>

#include "base/status.h"
#include "server/options.h"

namespace basalt::server {

// Null when TLS is disabled. Fails, naming the file and OpenSSL's reason, when a
// PEM file cannot be read or the key does not match the certificate.
StatusWith<std::shared_ptr<asio::ssl::context>> MakeServerTlsContext(const ServerOptions& options);

// The first byte of a TLS connection: a handshake record's type.
constexpr uint8_t kTlsHandshakeRecord = 0x16;

// Whether the first `n` bytes of a connection (up to a message header's 16) open a
// TLS ClientHello rather than a message, which tells TLS from plain connections
// on one port as mongod does. The first byte alone is not enough: a 278-byte
// message starts with 0x16 too.
bool LooksLikeTlsClientHello(const uint8_t* bytes, size_t n);

}  // namespace basalt::server
