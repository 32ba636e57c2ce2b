/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one TLS hello parser, compiled as C (as the BPF program compiles it),
 * behind a non-inline API. The feed loop mirrors bpf/lib/tls_feed.h.
 */
#include "tls/tls_feed.h"

#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define NSF_TLS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NSF_TLS_ASAN 1
#endif
#endif

#ifdef NSF_TLS_ASAN
#include <sanitizer/asan_interface.h>
/* The window's bytes past win_len are poisoned: a step that reads them is a parser bug. */
#define NSF_TLS_POISON(addr, size) ASAN_POISON_MEMORY_REGION(addr, size)
#define NSF_TLS_UNPOISON(addr, size) ASAN_UNPOISON_MEMORY_REGION(addr, size)
#else
#define NSF_TLS_POISON(addr, size) ((void)(addr), (void)(size))
#define NSF_TLS_UNPOISON(addr, size) ((void)(addr), (void)(size))
#endif

_Static_assert(NSF_TLS_FEED_WINDOW >= 1 && NSF_TLS_FEED_WINDOW <= NSF_TLS_WINDOW, "feed window size");

void nsf_tls_reset(struct nsf_tls_parser *p)
{
	nsf_tls_parser_init(p);
}

int nsf_tls_feed_bounded(struct nsf_tls_parser *p, const uint8_t *data, uint32_t len,
			 uint32_t max_steps, struct nsf_tls_feed_info *info)
{
	/* As in the kernel: a stack window the bytes are copied into. */
	__u8 win[NSF_TLS_WINDOW];
	uint32_t off = 0;
	int result = NSF_TLS_CONTINUE;

	memset(info, 0, sizeof(*info));
	while (off < len) {
		uint32_t avail = len - off;
		uint32_t win_len = avail < NSF_TLS_FEED_WINDOW ? avail : NSF_TLS_FEED_WINDOW;
		__u32 used = 0;
		int r;

		if (info->steps == max_steps) {
			info->out_of_steps = 1;
			break;
		}
		info->steps++;
		memcpy(win, data + off, win_len);
		NSF_TLS_POISON(win + win_len, NSF_TLS_WINDOW - win_len);
		r = nsf_tls_step(p, win, win_len, avail, &used);
		NSF_TLS_UNPOISON(win + win_len, NSF_TLS_WINDOW - win_len);
		if (used > avail) {
			/* The kernel driver would go on past its segment's end. */
			info->overran = 1;
			result = NSF_TLS_MALFORMED;
			break;
		}
		off += used;
		if (r != NSF_TLS_CONTINUE) {
			result = r;
			break;
		}
		if (used == 0) {
			info->stalled = 1;
			break;
		}
	}
	info->consumed = off;
	if (result == NSF_TLS_CONTINUE && off < len)
		result = NSF_TLS_MALFORMED; /* out of steps or no progress, as in the kernel */
	return result;
}

int nsf_tls_feed(struct nsf_tls_parser *p, const uint8_t *data, uint32_t len, uint32_t *consumed)
{
	struct nsf_tls_feed_info info;
	int r = nsf_tls_feed_bounded(p, data, len, NSF_TLS_FEED_MAX_STEPS, &info);

	if (consumed)
		*consumed = info.consumed;
	return r;
}

void nsf_tls_next(struct nsf_tls_parser *p)
{
	nsf_tls_next_message(p);
}

uint16_t nsf_tls_version(const struct nsf_tls_parser *p)
{
	return nsf_tls_hello_version(p);
}

int nsf_tls_classify(const uint8_t *data, uint32_t len, uint16_t *version)
{
	__u16 v = 0;
	int r = nsf_tls_classify_start(data, len, &v);

	if (version)
		*version = v;
	return r;
}

uint8_t nsf_tls_code(uint16_t version)
{
	return nsf_tls_version_code(version);
}

int nsf_tls_grease(uint16_t version)
{
	return nsf_tls_is_grease(version);
}
