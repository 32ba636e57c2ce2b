#include "load/tls_context.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nsfence::bench {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string Underscored(std::string text) {
  for (char& c : text) {
    if (c == ' ' || c == '=' || c == '\t' || c == '\n') c = '_';
  }
  return text;
}

void SetError(const std::string& what, std::string* error) {
  *error = what + ": " + TakeSslErrorText("failed");
}

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

X509Ptr SelfSigned(EVP_PKEY* key, std::string* error) {
  X509Ptr cert(X509_new());
  if (!cert) {
    SetError("X509_new", error);
    return nullptr;
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string san = std::string("DNS:") + kTlsServerName;
  const bool built = X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
                     ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1 &&
                     X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
                     X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7 * 24 * 3600) != nullptr &&
                     X509_set_pubkey(cert.get(), key) == 1 &&
                     X509_NAME_add_entry_by_txt(
                         name, "CN", MBSTRING_ASC,
                         reinterpret_cast<const unsigned char*>(kTlsServerName), -1, -1, 0) == 1 &&
                     X509_set_issuer_name(cert.get(), name) == 1 &&
                     AddExtension(cert.get(), NID_subject_alt_name, san.c_str()) &&
                     AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
                     AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature") &&
                     AddExtension(cert.get(), NID_ext_key_usage, "serverAuth") &&
                     X509_sign(cert.get(), key, EVP_sha256()) > 0;
  if (!built) {
    SetError("building the server certificate", error);
    return nullptr;
  }
  return cert;
}

bool WritePem(X509* cert, const std::string& path, std::string* error) {
  // Written whole under another name first: a client never reads half.
  const std::string partial = path + ".partial";
  FILE* file = std::fopen(partial.c_str(), "w");
  if (file == nullptr) {
    *error = partial + ": " + std::strerror(errno);
    return false;
  }
  const bool written = PEM_write_X509(file, cert) == 1;
  if (std::fclose(file) != 0 || !written) {
    *error = "writing " + partial;
    return false;
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    *error = "renaming " + partial + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// Full handshakes only.
void NoResumption(SSL_CTX* ctx) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

}  // namespace

SslCtxPtr NewServerContext(const std::string& cert_pem_path, std::string* error) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    SetError("generating an EC P-256 key", error);
    return nullptr;
  }
  X509Ptr cert = SelfSigned(key.get(), error);
  if (!cert || !WritePem(cert.get(), cert_pem_path, error)) return nullptr;
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    SetError("SSL_CTX_new", error);
    return nullptr;
  }
  SSL_CTX_set_security_level(ctx.get(), 0);
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0") != 1 ||
      SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    SetError("setting up the server context", error);
    return nullptr;
  }
  NoResumption(ctx.get());
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  return ctx;
}

SslCtxPtr NewClientContext(const std::string& ca_pem_path, int min_version, int max_version,
                           std::string* error) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    SetError("SSL_CTX_new", error);
    return nullptr;
  }
  if (min_version < TLS1_2_VERSION) {
    SSL_CTX_set_security_level(ctx.get(), 0);
    if (SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0") != 1) {
      SetError("SSL_CTX_set_cipher_list", error);
      return nullptr;
    }
  }
  if (SSL_CTX_set_min_proto_version(ctx.get(), min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), max_version) != 1) {
    SetError("setting the TLS versions", error);
    return nullptr;
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), ca_pem_path.c_str(), nullptr) != 1) {
    SetError("loading " + ca_pem_path, error);
    return nullptr;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  NoResumption(ctx.get());
  return ctx;
}

int TlsVersionFromText(const std::string& text) {
  if (text == "1.0") return TLS1_VERSION;
  if (text == "1.1") return TLS1_1_VERSION;
  if (text == "1.2") return TLS1_2_VERSION;
  if (text == "1.3") return TLS1_3_VERSION;
  return 0;
}

std::string TakeSslErrorText(const std::string& fallback) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  const char* reason = ERR_reason_error_string(code);
  if (reason != nullptr) return Underscored(reason);
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return Underscored(text);
}

std::string SslFailureText(SSL* ssl, int result, int saved_errno) {
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_SSL:
      return TakeSslErrorText("ssl_error");
    case SSL_ERROR_SYSCALL: {
      ERR_clear_error();
      if (saved_errno == 0) return "eof";
      const char* name = strerrorname_np(saved_errno);
      return name != nullptr ? name : "syscall_error";
    }
    case SSL_ERROR_ZERO_RETURN:
      ERR_clear_error();
      return "close_notify";
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      ERR_clear_error();
      // A blocking socket's SO_RCVTIMEO/SO_SNDTIMEO ran out.
      return "ETIMEDOUT";
    default:
      ERR_clear_error();
      return "ssl_failure";
  }
}

std::string OpenSslVersionText() { return OpenSSL_version(OPENSSL_VERSION_STRING); }

}  // namespace nsfence::bench
