/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps of the TLS programs. Per-socket inspection state lives in socket
 * storage, so it is freed with the socket and costs nothing to find.
 */
#ifndef NSFENCE_LIB_TLS_MAPS_H
#define NSFENCE_LIB_TLS_MAPS_H

#include "maps.h"
#include "nsfence/tls_parser.h"

enum tls_socket_phase {
	TLS_SOCK_NEW = 0,
	TLS_SOCK_NO_POLICY, /* pod had no TLS floor at `generation`: passes */
	TLS_SOCK_INSPECTING,
	TLS_SOCK_DONE,      /* handshake decided: passes, never inspected again */
	TLS_SOCK_BLOCKED,   /* every packet dropped until the agent ends it */
};

enum tls_stream_state {
	TLS_STREAM_UNKNOWN = 0, /* not yet known where the stream starts */
	TLS_STREAM_PARSING,     /* in a hello, or at the stream start: bytes fed in order */
	TLS_STREAM_PAUSED,      /* after a ClientHello: waits for the peer's answer */
	TLS_STREAM_SCAN,        /* plaintext or joined mid-stream: segment starts checked */
};

enum tls_require {
	TLS_REQUIRE_NONE = 0,
	TLS_REQUIRE_ENFORCE = 1,
	TLS_REQUIRE_AUDIT = 2,
};

/* One direction of the connection: egress (index 0) or ingress (1). */
struct tls_stream {
	__u32 next_seq;  /* TCP sequence number of the next byte to feed */
	__u8 state;      /* enum tls_stream_state */
	__u8 at_start;   /* next_seq is the first byte of the stream */
	__u8 hellos;     /* hellos parsed in this direction */
	__u8 pad;
	struct nsf_tls_parser parser;
};

struct tls_socket {
	__u32 generation;
	__u8 phase;       /* enum tls_socket_phase */
	__u8 require;     /* enum tls_require, for connections the pod opened */
	__u8 reported;    /* an event was sent for this connection */
	__u8 pad;
	__u32 identity;
	__u32 require_policy;
	__u64 cgroup_id;
	__u16 offered;    /* highest version a ClientHello offered */
	__u16 negotiated; /* version a ServerHello selected */
	__u8 pad2[4];
	char sni[NSFENCE_SNI_LEN];
	struct tls_stream stream[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tls_socket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_tls_sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct nsfence_tls_blocked);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_tls_blocked SEC(".maps");

/*
 * Written by the agent after every policy change: sockets that had no TLS
 * floor look again, so connections opened before a policy are covered.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsfence_tls_generation);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_tls_generation SEC(".maps");

static __always_inline const struct nsfence_tls_generation *tls_generation(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&nsf_tls_generation, &key);
}

#endif /* NSFENCE_LIB_TLS_MAPS_H */
