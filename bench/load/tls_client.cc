#include "load/tls_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>  // strerrorname_np
#include <vector>

#include "load/tls_context.h"

namespace nsfence::bench {
namespace {

// How long one step (connect, a handshake flight, a write) may take before
// it counts as failed.
constexpr int kIoTimeoutMs = 2000;

std::string ErrnoName(int error) {
  const char* name = strerrorname_np(error);
  return name != nullptr ? name : "unknown_errno";
}

timeval Timeval(int ms) { return {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}; }

// A TCP connection with a TLS session on it; the socket is aborted (a
// reset, no TIME_WAIT) when it goes out of scope.
class TlsConnection {
 public:
  TlsConnection() = default;
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;
  ~TlsConnection() {
    ssl_.reset();
    if (fd_ < 0) return;
    const linger abort_on_close = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
    close(fd_);
  }

  // The TCP connection; "" or what failed.
  std::string Connect(const SocketAddress& server, int timeout_ms) {
    fd_ = socket(server.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return ErrnoName(errno);
    const timeval timeout = Timeval(timeout_ms);
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    const int on = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    if (connect(fd_, server.get(), server.length) != 0) return ErrnoName(errno);
    return "";
  }

  // The TLS handshake on the connection; "" or what failed.
  std::string Handshake(SSL_CTX* ctx) {
    ssl_.reset(SSL_new(ctx));
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1 ||
        SSL_set_tlsext_host_name(ssl_.get(), kTlsServerName) != 1 ||
        SSL_set1_host(ssl_.get(), kTlsServerName) != 1) {
      return TakeSslErrorText("ssl_setup_failed");
    }
    errno = 0;
    const int result = SSL_connect(ssl_.get());
    const int saved_errno = errno;
    if (result == 1) return "";
    return SslFailureText(ssl_.get(), result, saved_errno);
  }

  // Waits for the server's close_notify; "" or what came instead.
  std::string AwaitCloseNotify() {
    char byte;
    errno = 0;
    const int result = SSL_read(ssl_.get(), &byte, 1);
    const int saved_errno = errno;
    if (result > 0) return "unexpected_data";
    const std::string what = SslFailureText(ssl_.get(), result, saved_errno);
    return what == "close_notify" ? "" : what;
  }

  SSL* ssl() const { return ssl_.get(); }

 private:
  int fd_ = -1;
  SslPtr ssl_;
};

// What a client reports besides its counts.
struct Negotiated {
  std::string version = "-";
  std::string cipher = "-";

  void From(SSL* ssl) {
    version = SSL_get_version(ssl);
    cipher = SSL_get_cipher_name(ssl);
  }
};

struct Errors {
  int64_t count = 0;
  std::string first;

  void Add(const std::string& what) {
    if (count++ == 0) first = what;
  }
};

// "errors=E version=V cipher=C openssl=X [first_error=NAME]\n" to end a line.
void PrintTail(const Errors& errors, const Negotiated& negotiated) {
  std::printf(" errors=%lld version=%s cipher=%s openssl=%s", static_cast<long long>(errors.count),
              negotiated.version.c_str(), negotiated.cipher.c_str(), OpenSslVersionText().c_str());
  if (errors.count > 0) std::printf(" first_error=%s", errors.first.c_str());
  std::printf("\n");
}

int FailSetup(const std::string& what, const char* counts) {
  std::fprintf(stderr, "nsfence-bench-load: %s\n", what.c_str());
  Errors errors;
  errors.Add("setup");
  std::printf("%s", counts);
  PrintTail(errors, Negotiated{});
  return 1;
}

// One full handshake; "" or what failed.
std::string OneHandshake(SSL_CTX* ctx, const SocketAddress& server, int version,
                         Negotiated* negotiated) {
  TlsConnection connection;
  if (std::string error = connection.Connect(server, kIoTimeoutMs); !error.empty()) return error;
  if (std::string error = connection.Handshake(ctx); !error.empty()) return error;
  if (SSL_version(connection.ssl()) != version) return "unexpected_version";
  if (negotiated->version == "-") negotiated->From(connection.ssl());
  return connection.AwaitCloseNotify();
}

Clock::time_point After(Clock::time_point from, std::chrono::duration<double> span) {
  return from + std::chrono::duration_cast<Clock::duration>(span);
}

}  // namespace

int RunTlsHandshakes(const SocketAddress& server, const std::string& ca_pem_path, int version,
                     const RunPhases& phases) {
  std::string error;
  const SslCtxPtr ctx = NewClientContext(ca_pem_path, version, version, &error);
  if (!ctx) {
    return FailSetup(error, "handshakes=0 seconds=0 warmup_handshakes=0");
  }
  Errors errors;
  Negotiated negotiated;
  int64_t warmup = 0, measured = 0;
  const auto loop = [&](Clock::time_point until, int64_t* count) {
    while (Clock::now() < until) {
      const std::string failure = OneHandshake(ctx.get(), server, version, &negotiated);
      if (failure.empty()) {
        ++*count;
      } else {
        errors.Add(failure);
      }
    }
  };
  const Clock::time_point start = After(Clock::now(), phases.warmup);
  const Clock::time_point end = After(start, phases.measured);
  loop(start, &warmup);
  loop(end, &measured);
  // The last handshake may end after `end`.
  const double seconds = SecondsBetween(start, std::max(end, Clock::now()));
  std::printf("handshakes=%lld seconds=%.3f warmup_handshakes=%lld",
              static_cast<long long>(measured), seconds, static_cast<long long>(warmup));
  PrintTail(errors, negotiated);
  return errors.count == 0 ? 0 : 1;
}

int RunTlsBulk(const SocketAddress& server, const std::string& ca_pem_path, int write_bytes,
               const RunPhases& phases) {
  constexpr char kNoCounts[] = "bytes=0 seconds=0 warmup_bytes=0 write_bytes=0";
  std::string error;
  const SslCtxPtr ctx = NewClientContext(ca_pem_path, TLS1_2_VERSION, TLS1_3_VERSION, &error);
  if (!ctx) return FailSetup(error, kNoCounts);
  TlsConnection connection;
  if (error = connection.Connect(server, kIoTimeoutMs); !error.empty()) {
    return FailSetup("connect: " + error, kNoCounts);
  }
  if (error = connection.Handshake(ctx.get()); !error.empty()) {
    return FailSetup("handshake: " + error, kNoCounts);
  }
  Negotiated negotiated;
  negotiated.From(connection.ssl());
  // Not all zeros, in case anything on the way compresses.
  std::vector<unsigned char> block(write_bytes);
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<unsigned char>(i * 131 + 7);

  Errors errors;
  const auto write_until = [&](Clock::time_point until, int64_t* bytes) {
    while (errors.count == 0 && Clock::now() < until) {
      errno = 0;
      const int n = SSL_write(connection.ssl(), block.data(), write_bytes);
      const int saved_errno = errno;
      if (n != write_bytes) {
        errors.Add(n > 0 ? "short_write" : SslFailureText(connection.ssl(), n, saved_errno));
        return;
      }
      *bytes += n;
    }
  };
  int64_t warmup = 0, measured = 0;
  const Clock::time_point start = After(Clock::now(), phases.warmup);
  write_until(start, &warmup);
  write_until(After(start, phases.measured), &measured);
  // close_notify out, then the server's in: it has read everything.
  if (errors.count == 0) {
    const int sent = SSL_shutdown(connection.ssl());
    errno = 0;
    const int answered = sent < 0 ? sent : SSL_shutdown(connection.ssl());
    const int saved_errno = errno;
    if (answered != 1) errors.Add(SslFailureText(connection.ssl(), answered, saved_errno));
  }
  const double seconds = SecondsBetween(start, Clock::now());
  std::printf("bytes=%lld seconds=%.3f warmup_bytes=%lld write_bytes=%d",
              static_cast<long long>(measured), seconds, static_cast<long long>(warmup),
              write_bytes);
  PrintTail(errors, negotiated);
  return errors.count == 0 ? 0 : 1;
}

int RunTlsProbe(const SocketAddress& server, const std::string& ca_pem_path, int max_version,
                int timeout_ms) {
  std::string error;
  const SslCtxPtr ctx = NewClientContext(ca_pem_path, TLS1_VERSION, max_version, &error);
  if (!ctx) {
    std::fprintf(stderr, "nsfence-bench-load: %s\n", error.c_str());
    return 1;
  }
  TlsConnection connection;
  if (error = connection.Connect(server, timeout_ms); !error.empty()) {
    std::printf("unconnected error=%s\n", error.c_str());
    return 0;
  }
  error = connection.Handshake(ctx.get());
  // Any byte from the server: its answer got through.
  BIO* from_server = connection.ssl() != nullptr ? SSL_get_rbio(connection.ssl()) : nullptr;
  const bool answered = from_server != nullptr && BIO_number_read(from_server) > 0;
  if (error.empty()) {
    std::printf("answered version=%s\n", SSL_get_version(connection.ssl()));
  } else {
    std::printf("%s error=%s\n", answered ? "answered" : "cut", error.c_str());
  }
  return 0;
}

}  // namespace nsfence::bench
