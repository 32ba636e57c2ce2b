// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test-only: runs the datapath's hello parser (nsfence/tls_parser.h through
 * lib/tls_feed.h, exactly as the TLS programs drive it) over BPF_PROG_TEST_RUN
 * input, so tests can compare the kernel's results with the userspace
 * library's on the same bytes. Each run feeds its whole skb as the next piece
 * of one stream; the parser state persists in probe_state between runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "nsfence/tls_parser.h"
#include "lib/tls_feed.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PROBE_MAX_RESULTS 8

struct probe_result {
	__s32 result;    /* enum nsf_tls_result */
	__u8 hs_type;
	__u8 retry_request;
	__u16 version;   /* nsf_tls_hello_version() */
	char sni[NSFENCE_SNI_LEN];
};

struct probe_state {
	struct nsf_tls_parser parser;
	__u32 results;   /* how many of `result` are set */
	__u32 stopped;   /* a result other than a hello ended the stream */
	struct probe_result result[PROBE_MAX_RESULTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_state);
} probe_state SEC(".maps");

static __always_inline void record(struct probe_state *st, int r)
{
	__u32 i = st->results;
	struct probe_result *out;

	if (i >= PROBE_MAX_RESULTS)
		return;
	out = &st->result[i];
	out->result = r;
	if (r == NSF_TLS_HELLO) {
		out->hs_type = st->parser.hs_type;
		out->retry_request = !!(st->parser.flags & NSF_TLS_RETRY_REQUEST);
		out->version = nsf_tls_hello_version(&st->parser);
		__builtin_memcpy(out->sni, st->parser.sni, NSFENCE_SNI_LEN);
	}
	st->results = i + 1;
}

SEC("cgroup_skb/ingress")
int tls_parser_probe(struct __sk_buff *skb)
{
	__u32 key = 0, off = 0, consumed = 0;
	struct probe_state *st = bpf_map_lookup_elem(&probe_state, &key);

	if (!st)
		return 1;
	/* Up to PROBE_MAX_RESULTS messages per piece, like the userspace driver. */
	for (int i = 0; i < PROBE_MAX_RESULTS; i++) {
		int r;

		if (st->stopped || off >= skb->len)
			break;
		r = tls_feed_skb(skb, &st->parser, off, skb->len, &consumed);
		off += consumed;
		if (r == NSF_TLS_CONTINUE)
			break;
		record(st, r);
		if (r != NSF_TLS_HELLO) {
			st->stopped = 1;
			break;
		}
		nsf_tls_next_message(&st->parser);
	}
	return 1;
}
