/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TLS hello parser (bpf/include/nsfence/tls_parser.h) compiled as C, for
 * userspace: its tests, its fuzz target and the tools that want to read a
 * captured handshake the way the datapath does.
 *
 * nsf_tls_feed() drives nsf_tls_step() exactly like the kernel driver
 * (bpf/lib/tls_feed.h) drives it over one skb: each step gets a window of
 * NSF_TLS_FEED_WINDOW bytes copied out of the buffer (the skipped spans are
 * never read) and the bytes left as `avail`, and one call takes at most
 * NSF_TLS_FEED_MAX_STEPS steps; a call that runs out of steps, or a step that
 * makes no progress, is NSF_TLS_MALFORMED.
 */
#ifndef NSFENCE_USERSPACE_TLS_TLS_FEED_H
#define NSFENCE_USERSPACE_TLS_TLS_FEED_H

#include <stdint.h>

#include "nsfence/tls_parser.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Steps one call may take: the kernel's bound (bpf/lib/tls_feed.h). */
#define NSF_TLS_FEED_MAX_STEPS NSF_TLS_MAX_STEPS
/* Bytes the kernel driver copies out for one step (the parser reads win[0] and win[1]). */
#define NSF_TLS_FEED_WINDOW 2

/* How a call of nsf_tls_feed_bounded() went. */
struct nsf_tls_feed_info {
	uint32_t consumed;    /* bytes of data the parser took, <= len */
	uint32_t steps;       /* nsf_tls_step() calls made */
	uint8_t out_of_steps; /* max_steps ran out before data did */
	uint8_t stalled;      /* a step consumed nothing and did not end (a parser bug) */
	uint8_t overran;      /* a step said it used more bytes than there were (a parser bug) */
};

/* A parser ready for the first byte of one direction of a stream. */
void nsf_tls_reset(struct nsf_tls_parser *p);

/*
 * Feeds the next `len` bytes of the stream. Returns NSF_TLS_CONTINUE when all
 * were consumed and no hello ended; NSF_TLS_HELLO when one ended, with
 * *consumed its last byte's offset + 1 (call nsf_tls_next() and feed the rest);
 * NSF_TLS_STOP or NSF_TLS_MALFORMED, after which the parser is done.
 * consumed may be NULL.
 */
int nsf_tls_feed(struct nsf_tls_parser *p, const uint8_t *data, uint32_t len, uint32_t *consumed);

/* nsf_tls_feed() with a chosen step budget, and what the call did. */
int nsf_tls_feed_bounded(struct nsf_tls_parser *p, const uint8_t *data, uint32_t len,
			 uint32_t max_steps, struct nsf_tls_feed_info *info);

/* After NSF_TLS_HELLO: continue with the next handshake message. */
void nsf_tls_next(struct nsf_tls_parser *p);

/* The deciding version of the hello that ended: offered maximum or selected. */
uint16_t nsf_tls_version(const struct nsf_tls_parser *p);

/* nsf_tls_classify_start(): enum nsf_tls_start of a segment's first bytes. */
int nsf_tls_classify(const uint8_t *data, uint32_t len, uint16_t *version);

/* enum nsfence_tls_version_code of a wire version. */
uint8_t nsf_tls_code(uint16_t version);

/* Whether a version is a GREASE value (RFC 8701). */
int nsf_tls_grease(uint16_t version);

#ifdef __cplusplus
}
#endif

#endif /* NSFENCE_USERSPACE_TLS_TLS_FEED_H */
