// net.tls.*: the TLS options, with mongod's flag names, values and start-up
// checks. Kept apart from option_specs.cpp so that table stays readable.
#include "server/option_specs.h"

namespace basalt::server {
namespace {

using TlsMode = ServerOptions::TlsMode;

StatusWith<TlsMode> ParseTlsMode(const std::string& text) {
  if (text == "disabled") return TlsMode::kDisabled;
  if (text == "allowTLS") return TlsMode::kAllowTls;
  if (text == "preferTLS") return TlsMode::kPreferTls;
  if (text == "requireTLS") return TlsMode::kRequireTls;
  return BadValue("net.tls.mode", "'" + text +
                                      "' is not one of disabled, allowTLS, preferTLS, requireTLS");
}

Status SetPath(std::string* field, const std::string& name, const std::string& value) {
  if (value.empty()) return BadValue(name, "empty path");
  *field = value;
  return Status::OK();
}

}  // namespace

void AddTlsSpecs(std::vector<OptionSpec>* specs) {
  specs->push_back({{"--tlsMode"},
                    "net.tls.mode",
                    Kind::kString,
                    "disabled (default), allowTLS, preferTLS or requireTLS",
                    [](const std::string& v, ServerOptions* o) {
                      auto mode = ParseTlsMode(v);
                      if (!mode.ok()) return mode.status();
                      o->tls_mode = mode.value();
                      return Status::OK();
                    }});
  specs->push_back({{"--tlsCertificateKeyFile"},
                    "net.tls.certificateKeyFile",
                    Kind::kString,
                    "PEM file holding the server's certificate and private key",
                    [](const std::string& v, ServerOptions* o) {
                      return SetPath(&o->tls_certificate_key_file, "net.tls.certificateKeyFile", v);
                    }});
  specs->push_back({{"--tlsCertificateKeyFilePassword"},
                    "net.tls.certificateKeyFilePassword",
                    Kind::kString,
                    "password of an encrypted private key in the certificate key file",
                    [](const std::string& v, ServerOptions* o) {
                      o->tls_certificate_key_file_password = v;
                      return Status::OK();
                    },
                    "",
                    /*secret=*/true});
  specs->push_back({{"--tlsCAFile"},
                    "net.tls.CAFile",
                    Kind::kString,
                    "PEM file of certificate authorities; clients must then present a certificate",
                    [](const std::string& v, ServerOptions* o) {
                      return SetPath(&o->tls_ca_file, "net.tls.CAFile", v);
                    },
                    "BASALT_TLS_CA_FILE"});
  specs->push_back({{"--tlsAllowConnectionsWithoutCertificates"},
                    "net.tls.allowConnectionsWithoutCertificates",
                    Kind::kFlag,
                    "with a CA file, accept clients that present no certificate",
                    [](const std::string& v, ServerOptions* o) {
                      return SetBool(&o->tls_allow_connections_without_certificates,
                                     "net.tls.allowConnectionsWithoutCertificates", v);
                    }});
  specs->push_back({{"--tlsAllowInvalidCertificates"},
                    "net.tls.allowInvalidCertificates",
                    Kind::kFlag,
                    "accept client certificates that fail verification (insecure)",
                    [](const std::string& v, ServerOptions* o) {
                      return SetBool(&o->tls_allow_invalid_certificates,
                                     "net.tls.allowInvalidCertificates", v);
                    }});
}

Status CheckTlsCombinations(const ServerOptions& o) {
  if (o.tls_mode == TlsMode::kDisabled) {
    bool tls_option_set = !o.tls_certificate_key_file.empty() ||
                          !o.tls_certificate_key_file_password.empty() || !o.tls_ca_file.empty() ||
                          o.tls_allow_invalid_certificates;
    if (tls_option_set) {
      return Status(ErrorCodes::BadValue,
                    "need to enable TLS via the sslMode/tlsMode flag when using TLS configuration "
                    "parameters");
    }
    return Status::OK();
  }
  if (o.tls_certificate_key_file.empty()) {
    return Status(ErrorCodes::BadValue,
                  "need tlsCertificateKeyFile or certificateSelector when TLS is enabled");
  }
  return Status::OK();
}

}  // namespace basalt::server
