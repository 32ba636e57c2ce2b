// OpenSSL set-up shared by the TLS load: the server's key and self-signed
// certificate (made in memory at start-up, the certificate also written out
// as PEM for the clients to trust), the server and client contexts, and
// error text that fits a key=value line.
//
// Every handshake is a full one: the server issues no session tickets and
// keeps no session cache, the client caches no sessions.
#ifndef NSFENCE_BENCH_LOAD_TLS_CONTEXT_H_
#define NSFENCE_BENCH_LOAD_TLS_CONTEXT_H_

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace nsfence::bench {

// The name in the server certificate (subjectAltName), sent as SNI and
// checked by the clients.
inline constexpr char kTlsServerName[] = "server.bench-b.svc";

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// A fresh ECDSA P-256 key and a self-signed certificate for kTlsServerName,
// the certificate written to `cert_pem_path`. The context accepts TLS 1.0
// to 1.3 at security level 0, so that a client offering an old version gets
// a handshake (the TLS floor probe expects one when no floor is in force).
// nullptr with `*error` set on failure.
SslCtxPtr NewServerContext(const std::string& cert_pem_path, std::string* error);

// A client context trusting only the certificate in `ca_pem_path` and
// speaking `min_version` to `max_version` (TLS1_2_VERSION, ...). Below TLS
// 1.2 it also drops to security level 0, for the floor probe.
SslCtxPtr NewClientContext(const std::string& ca_pem_path, int min_version, int max_version,
                           std::string* error);

// "1.0" .. "1.3" to TLS1_VERSION .. TLS1_3_VERSION; 0 for anything else.
int TlsVersionFromText(const std::string& text);

// The oldest queued OpenSSL error (queue cleared), spaces as underscores,
// e.g. "certificate_verify_failed"; `fallback` when the queue is empty.
std::string TakeSslErrorText(const std::string& fallback);

// What went wrong after an SSL call returned `result` <= 0: the OpenSSL
// error, errno's name for a system call error, "eof" for a peer gone
// without close_notify. Clears the error queue.
std::string SslFailureText(SSL* ssl, int result, int saved_errno);

// "3.0.19"
std::string OpenSslVersionText();

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_LOAD_TLS_CONTEXT_H_
