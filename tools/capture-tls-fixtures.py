#!/usr/bin/env python3
"""Captures real TLS handshakes as test fixtures for the TLS hello parser.

For each case a server (openssl s_server) listens on 127.0.0.1, a TCP relay in
this process sits between it and a real client (openssl s_client, curl,
gnutls-cli, Python's ssl) and records the first bytes of each direction: up to
64 KiB, cut after the first application-data or alert record's header and
at most 32 bytes of its body. It writes
<name>.client.bin (client to server) and <name>.server.bin to the output
directory, and manifest.txt: per fixture the deciding version of every
ClientHello and ServerHello, whether a HelloRetryRequest happened, the SNI and
whether each stream goes on to something other than a hello.

Expectations are checked with a second, independent reader of the captured
bytes (whole-buffer Python, not the C parser under test): a case whose capture
does not show what it was meant to (say, no HelloRetryRequest in the HRR case)
fails the run and writes nothing.

Usage: tools/capture-tls-fixtures.py [--out tests/fixtures/tls] [--only NAME...]
Needs openssl, curl, gnutls-bin and python3 (tools/install-deps.sh).
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

CAPTURE_LIMIT = 64 * 1024
APP_DATA_KEPT = 32  # body bytes kept of the first application-data or alert record
LOW_SECLEVEL = "DEFAULT:@SECLEVEL=0"
SNI = "nsfence.test"
HTTP_GET = b"GET / HTTP/1.0\r\n\r\n"
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
BIG_ALPN = ",".join(("p%02d" % i) + "x" * 197 for i in range(20))  # 20 names of 200 bytes


# --- the independent reader --------------------------------------------------

@dataclass
class HelloInfo:
    hs_type: int
    legacy_version: int
    version: int  # deciding: offered max (client) or selected (server)
    hrr: bool
    sni: str
    length: int   # handshake body length
    records: int  # records the message spanned


@dataclass
class StreamInfo:
    hellos: list = field(default_factory=list)
    goes_on: bool = False  # something other than a hello follows the hellos
    cut: int = 0           # bytes to keep


def is_grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def parse_hello(hs_type, body):
    legacy = int.from_bytes(body[0:2], "big")
    random = body[2:34]
    pos = 34
    sid_len = body[pos]
    pos += 1 + sid_len
    if hs_type == 1:
        cs_len = int.from_bytes(body[pos:pos + 2], "big")
        pos += 2 + cs_len
        comp_len = body[pos]
        pos += 1 + comp_len
    else:
        pos += 3
    versions, sni = [], ""
    if pos < len(body):
        ext_len = int.from_bytes(body[pos:pos + 2], "big")
        pos += 2
        if pos + ext_len != len(body):
            raise ValueError("extensions length %d does not end the message" % ext_len)
        while pos < len(body):
            etype = int.from_bytes(body[pos:pos + 2], "big")
            elen = int.from_bytes(body[pos + 2:pos + 4], "big")
            ext = body[pos + 4:pos + 4 + elen]
            pos += 4 + elen
            if etype == 43:
                if hs_type == 1:
                    lst = ext[1:1 + ext[0]]
                    versions += [int.from_bytes(lst[i:i + 2], "big") for i in range(0, len(lst), 2)]
                else:
                    versions.append(int.from_bytes(ext[0:2], "big"))
            elif etype == 0 and hs_type == 1 and not sni:
                # server_name_list length(2), name_type(1), length(2), name
                if len(ext) >= 5 and ext[2] == 0:
                    nlen = int.from_bytes(ext[3:5], "big")
                    sni = ext[5:5 + nlen].decode("ascii", "replace")
    real = [v for v in versions if not is_grease(v)]
    version = max(real) if real else legacy
    hrr = hs_type == 2 and random == HRR_RANDOM
    return HelloInfo(hs_type, legacy, version, hrr, sni, len(body), 0)


def read_stream(data):
    """Hellos at the start of one direction, and where to cut the capture."""
    info = StreamInfo()
    pos, hs_buf, hs_records, in_hellos = 0, b"", 0, True
    while pos + 5 <= len(data):
        ctype, major = data[pos], data[pos + 1]
        rlen = int.from_bytes(data[pos + 3:pos + 5], "big")
        if major != 3:
            info.goes_on = info.goes_on or in_hellos
            info.cut = len(data)
            return info
        end = pos + 5 + rlen
        body = data[pos + 5:end]
        pos = end
        if ctype == 0x16 and in_hellos:
            hs_buf += body
            hs_records += 1
            while len(hs_buf) >= 4:
                mlen = int.from_bytes(hs_buf[1:4], "big")
                if hs_buf[0] not in (1, 2):
                    in_hellos = False
                    info.goes_on = True
                    break
                if len(hs_buf) < 4 + mlen:
                    break
                hello = parse_hello(hs_buf[0], hs_buf[4:4 + mlen])
                hello.records = hs_records
                info.hellos.append(hello)
                hs_buf = hs_buf[4 + mlen:]
                hs_records = 1 if hs_buf else 0
        elif ctype == 0x14:
            pass
        elif ctype in (0x15, 0x17):
            info.goes_on = info.goes_on or in_hellos
            info.cut = min(end - rlen + APP_DATA_KEPT, len(data))
            return info
        elif in_hellos:
            in_hellos = False
            info.goes_on = True
    info.cut = len(data)
    return info


# --- servers, relay, clients -------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=10.0):
    """Waits until something listens on 127.0.0.1:port, without connecting."""
    want = ":%04X" % port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %d before listening" % proc.returncode)
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[1].endswith(want) and cols[3] == "0A":
                    return
        time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


class Relay:
    """Accepts one connection, forwards it to the server, records both directions."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.recorded = {"client": bytearray(), "server": bytearray()}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _pump(self, src, dst, name):
        buf = self.recorded[name]
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                if len(buf) < CAPTURE_LIMIT:
                    buf += chunk[:CAPTURE_LIMIT - len(buf)]
                dst.sendall(chunk)
        except OSError:
            pass
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass

    def _run(self):
        try:
            down, _ = self.sock.accept()
        except OSError:
            return
        up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=20)
        for s in (down, up):
            s.settimeout(20)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pumps = [threading.Thread(target=self._pump, args=(down, up, "client"), daemon=True),
                 threading.Thread(target=self._pump, args=(up, down, "server"), daemon=True)]
        for t in pumps:
            t.start()
        for t in pumps:
            t.join(25)
        down.close()
        up.close()

    def finish(self):
        self.thread.join(30)
        self.sock.close()
        return bytes(self.recorded["client"]), bytes(self.recorded["server"])


def openssl_server(port, cert, key, extra):
    return ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", cert, "-key", key,
            "-naccept", "1", "-www", "-min_protocol", "TLSv1", "-cipher", LOW_SECLEVEL] + extra


def s_client(extra, sni=SNI):
    def cmd(port):
        return (["openssl", "s_client", "-connect", "127.0.0.1:%d" % port]
                + (["-servername", sni] if sni else ["-noservername"]) + extra)
    return cmd


def curl(extra):
    def cmd(port):
        return ["curl", "-sS", "-k", "-o", "/dev/null", "--max-time", "10",
                "--resolve", "%s:%d:127.0.0.1" % (SNI, port), "https://%s:%d/" % (SNI, port)] + extra
    return cmd


def gnutls_cli(priority):
    def cmd(port):
        return ["gnutls-cli", "--insecure", "--priority", priority, "--sni-hostname", SNI,
                "-p", str(port), "127.0.0.1"]
    return cmd


PY_CLIENT = r"""
import socket, ssl, sys
port, mode, sni = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if mode == "tls1_0":
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1
with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname=sni) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        s.recv(100)
"""


def python_client(mode):
    def cmd(port):
        return [sys.executable, "-c", PY_CLIENT, str(port), mode, SNI]
    return cmd


@dataclass
class Case:
    name: str
    what: str
    client: object          # port -> argv
    server_extra: list
    client_versions: list   # deciding version of each ClientHello
    server_versions: list   # deciding version of each ServerHello
    hrr: bool = False
    sni: str = SNI
    min_client_hello: int = 0   # the first ClientHello is at least this long
    min_client_records: int = 1  # and spans at least this many records


T10, T11, T12, T13 = 0x0301, 0x0302, 0x0303, 0x0304

CASES = [
    Case("openssl-tls1_0", "openssl s_client -tls1", s_client(["-tls1", "-cipher", LOW_SECLEVEL]),
         [], [T10], [T10]),
    Case("openssl-tls1_1", "openssl s_client -tls1_1", s_client(["-tls1_1", "-cipher", LOW_SECLEVEL]),
         [], [T11], [T11]),
    Case("openssl-tls1_2", "openssl s_client -tls1_2", s_client(["-tls1_2"]), [], [T12], [T12]),
    Case("openssl-tls1_3", "openssl s_client -tls1_3", s_client(["-tls1_3"]), [], [T13], [T13]),
    Case("openssl-default", "openssl s_client, no SNI", s_client([], sni=None), [], [T13], [T13], sni=""),
    Case("openssl-hrr", "s_client -groups X25519:P-256 against s_server -groups P-256: HelloRetryRequest",
         s_client(["-groups", "X25519:P-256"]), ["-groups", "P-256"], [T13, T13], [T13, T13], hrr=True),
    Case("openssl-downgrade-tls1_0", "default s_client (offers up to 1.3) against a TLS 1.0-only s_server",
         s_client(["-cipher", LOW_SECLEVEL]), ["-tls1"], [T13], [T10]),
    Case("curl-tls1_0", "curl --tlsv1.0 --tls-max 1.0",
         curl(["--tlsv1.0", "--tls-max", "1.0", "--ciphers", LOW_SECLEVEL]), [], [T10], [T10]),
    Case("curl-default", "curl, defaults", curl([]), [], [T13], [T13]),
    Case("gnutls-normal", "gnutls-cli --priority NORMAL", gnutls_cli("NORMAL"), [], [T13], [T13]),
    Case("gnutls-tls1_0", "gnutls-cli --priority NORMAL:-VERS-ALL:+VERS-TLS1.0",
         gnutls_cli("NORMAL:-VERS-ALL:+VERS-TLS1.0"), [], [T10], [T10]),
    Case("python-tls1_0", "Python ssl, minimum = maximum = TLSv1", python_client("tls1_0"), [], [T10], [T10]),
    Case("python-default", "Python ssl, defaults", python_client("default"), [], [T13], [T13]),
    Case("openssl-large-hello", "s_client -alpn with 20 names of 200 bytes: a ClientHello over 4 KiB",
         s_client(["-alpn", BIG_ALPN]), [], [T13], [T13], min_client_hello=4096),
    Case("openssl-split-records", "the large ClientHello with -max_send_frag 512: one message, many records",
         s_client(["-alpn", BIG_ALPN, "-max_send_frag", "512"]), [], [T13], [T13],
         min_client_hello=4096, min_client_records=8),
]


def capture(case, cert, key):
    server_port = free_port()
    server = subprocess.Popen(openssl_server(server_port, cert, key, case.server_extra),
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_listening(server_port, server)
        relay = Relay(server_port)
        client = subprocess.run(case.client(relay.port), input=HTTP_GET, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, timeout=30)
        c, s = relay.finish()
    finally:
        server.kill()
        server.wait()
    return c, s, client


def version_list(hellos):
    return ",".join("0x%04x%s" % (h.version, "/hrr" if h.hrr else "") for h in hellos) or "-"


def check(case, client_info, server_info):
    problems = []
    got_c = [h.version for h in client_info.hellos]
    got_s = [h.version for h in server_info.hellos]
    if got_c != case.client_versions:
        problems.append("client hellos decide %s, expected %s" % ([hex(v) for v in got_c],
                                                                 [hex(v) for v in case.client_versions]))
    if got_s != case.server_versions:
        problems.append("server hellos decide %s, expected %s" % ([hex(v) for v in got_s],
                                                                 [hex(v) for v in case.server_versions]))
    hrrs = [h.hrr for h in server_info.hellos]
    if case.hrr != any(hrrs) or (case.hrr and hrrs[0] is not True):
        problems.append("HelloRetryRequest flags %s, expected one first: %s" % (hrrs, case.hrr))
    if any(h.sni != case.sni for h in client_info.hellos):
        problems.append("SNI %s, expected %r" % ([h.sni for h in client_info.hellos], case.sni))
    if not all(h.hs_type == 1 for h in client_info.hellos) or not all(h.hs_type == 2 for h in server_info.hellos):
        problems.append("hello types out of place")
    if client_info.hellos and client_info.hellos[0].length < case.min_client_hello:
        problems.append("ClientHello of %d bytes, expected at least %d" % (client_info.hellos[0].length,
                                                                          case.min_client_hello))
    if client_info.hellos and client_info.hellos[0].records < case.min_client_records:
        problems.append("ClientHello in %d records, expected at least %d" % (client_info.hellos[0].records,
                                                                            case.min_client_records))
    if not server_info.goes_on:
        problems.append("server flight shows nothing after its hellos (handshake did not go on?)")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "fixtures", "tls"))
    ap.add_argument("--only", nargs="*", help="capture only these cases (manifest keeps the others)")
    args = ap.parse_args()
    for tool in ("openssl", "curl", "gnutls-cli"):
        if not shutil.which(tool):
            sys.exit("capture-tls-fixtures: %s missing (tools/install-deps.sh)" % tool)

    cases = [c for c in CASES if not args.only or c.name in args.only]
    results, failed = {}, False
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=" + SNI], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for case in cases:
            c, s, client = capture(case, cert, key)
            ci, si = read_stream(c), read_stream(s)
            problems = check(case, ci, si)
            status = "ok" if not problems else "FAILED"
            print("%-26s %-6s client %5d bytes %-18s server %5d bytes %s" % (
                case.name, status, ci.cut, version_list(ci.hellos), si.cut, version_list(si.hellos)))
            if problems:
                failed = True
                for p in problems:
                    print("    " + p)
                print("    client exit %d: %s" % (client.returncode,
                                                   client.stderr.decode(errors="replace").strip()[-300:]))
            results[case.name] = (case, c[:ci.cut], s[:si.cut], ci, si)
    if failed:
        sys.exit("capture-tls-fixtures: some captures do not show what their case expects; nothing written")

    os.makedirs(args.out, exist_ok=True)
    manifest = os.path.join(args.out, "manifest.txt")
    kept = {}  # manifest lines by fixture name; with --only, the other fixtures' lines stay
    if args.only and os.path.exists(manifest):
        with open(manifest) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    kept[line.split()[0]] = line
    for name, (case, c, s, ci, si) in results.items():
        with open(os.path.join(args.out, name + ".client.bin"), "wb") as f:
            f.write(c)
        with open(os.path.join(args.out, name + ".server.bin"), "wb") as f:
            f.write(s)
        kept[name] = "%s client=%s server=%s hrr=%s sni=%s client_after=%s server_after=%s\n" % (
            name, version_list(ci.hellos), version_list(si.hellos), "yes" if case.hrr else "no",
            ci.hellos[0].sni if ci.hellos and ci.hellos[0].sni else "-",
            "other" if ci.goes_on else "end", "other" if si.goes_on else "end")
    whats = {c.name: c.what for c in CASES}
    order = [c.name for c in CASES]
    with open(manifest, "w") as f:
        f.write("# TLS handshakes captured by tools/capture-tls-fixtures.py on 127.0.0.1: <name>.client.bin\n"
                "# and <name>.server.bin are the first bytes of each direction (at most 64 KiB, cut after\n"
                "# the first application-data or alert record, of which at most 32 body bytes are kept).\n"
                "# client=/server=: deciding version of each ClientHello / ServerHello in stream order\n"
                "# (offered maximum / selected), /hrr marks a HelloRetryRequest; sni: the ClientHello's\n"
                "# host_name or -; *_after: what follows the hellos in the capture: other (a record or\n"
                "# handshake message that is not a hello) or end (nothing).\n")
        for name in sorted(kept, key=lambda n: order.index(n) if n in whats else len(order)):
            f.write("\n# %s: %s\n" % (name, whats.get(name, "")))
            f.write(kept[name])
    print("capture-tls-fixtures: wrote %d fixtures to %s" % (len(results), os.path.normpath(args.out)))


if __name__ == "__main__":
    main()
