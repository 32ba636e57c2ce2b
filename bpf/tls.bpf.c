// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TLS floor: no handshake below a namespace's minimum version, in either
 * direction, on any port.
 *
 * cgroup_skb programs see every TCP segment of a governed pod's sockets,
 * both ways, whatever the port, the family (dual-stack sockets send IPv4)
 * or when the connection was opened. Each direction of a connection is fed
 * in sequence order to the shared streaming hello parser
 * (nsfence/tls_parser.h), so hellos split over writes, segments or records
 * are judged whole; nothing is buffered. The ClientHello is judged on the
 * highest version it offers, the ServerHello on the one it selects.
 *
 * A hello below the floor: the segment that completes it is dropped, then
 * every segment of the connection, and the agent ends the connection
 * (nsf_tls_blocked). Once a handshake is decided the connection passes on
 * one socket-storage check per packet and is never parsed again.
 *
 * Plaintext connections stay watched at segment starts, so a hello that
 * follows a STARTTLS exchange is judged too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "nsfence/abi.h"
#include "nsfence/tls_parser.h"
#include "lib/maps.h"
#include "lib/endpoint.h"
#include "lib/segment.h"
#include "lib/verdict.h"
#include "lib/tls_maps.h"
#include "lib/tls_feed.h"
#include "lib/tls_report.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SKB_PASS 1
#define SKB_DROP 0
#define EGRESS 0
#define INGRESS 1

/* What handling a hello asks of the segment that carried it. */
enum hello_outcome {
	HELLO_PASS = 0,
	HELLO_DROP = 1,
	HELLO_MORE = 2, /* keep feeding the rest of the segment */
};

static __always_inline bool has_floor(const struct nsfence_identity *cfg)
{
	return cfg->tls.egress_enforce || cfg->tls.egress_audit || cfg->tls.ingress_enforce ||
	       cfg->tls.ingress_audit;
}

static __always_inline bool enforcing(const struct nsfence_identity *cfg, const struct tls_socket *st)
{
	return cfg->tls.egress_enforce || cfg->tls.ingress_enforce || st->require == TLS_REQUIRE_ENFORCE;
}

/* True when `version` is below a floor for the pod in this role; fills v. */
static __always_inline bool below_floor(const struct nsfence_identity *cfg, bool pod_is_client,
					__u16 version, struct tls_violation *v)
{
	__u8 code = nsf_tls_version_code(version);
	__u8 enforce = pod_is_client ? cfg->tls.egress_enforce : cfg->tls.ingress_enforce;
	__u8 audit = pod_is_client ? cfg->tls.egress_audit : cfg->tls.ingress_audit;

	v->role = pod_is_client ? NSFENCE_DIR_EGRESS : NSFENCE_DIR_INGRESS;
	if (enforce && code < enforce) {
		v->enforce = true;
		v->floor = enforce;
		v->policy = cfg->tls_policy;
		return true;
	}
	if (audit && code < audit) {
		v->enforce = false;
		v->floor = audit;
		v->policy = cfg->tls_audit_policy;
		return true;
	}
	return false;
}

/*
 * The pod's TLS settings for this socket, or NULL. The pod is looked up again
 * when the agent changed policy since (a relabelled namespace changes identity).
 */
static __always_inline const struct nsfence_identity *tls_config(struct __sk_buff *skb,
								  struct tls_socket *st, __u32 gen)
{
	const struct nsfence_identity *cfg;

	if (st->phase == TLS_SOCK_NEW || st->generation != gen) {
		struct local_endpoint ep = {};

		st->generation = gen;
		st->identity = 0;
		if (find_endpoint(skb, &ep)) {
			st->identity = ep.identity;
			st->cgroup_id = ep.cgroup_id;
		}
	}
	if (!st->identity)
		return NULL;
	cfg = bpf_map_lookup_elem(&nsf_identities, &st->identity);
	return cfg && has_floor(cfg) ? cfg : NULL;
}

/*
 * requireTLS rule for a connection the pod opens: enforce first, then audit.
 * A global function, so its keys do not add to the caller's stack.
 */
__noinline int required_tls(const struct tcp_segment *s, const struct nsfence_identity *cfg,
			    __u32 *policy)
{
	struct verdict peer = {};
	struct nsfence_rule *r;

	if (!s || !cfg || !policy)
		return TLS_REQUIRE_NONE;

	lookup_peer(&s->flow, &peer);
	r = rule_match(&s->flow, cfg->ruleset, peer.peer_identity, NSFENCE_DIR_REQUIRE_TLS);
	if (!r)
		r = rule_match(&s->flow, cfg->ruleset, NSFENCE_ID_ANY, NSFENCE_DIR_REQUIRE_TLS);
	if (r) {
		*policy = r->policy;
		return TLS_REQUIRE_ENFORCE;
	}
	r = rule_match(&s->flow, cfg->ruleset, peer.peer_identity, NSFENCE_DIR_REQUIRE_TLS_AUDIT);
	if (!r)
		r = rule_match(&s->flow, cfg->ruleset, NSFENCE_ID_ANY, NSFENCE_DIR_REQUIRE_TLS_AUDIT);
	if (r) {
		*policy = r->policy;
		return TLS_REQUIRE_AUDIT;
	}
	return TLS_REQUIRE_NONE;
}

static __always_inline void start_stream(struct tls_stream *ts, __u32 seq)
{
	ts->state = TLS_STREAM_PARSING;
	ts->at_start = 1;
	ts->next_seq = seq;
	nsf_tls_parser_init(&ts->parser);
}

/* A SYN (egress) or SYN-ACK (ingress) of this socket: the stream starts after it. */
static __always_inline void on_syn(struct tls_socket *st, struct tls_stream *ts,
				   const struct tcp_segment *s, bool egress,
				   const struct nsfence_identity *cfg)
{
	start_stream(ts, s->seq);
	if (egress && !(s->flags & TCP_FLAG_ACK))
		st->require = required_tls(s, cfg, &st->require_policy);
}

/* No SYN seen for this direction: does this segment carry the stream's first byte? */
static __always_inline bool first_bytes_of_stream(struct bpf_sock *sk, const struct tcp_segment *s,
						  bool egress)
{
	struct bpf_tcp_sock *tp = bpf_tcp_sock(sk);

	if (!tp)
		return false;
	if (egress)
		return tp->bytes_acked == 0 && s->seq == tp->snd_una;
	return tp->bytes_received == 0 && s->seq == tp->rcv_nxt;
}

static __always_inline int violation(struct __sk_buff *skb, struct tls_socket *st,
				     const struct tcp_segment *s, struct tls_violation *v)
{
	tls_report(skb, st, s, v);
	return v->enforce ? SKB_DROP : SKB_PASS;
}

/* The other direction now has a hello to look for. */
static __always_inline void expect_answer(struct tls_stream *other)
{
	if (other->state == TLS_STREAM_UNKNOWN)
		other->state = TLS_STREAM_SCAN;
}

static __always_inline int on_client_hello_version(struct __sk_buff *skb, struct tls_socket *st,
						   const struct tcp_segment *s, bool egress,
						   const struct nsfence_identity *cfg, __u16 version)
{
	struct tls_violation v = { .reason = NSFENCE_TLS_CLIENT_OFFERS_BELOW_FLOOR };

	st->offered = version;
	/* The pod is the client when its ClientHello leaves it. */
	if (below_floor(cfg, egress, version, &v) && violation(skb, st, s, &v) == SKB_DROP)
		return HELLO_DROP;
	return HELLO_PASS;
}

static __always_inline int on_hello(struct __sk_buff *skb, struct tls_socket *st,
				    struct tls_stream *ts, struct tls_stream *other,
				    const struct tcp_segment *s, bool egress,
				    const struct nsfence_identity *cfg)
{
	struct nsf_tls_parser *p = &ts->parser;
	__u16 version = nsf_tls_hello_version(p);
	struct tls_violation v = { .reason = NSFENCE_TLS_SERVER_SELECTED_BELOW_FLOOR };

	count(NSFENCE_CNT_TLS_HELLOS);
	ts->hellos++;
	if (p->hs_type == NSF_TLS_CLIENT_HELLO) {
		if (p->sni_len)
			__builtin_memcpy(st->sni, p->sni, NSFENCE_SNI_LEN);
		ts->state = TLS_STREAM_PAUSED;
		expect_answer(other);
		return on_client_hello_version(skb, st, s, egress, cfg, version);
	}
	if (p->flags & NSF_TLS_RETRY_REQUEST) {
		/* A second ClientHello, then the real ServerHello, follow. */
		nsf_tls_next_message(p);
		if (other->state == TLS_STREAM_PAUSED) {
			nsf_tls_next_message(&other->parser);
			other->state = TLS_STREAM_PARSING;
		}
		expect_answer(other);
		return HELLO_MORE;
	}
	st->negotiated = version;
	/* The pod is the client when the ServerHello comes in. */
	if (below_floor(cfg, !egress, version, &v) && violation(skb, st, s, &v) == SKB_DROP)
		return HELLO_DROP;
	st->phase = TLS_SOCK_DONE;
	return HELLO_PASS;
}

/* The stream's first bytes are not a hello: plaintext, watched from now on. */
static __always_inline int not_a_hello(struct __sk_buff *skb, struct tls_socket *st,
				       struct tls_stream *ts, const struct tcp_segment *s, bool egress)
{
	bool first = ts->at_start && ts->hellos == 0;

	ts->state = TLS_STREAM_SCAN;
	ts->at_start = 0;
	if (egress && first && st->require != TLS_REQUIRE_NONE) {
		struct tls_violation v = {
			.reason = NSFENCE_TLS_PLAINTEXT_ON_REQUIRE_TLS,
			.role = NSFENCE_DIR_EGRESS,
			.enforce = st->require == TLS_REQUIRE_ENFORCE,
			.policy = st->require_policy,
		};

		return violation(skb, st, s, &v);
	}
	return SKB_PASS;
}

/* Bytes of this segment the stream has not fed yet start at *skip; false if none. */
static __always_inline bool unfed_bytes(const struct tls_stream *ts, const struct tcp_segment *s,
					__u32 *skip)
{
	*skip = 0;
	if (seq_before(s->seq, ts->next_seq)) {
		*skip = ts->next_seq - s->seq;
		return *skip < s->payload_len;
	}
	return true;
}

/* An SSL 2.0-compatible ClientHello: judged on the version it names. */
static __always_inline int on_sslv2_hello(struct __sk_buff *skb, struct tls_socket *st,
					  struct tls_stream *ts, struct tls_stream *other,
					  const struct tcp_segment *s, bool egress,
					  const struct nsfence_identity *cfg, __u16 version)
{
	count(NSFENCE_CNT_TLS_HELLOS);
	ts->state = TLS_STREAM_PAUSED;
	ts->hellos++;
	expect_answer(other);
	return on_client_hello_version(skb, st, s, egress, cfg, version) == HELLO_DROP ? SKB_DROP
										       : SKB_PASS;
}

static __always_inline int classify_segment(struct __sk_buff *skb, const struct tcp_segment *s,
					    __u8 *first, __u16 *version)
{
	__u32 n = s->payload_len < 6 ? s->payload_len : 6;

	if (n == 0)
		return NSF_TLS_START_OTHER;
	n = ((n - 1) & 7) + 1; /* 1..8, in a form the verifier can bound */
	if (bpf_skb_load_bytes(skb, s->payload_off, first, n))
		return NSF_TLS_START_OTHER;
	return nsf_tls_classify_start(first, n, version);
}

static __always_inline int parse_segment(struct __sk_buff *skb, struct tls_socket *st,
					 struct tls_stream *ts, struct tls_stream *other,
					 const struct tcp_segment *s, bool egress,
					 const struct nsfence_identity *cfg)
{
	__u32 skip, off, end, consumed;

	if (seq_before(ts->next_seq, s->seq)) {
		/* Ahead of the bytes fed so far: the sender resends in order. */
		count(NSFENCE_CNT_TLS_REORDERED);
		if (enforcing(cfg, st))
			return SKB_DROP;
		ts->state = TLS_STREAM_SCAN;
		return SKB_PASS;
	}
	if (!unfed_bytes(ts, s, &skip))
		return SKB_PASS; /* a retransmission of bytes already judged */
	if (ts->at_start && ts->hellos == 0 && skip == 0) {
		__u8 first[8] = {};
		__u16 version;

		if (classify_segment(skb, s, first, &version) == NSF_TLS_START_SSLV2)
			return on_sslv2_hello(skb, st, ts, other, s, egress, cfg, version);
	}
	off = s->payload_off + skip;
	end = s->payload_off + s->payload_len;
	/* A HelloRetryRequest and the records after it may share a segment. */
	for (int round = 0; round < 2; round++) {
		int r = tls_feed_skb(skb, &ts->parser, off, end, &consumed);

		ts->next_seq += consumed;
		off += consumed;
		if (r == NSF_TLS_CONTINUE)
			return SKB_PASS;
		if (r == NSF_TLS_HELLO) {
			int outcome = on_hello(skb, st, ts, other, s, egress, cfg);

			if (outcome == HELLO_DROP)
				return SKB_DROP;
			if (outcome == HELLO_PASS || off >= end)
				return SKB_PASS;
			continue;
		}
		if (r == NSF_TLS_MALFORMED)
			count(NSFENCE_CNT_TLS_UNPARSED);
		return not_a_hello(skb, st, ts, s, egress);
	}
	return SKB_PASS;
}

/* A segment of a stream not known from its start: only its first bytes are looked at. */
static __always_inline int scan_segment(struct __sk_buff *skb, struct tls_socket *st,
					struct tls_stream *ts, struct tls_stream *other,
					const struct tcp_segment *s, bool egress,
					const struct nsfence_identity *cfg)
{
	__u8 first[8] = {};
	__u16 version = 0;
	struct tls_violation v = { .reason = NSFENCE_TLS_SESSION_BELOW_FLOOR };

	switch (classify_segment(skb, s, first, &version)) {
	case NSF_TLS_START_HELLO:
		ts->state = TLS_STREAM_PARSING;
		ts->at_start = 0;
		ts->next_seq = s->seq;
		nsf_tls_parser_init(&ts->parser);
		return parse_segment(skb, st, ts, other, s, egress, cfg);
	case NSF_TLS_START_SSLV2:
		return on_sslv2_hello(skb, st, ts, other, s, egress, cfg, version);
	case NSF_TLS_START_RECORD:
		if (first[0] != NSF_TLS_CONTENT_APPLICATION)
			return SKB_PASS;
		/* A session whose handshake happened before we looked. */
		st->negotiated = version;
		if ((below_floor(cfg, true, version, &v) || below_floor(cfg, false, version, &v)) &&
		    violation(skb, st, s, &v) == SKB_DROP)
			return SKB_DROP;
		if (version >= 0x0303)
			st->phase = TLS_SOCK_DONE;
		return SKB_PASS;
	default:
		return SKB_PASS;
	}
}

static __always_inline int inspect_payload(struct __sk_buff *skb, struct bpf_sock *sk,
					   struct tls_socket *st, struct tls_stream *ts,
					   struct tls_stream *other, const struct tcp_segment *s,
					   bool egress, const struct nsfence_identity *cfg)
{
	if (ts->state == TLS_STREAM_UNKNOWN) {
		if (first_bytes_of_stream(sk, s, egress))
			start_stream(ts, s->seq);
		else
			ts->state = TLS_STREAM_SCAN;
	}
	switch (ts->state) {
	case TLS_STREAM_PARSING:
		return parse_segment(skb, st, ts, other, s, egress, cfg);
	case TLS_STREAM_SCAN:
		return scan_segment(skb, st, ts, other, s, egress, cfg);
	default:
		/*
		 * Paused after a ClientHello, and this side sends more: the answer
		 * went by unparsed (it did not start a segment). Both directions fall
		 * back to watching segment starts, where the session's records show
		 * its version.
		 */
		if (!seq_before(s->seq, ts->next_seq)) {
			count(NSFENCE_CNT_TLS_UNPARSED);
			ts->state = TLS_STREAM_SCAN;
			other->state = TLS_STREAM_SCAN;
			return scan_segment(skb, st, ts, other, s, egress, cfg);
		}
		return SKB_PASS;
	}
}

/* The agent's reset of a blocked connection must get out. */
static __always_inline bool is_reset(struct __sk_buff *skb, bool egress)
{
	struct tcp_segment s = {};

	return parse_tcp_segment(skb, egress, &s) && (s.flags & TCP_FLAG_RST);
}

static __always_inline int inspect(struct __sk_buff *skb, bool egress)
{
	struct bpf_sock *sk = skb->sk;
	const struct nsfence_tls_generation *published;
	const struct nsfence_identity *cfg;
	struct tcp_segment s = {};
	struct tls_socket *st;
	__u32 gen;

	if (!sk)
		return SKB_PASS;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->protocol != IPPROTO_TCP || sk->state == BPF_TCP_LISTEN)
		return SKB_PASS;
	st = bpf_sk_storage_get(&nsf_tls_sockets, sk, 0, 0);
	if (st && st->phase == TLS_SOCK_DONE)
		return SKB_PASS; /* the bulk of all packets: one lookup */
	if (st && st->phase == TLS_SOCK_BLOCKED)
		return is_reset(skb, egress) ? SKB_PASS : SKB_DROP;
	published = tls_generation();
	if (!published || !published->floors_in_force)
		return SKB_PASS; /* no TLS floor anywhere: no state either */
	gen = published->generation;
	if (st && st->phase == TLS_SOCK_NO_POLICY && st->generation == gen)
		return SKB_PASS;
	if (!parse_tcp_segment(skb, egress, &s) || is_loopback(&s.flow))
		return SKB_PASS;
	/* A bare ACK carries nothing to judge: state waits for a SYN or data. */
	if (s.payload_len == 0 && !(s.flags & TCP_FLAG_SYN) && (!st || st->phase != TLS_SOCK_INSPECTING))
		return SKB_PASS;
	if (!st) {
		st = bpf_sk_storage_get(&nsf_tls_sockets, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!st)
			return SKB_PASS;
	}
	cfg = tls_config(skb, st, gen);
	if (!cfg) {
		st->phase = TLS_SOCK_NO_POLICY;
		return SKB_PASS;
	}
	st->phase = TLS_SOCK_INSPECTING;
	if (egress) {
		if (s.flags & TCP_FLAG_SYN)
			on_syn(st, &st->stream[EGRESS], &s, true, cfg);
		if (s.payload_len == 0)
			return SKB_PASS;
		return inspect_payload(skb, sk, st, &st->stream[EGRESS], &st->stream[INGRESS], &s,
				       true, cfg);
	}
	if (s.flags & TCP_FLAG_SYN)
		on_syn(st, &st->stream[INGRESS], &s, false, cfg);
	if (s.payload_len == 0)
		return SKB_PASS;
	return inspect_payload(skb, sk, st, &st->stream[INGRESS], &st->stream[EGRESS], &s, false,
			       cfg);
}

/* The verdict spelled out, so the verifier sees a return value of 0 or 1. */
SEC("cgroup_skb/egress")
int nsf_tls_egress(struct __sk_buff *skb)
{
	return inspect(skb, true) == SKB_DROP ? SKB_DROP : SKB_PASS;
}

SEC("cgroup_skb/ingress")
int nsf_tls_ingress(struct __sk_buff *skb)
{
	return inspect(skb, false) == SKB_DROP ? SKB_DROP : SKB_PASS;
}
