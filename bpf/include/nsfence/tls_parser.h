/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Streaming parser for TLS ClientHello and ServerHello messages: the one
 * implementation the BPF datapath and the userspace library (and its tests
 * and fuzz target) share.
 *
 * It is fed one direction of a TCP stream, in order, in pieces of any size:
 * a hello may be split over writes, TCP segments and TLS records. It keeps
 * only a few fields of state, so nothing is buffered: lengths it does not need
 * are skipped, whatever their size. Each call of nsf_tls_step() does one
 * bounded piece of work (read one byte, skip one span), so a caller can
 * drive it from a loop with a constant bound (bpf_loop in the kernel).
 *
 * Byte layouts: RFC 8446 4.1.2-4.1.4 and 4.2.1 (supported_versions), RFC 6066
 * 3 (server_name), RFC 5246 6.2.1 (records).
 */
#ifndef NSFENCE_TLS_PARSER_H
#define NSFENCE_TLS_PARSER_H

#include "nsfence/abi.h"

#ifdef __BPF__
#define NSF_TLS_INLINE static __always_inline
#else
#define NSF_TLS_INLINE static inline
#endif

/* Size of the field accumulator (the longest field read is the 32-byte random). */
#define NSF_TLS_WINDOW 32
/*
 * Steps one piece of a stream may take. Each step consumes at least one byte,
 * so this covers any skb up to 128 KiB: running out of steps is not a way
 * around the parser.
 */
#define NSF_TLS_MAX_STEPS (1u << 17)
#define NSF_TLS_MAX_RECORD (16384 + 2048) /* TLSCiphertext bound, RFC 8446 5.2 */

#define NSF_TLS_CONTENT_CCS 0x14
#define NSF_TLS_CONTENT_ALERT 0x15
#define NSF_TLS_CONTENT_HANDSHAKE 0x16
#define NSF_TLS_CONTENT_APPLICATION 0x17
#define NSF_TLS_CLIENT_HELLO 1
#define NSF_TLS_SERVER_HELLO 2
#define NSF_TLS_EXT_SERVER_NAME 0
#define NSF_TLS_EXT_SUPPORTED_VERSIONS 43

enum nsf_tls_result {
	NSF_TLS_CONTINUE = 0,  /* call again with the bytes after *used */
	NSF_TLS_HELLO = 1,     /* a hello ended: its fields are set */
	NSF_TLS_STOP = 2,      /* the stream carries something else than a hello here */
	NSF_TLS_MALFORMED = 3, /* not a well-formed hello */
};

enum nsf_tls_phase {
	NSF_TLS_HS_HEADER = 0, /* type(1) length(3) */
	NSF_TLS_VERSION,       /* legacy_version(2) */
	NSF_TLS_RANDOM,        /* random(32) */
	NSF_TLS_SESSION_ID_LEN,
	NSF_TLS_CIPHERS_LEN,     /* ClientHello: cipher_suites<2..2^16-2> */
	NSF_TLS_COMPRESSION_LEN, /* ClientHello: compression_methods<1..2^8-1> */
	NSF_TLS_SERVER_CIPHER,   /* ServerHello: cipher_suite(2) compression(1) */
	NSF_TLS_EXTENSIONS_LEN,
	NSF_TLS_EXT_HEADER,      /* type(2) length(2) */
	NSF_TLS_SV_LIST_LEN,     /* ClientHello supported_versions list length(1) */
	NSF_TLS_SV_ENTRY,        /* a version(2) */
	NSF_TLS_SNI_LIST_LEN,    /* server_name_list length(2) */
	NSF_TLS_SNI_ENTRY,       /* name_type(1) length(2) */
	NSF_TLS_SNI_NAME,        /* host_name bytes, copied */
	NSF_TLS_EXT_REST,        /* skip what is left of an extension */
	NSF_TLS_PHASE_COUNT,
};

/* nsf_tls_parser.flags */
#define NSF_TLS_HAVE_VERSIONS 0x1 /* supported_versions named a non-GREASE version */
#define NSF_TLS_RETRY_REQUEST 0x2 /* a ServerHello that is a HelloRetryRequest */
#define NSF_TLS_IN_MESSAGE 0x4

struct nsf_tls_parser {
	/* record layer */
	__u16 rec_left;     /* body bytes left in the current record */
	__u8 rec_have;      /* header bytes gathered, 0..5 */
	__u8 rec_skipping;  /* current record is a ChangeCipherSpec: skipped */
	__u8 rec_hdr[8];    /* 5 used; a power of two so indexes can be masked */
	/* handshake layer */
	__u8 phase;         /* enum nsf_tls_phase */
	__u8 acc_have;
	__u8 flags;
	__u8 hs_type;       /* NSF_TLS_CLIENT_HELLO or NSF_TLS_SERVER_HELLO */
	__u8 sni_len;
	__u16 legacy_version;
	__u16 best_version;  /* ClientHello: highest offered; ServerHello: selected */
	__u16 ext_left;      /* bytes left in the extensions block */
	__u16 body_left;     /* bytes left in the current extension */
	__u16 list_left;     /* bytes left in the supported_versions list */
	__u16 name_left;     /* bytes left in the host_name being copied */
	__u32 hs_left;       /* bytes left in the current handshake message */
	__u32 skip;          /* handshake bytes to pass over before the next field */
	__u8 acc[NSF_TLS_WINDOW];
	char sni[NSFENCE_SNI_LEN];
};

/*
 * Whether 32 bytes are the HelloRetryRequest random (RFC 8446 4.1.3),
 * compared as four big-endian words: no global data, which BPF objects keep
 * for their own settings.
 */
NSF_TLS_INLINE int nsf_tls_is_retry_random(const __u8 *r)
{
	__u64 w[4] = { 0, 0, 0, 0 };

	for (int i = 0; i < 32; i++)
		w[i / 8] = w[i / 8] << 8 | r[i];
	return w[0] == 0xcf21ad74e59a6111ULL && w[1] == 0xbe1d8c021e65b891ULL &&
	       w[2] == 0xc2a211167abb8c5eULL && w[3] == 0x079e09e2c8a8339cULL;
}

NSF_TLS_INLINE int nsf_tls_is_grease(__u16 v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* enum nsfence_tls_version_code of a wire version: SSL 3 and older are 0. */
NSF_TLS_INLINE __u8 nsf_tls_version_code(__u16 v)
{
	if ((v >> 8) == 3)
		return (__u8)(v & 0xff);
	return (v >> 8) > 3 && (v >> 8) < 0x7f ? 0xff : 0;
}

/* Highest version a ClientHello offers, or the one a ServerHello selected. */
NSF_TLS_INLINE __u16 nsf_tls_hello_version(const struct nsf_tls_parser *p)
{
	return (p->flags & NSF_TLS_HAVE_VERSIONS) ? p->best_version : p->legacy_version;
}

/* Ready for the first byte of a stream, at a record boundary. */
NSF_TLS_INLINE void nsf_tls_parser_init(struct nsf_tls_parser *p)
{
	__builtin_memset(p, 0, sizeof(*p));
}

/* After NSF_TLS_HELLO: ready for the next handshake message of the same stream. */
NSF_TLS_INLINE void nsf_tls_next_message(struct nsf_tls_parser *p)
{
	p->phase = NSF_TLS_HS_HEADER;
	p->acc_have = 0;
	p->flags = 0;
	p->hs_type = 0;
	p->legacy_version = 0;
	p->best_version = 0;
	p->hs_left = 0;
	p->skip = 0;
}

NSF_TLS_INLINE __u32 nsf_tls_min(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

/* Bytes the current phase reads into acc. */
NSF_TLS_INLINE __u32 nsf_tls_field_len(__u8 phase)
{
	switch (phase) {
	case NSF_TLS_HS_HEADER:
	case NSF_TLS_EXT_HEADER:
		return 4;
	case NSF_TLS_RANDOM:
		return 32;
	case NSF_TLS_SESSION_ID_LEN:
	case NSF_TLS_COMPRESSION_LEN:
	case NSF_TLS_SV_LIST_LEN:
		return 1;
	case NSF_TLS_SERVER_CIPHER:
	case NSF_TLS_SNI_ENTRY:
		return 3;
	default:
		return 2;
	}
}

/* The handshake message ended: a hello when nothing more was due. */
NSF_TLS_INLINE int nsf_tls_message_end(struct nsf_tls_parser *p)
{
	p->flags &= ~NSF_TLS_IN_MESSAGE;
	if (p->phase == NSF_TLS_EXTENSIONS_LEN ||
	    (p->phase == NSF_TLS_EXT_HEADER && p->ext_left == 0))
		return NSF_TLS_HELLO;
	return NSF_TLS_MALFORMED;
}

/* What is left of the current extension is skipped. */
NSF_TLS_INLINE int nsf_tls_extension_rest(struct nsf_tls_parser *p)
{
	p->skip = p->body_left;
	p->body_left = 0;
	p->phase = NSF_TLS_EXT_HEADER;
	return NSF_TLS_CONTINUE;
}

NSF_TLS_INLINE int nsf_tls_set_skip(struct nsf_tls_parser *p, __u32 n, __u8 next)
{
	if (n > p->hs_left)
		return NSF_TLS_MALFORMED;
	p->skip = n;
	p->phase = next;
	return NSF_TLS_CONTINUE;
}

/* acc holds the current phase's field: act on it. */
NSF_TLS_INLINE int nsf_tls_field(struct nsf_tls_parser *p)
{
	const __u8 *a = p->acc;
	__u32 n16 = (__u32)a[0] << 8 | a[1];

	switch (p->phase) {
	case NSF_TLS_HS_HEADER:
		if (a[0] != NSF_TLS_CLIENT_HELLO && a[0] != NSF_TLS_SERVER_HELLO)
			return NSF_TLS_STOP;
		p->hs_type = a[0];
		p->hs_left = (__u32)a[1] << 16 | (__u32)a[2] << 8 | a[3];
		/* version, random, session id length and what must follow it */
		if (p->hs_left < 2 + 32 + 1 + 3)
			return NSF_TLS_MALFORMED;
		p->flags |= NSF_TLS_IN_MESSAGE;
		p->phase = NSF_TLS_VERSION;
		return NSF_TLS_CONTINUE;
	case NSF_TLS_VERSION:
		p->legacy_version = (__u16)n16;
		/* Only a ServerHello's random means something (a HelloRetryRequest). */
		if (p->hs_type == NSF_TLS_CLIENT_HELLO)
			return nsf_tls_set_skip(p, 32, NSF_TLS_SESSION_ID_LEN);
		p->phase = NSF_TLS_RANDOM;
		return NSF_TLS_CONTINUE;
	case NSF_TLS_RANDOM:
		if (p->hs_type == NSF_TLS_SERVER_HELLO && nsf_tls_is_retry_random(a))
			p->flags |= NSF_TLS_RETRY_REQUEST;
		p->phase = NSF_TLS_SESSION_ID_LEN;
		return NSF_TLS_CONTINUE;
	case NSF_TLS_SESSION_ID_LEN:
		if (a[0] > 32)
			return NSF_TLS_MALFORMED;
		return nsf_tls_set_skip(p, a[0], p->hs_type == NSF_TLS_CLIENT_HELLO
						 ? NSF_TLS_CIPHERS_LEN : NSF_TLS_SERVER_CIPHER);
	case NSF_TLS_CIPHERS_LEN:
		if (n16 < 2 || (n16 & 1))
			return NSF_TLS_MALFORMED;
		return nsf_tls_set_skip(p, n16, NSF_TLS_COMPRESSION_LEN);
	case NSF_TLS_COMPRESSION_LEN:
		if (a[0] < 1)
			return NSF_TLS_MALFORMED;
		return nsf_tls_set_skip(p, a[0], NSF_TLS_EXTENSIONS_LEN);
	case NSF_TLS_SERVER_CIPHER:
		p->phase = NSF_TLS_EXTENSIONS_LEN;
		return NSF_TLS_CONTINUE;
	case NSF_TLS_EXTENSIONS_LEN:
		if (n16 != p->hs_left)
			return NSF_TLS_MALFORMED;
		p->ext_left = (__u16)n16;
		p->phase = NSF_TLS_EXT_HEADER;
		return NSF_TLS_CONTINUE;
	case NSF_TLS_EXT_HEADER: {
		__u32 type = n16, len = (__u32)a[2] << 8 | a[3];

		if (4 + len > p->ext_left)
			return NSF_TLS_MALFORMED;
		p->ext_left -= 4 + len;
		p->body_left = (__u16)len;
		if (type == NSF_TLS_EXT_SUPPORTED_VERSIONS) {
			if (p->hs_type == NSF_TLS_CLIENT_HELLO) {
				p->phase = NSF_TLS_SV_LIST_LEN;
				return len < 1 ? NSF_TLS_MALFORMED : NSF_TLS_CONTINUE;
			}
			p->phase = NSF_TLS_SV_ENTRY;
			return len != 2 ? NSF_TLS_MALFORMED : NSF_TLS_CONTINUE;
		}
		if (type == NSF_TLS_EXT_SERVER_NAME && p->hs_type == NSF_TLS_CLIENT_HELLO &&
		    p->sni_len == 0 && len >= 5) {
			p->phase = NSF_TLS_SNI_LIST_LEN;
			return NSF_TLS_CONTINUE;
		}
		return nsf_tls_extension_rest(p);
	}
	case NSF_TLS_SV_LIST_LEN:
		p->body_left -= 1;
		if (a[0] > p->body_left || (a[0] & 1) || a[0] == 0)
			return NSF_TLS_MALFORMED;
		p->list_left = a[0];
		p->phase = NSF_TLS_SV_ENTRY;
		return NSF_TLS_CONTINUE;
	case NSF_TLS_SV_ENTRY:
		p->body_left -= 2;
		if (!nsf_tls_is_grease((__u16)n16)) {
			if (!(p->flags & NSF_TLS_HAVE_VERSIONS) || n16 > p->best_version)
				p->best_version = (__u16)n16;
			p->flags |= NSF_TLS_HAVE_VERSIONS;
		}
		if (p->hs_type == NSF_TLS_CLIENT_HELLO) {
			p->list_left -= 2;
			if (p->list_left > 0)
				return NSF_TLS_CONTINUE;
		}
		return nsf_tls_extension_rest(p);
	case NSF_TLS_SNI_LIST_LEN:
		p->body_left -= 2;
		p->phase = NSF_TLS_SNI_ENTRY;
		return NSF_TLS_CONTINUE;
	case NSF_TLS_SNI_ENTRY: {
		__u32 len = (__u32)a[1] << 8 | a[2];

		p->body_left -= 3;
		if (a[0] != 0 || len > p->body_left || len == 0)
			return nsf_tls_extension_rest(p);
		/* Only what fits is copied; the rest of the extension is skipped in one step. */
		p->name_left = (__u16)(len < NSFENCE_SNI_LEN - 1 ? len : NSFENCE_SNI_LEN - 1);
		p->phase = NSF_TLS_SNI_NAME;
		return NSF_TLS_CONTINUE;
	}
	default:
		return NSF_TLS_MALFORMED;
	}
}

/* Record header complete in rec_hdr: start its body, skip it, or stop. */
NSF_TLS_INLINE int nsf_tls_record(struct nsf_tls_parser *p)
{
	__u32 len = (__u32)p->rec_hdr[3] << 8 | p->rec_hdr[4];
	int at_boundary = !(p->flags & NSF_TLS_IN_MESSAGE) && p->acc_have == 0;

	p->rec_have = 0;
	if (p->rec_hdr[1] != 3 || len == 0 || len > NSF_TLS_MAX_RECORD)
		return at_boundary ? NSF_TLS_STOP : NSF_TLS_MALFORMED;
	if (p->rec_hdr[0] == NSF_TLS_CONTENT_HANDSHAKE) {
		p->rec_left = (__u16)len;
		return NSF_TLS_CONTINUE;
	}
	/* Handshake messages are never interleaved with other records (RFC 8446 5.1). */
	if (!at_boundary)
		return NSF_TLS_MALFORMED;
	/* TLS 1.3 middlebox compatibility: a ChangeCipherSpec may precede a second hello. */
	if (p->rec_hdr[0] == NSF_TLS_CONTENT_CCS) {
		p->rec_left = (__u16)len;
		p->rec_skipping = 1;
		return NSF_TLS_CONTINUE;
	}
	return NSF_TLS_STOP;
}

/*
 * Consumes the first bytes of `avail` (> 0) stream bytes, of which `win`
 * holds the first win_len (>= 1). Sets *used to how many it consumed: one or
 * two bytes of a field, or a whole span it skips without reading. At most
 * win[0] and win[1] are read, so each step is straight-line code (the
 * verifier checks it once).
 */
NSF_TLS_INLINE int nsf_tls_step(struct nsf_tls_parser *p, const __u8 *win, __u32 win_len,
				__u32 avail, __u32 *used)
{
	__u8 b = win[0];
	__u32 take = 1;

	(void)win_len;
	*used = 0;
	if (p->rec_left == 0) {
		p->rec_hdr[p->rec_have & 7] = b;
		p->rec_have++;
		*used = 1;
		if (p->rec_have < 5)
			return NSF_TLS_CONTINUE;
		return nsf_tls_record(p);
	}
	if (p->rec_skipping) {
		take = nsf_tls_min(avail, p->rec_left);
		p->rec_left -= (__u16)take;
		p->rec_skipping = p->rec_left != 0;
		*used = take;
		return NSF_TLS_CONTINUE;
	}
	if (p->skip > 0) {
		take = nsf_tls_min(p->skip, nsf_tls_min(avail, p->rec_left));
		p->skip -= take;
	} else if (p->phase == NSF_TLS_SNI_NAME) {
		if (p->sni_len < NSFENCE_SNI_LEN - 1) {
			p->sni[p->sni_len & (NSFENCE_SNI_LEN - 1)] = (char)b;
			p->sni_len++;
		}
		p->name_left--;
		p->body_left--;
		if (p->name_left == 0)
			nsf_tls_extension_rest(p);
	} else {
		if ((p->flags & NSF_TLS_IN_MESSAGE) && p->hs_left == 0)
			return NSF_TLS_MALFORMED;
		p->acc[p->acc_have & (NSF_TLS_WINDOW - 1)] = b;
		p->acc_have++;
		/* The field's next byte too, when the caller handed it over: half the steps. */
		if (win_len >= 2 && avail >= 2 && p->rec_left >= 2 &&
		    p->acc_have < nsf_tls_field_len(p->phase) &&
		    (!(p->flags & NSF_TLS_IN_MESSAGE) || p->hs_left >= 2)) {
			p->acc[p->acc_have & (NSF_TLS_WINDOW - 1)] = win[1];
			p->acc_have++;
			take = 2;
		}
	}
	*used = take;
	p->rec_left -= (__u16)take;
	if (p->flags & NSF_TLS_IN_MESSAGE)
		p->hs_left -= take;
	if (p->skip == 0 && p->acc_have > 0 && p->acc_have == nsf_tls_field_len(p->phase)) {
		int r;

		p->acc_have = 0;
		r = nsf_tls_field(p);
		if (r != NSF_TLS_CONTINUE)
			return r;
	}
	if ((p->flags & NSF_TLS_IN_MESSAGE) && p->hs_left == 0 && p->skip == 0 && p->acc_have == 0)
		return nsf_tls_message_end(p);
	return NSF_TLS_CONTINUE;
}

enum nsf_tls_start {
	NSF_TLS_START_OTHER = 0,     /* not TLS */
	NSF_TLS_START_HELLO = 1,     /* a handshake record that begins a hello */
	NSF_TLS_START_SSLV2 = 2,     /* an SSL 2.0-compatible ClientHello (RFC 5246 E.2) */
	NSF_TLS_START_RECORD = 3,    /* another TLS record: application data, alert */
};

/*
 * What the first `len` bytes of a segment or write begin, when it is not
 * known to be the start of the stream. *version: the SSLv2 hello's
 * client_version, or the record's version.
 */
NSF_TLS_INLINE int nsf_tls_classify_start(const __u8 *b, __u32 len, __u16 *version)
{
	__u32 rec_len;

	*version = 0;
	if (len < 5)
		return NSF_TLS_START_OTHER;
	if ((b[0] & 0x80) && b[2] == NSF_TLS_CLIENT_HELLO && b[3] <= 3) {
		rec_len = (__u32)(b[0] & 0x7f) << 8 | b[1];
		if (rec_len < 9)
			return NSF_TLS_START_OTHER;
		*version = (__u16)((__u16)b[3] << 8 | b[4]);
		return NSF_TLS_START_SSLV2;
	}
	rec_len = (__u32)b[3] << 8 | b[4];
	if (b[1] != 3 || b[2] > 4 || rec_len == 0 || rec_len > NSF_TLS_MAX_RECORD)
		return NSF_TLS_START_OTHER;
	*version = (__u16)(0x0300 | b[2]);
	if (b[0] == NSF_TLS_CONTENT_HANDSHAKE)
		return len >= 6 && (b[5] == NSF_TLS_CLIENT_HELLO || b[5] == NSF_TLS_SERVER_HELLO)
			       ? NSF_TLS_START_HELLO : NSF_TLS_START_OTHER;
	if (b[0] == NSF_TLS_CONTENT_APPLICATION || b[0] == NSF_TLS_CONTENT_ALERT)
		return NSF_TLS_START_RECORD;
	return NSF_TLS_START_OTHER;
}

#endif /* NSFENCE_TLS_PARSER_H */
