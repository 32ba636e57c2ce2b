/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Feeds bytes of an skb to the TLS hello parser: two bytes are read per step,
 * spans the parser skips are never read, and the number of steps per call is
 * bounded (bpf_loop verifies one step, not the loop).
 */
#ifndef NSFENCE_LIB_TLS_FEED_H
#define NSFENCE_LIB_TLS_FEED_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "nsfence/tls_parser.h"


struct tls_feed {
	struct __sk_buff *skb;
	struct nsf_tls_parser *parser;
	__u32 off; /* next byte to feed, from the start of the skb */
	__u32 end;
	int result;
};

static long tls_feed_step(__u32 index, void *data)
{
	struct tls_feed *f = data;
	__u8 next[2] = {};
	__u32 used = 0, len;
	int r;

	if (f->off >= f->end)
		return 1;
	len = f->end - f->off >= 2 ? 2 : 1;
	if (bpf_skb_load_bytes(f->skb, f->off, next, len)) {
		f->result = NSF_TLS_MALFORMED;
		return 1;
	}
	r = nsf_tls_step(f->parser, next, len, f->end - f->off, &used);
	f->off += used;
	if (r != NSF_TLS_CONTINUE) {
		f->result = r;
		return 1;
	}
	return used == 0; /* no progress: stop rather than spin */
}

/*
 * Feeds skb bytes [off, end). Returns the parser's result (NSF_TLS_CONTINUE
 * when all were consumed without a hello ending) and sets *consumed.
 * A global function: the verifier checks it once, not at every call site.
 */
__noinline int tls_feed_skb(struct __sk_buff *skb, struct nsf_tls_parser *parser, __u32 off,
			    __u32 end, __u32 *consumed)
{
	struct tls_feed f = { .skb = skb, .parser = parser, .off = off, .end = end,
			      .result = NSF_TLS_CONTINUE };

	if (!parser || !consumed)
		return NSF_TLS_MALFORMED;
	bpf_loop(NSF_TLS_MAX_STEPS, tls_feed_step, &f, 0);
	*consumed = f.off - off;
	if (f.result == NSF_TLS_CONTINUE && f.off < end)
		return NSF_TLS_MALFORMED; /* out of steps (only past NSF_TLS_MAX_STEPS bytes) */
	return f.result;
}

#endif /* NSFENCE_LIB_TLS_FEED_H */
