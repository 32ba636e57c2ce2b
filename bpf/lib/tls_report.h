/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TLS violations: one event per connection, and for a blocked one an entry
 * in nsf_tls_blocked that asks the agent to end the connection.
 */
#ifndef NSFENCE_LIB_TLS_REPORT_H
#define NSFENCE_LIB_TLS_REPORT_H

#include "maps.h"
#include "segment.h"
#include "tls_maps.h"
#include "verdict.h"

struct tls_violation {
	__u8 reason;    /* enum nsfence_tls_reason */
	__u8 floor;     /* enum nsfence_tls_version_code crossed */
	__u8 role;      /* NSFENCE_DIR_EGRESS: the pod is the TLS client */
	bool enforce;   /* blocked, else audited */
	__u32 policy;
};

static __always_inline void tls_remember_blocked(struct __sk_buff *skb, const struct tls_socket *st,
						 const struct tcp_segment *s, __u64 cookie)
{
	struct nsfence_tls_blocked b = {};

	b.cgroup_id = st->cgroup_id;
	b.netns_cookie = bpf_get_netns_cookie(skb);
	b.family = s->flow.family;
	__builtin_memcpy(b.local_addr, s->flow.local_addr, 16);
	__builtin_memcpy(b.peer_addr, s->flow.peer_addr, 16);
	b.local_port = s->flow.local_port;
	b.peer_port = s->flow.peer_port;
	bpf_map_update_elem(&nsf_tls_blocked, &cookie, &b, BPF_ANY);
}

/* A global function: its stack is not added to the inspecting program's. */
__noinline int tls_report(struct __sk_buff *skb, struct tls_socket *st,
			  const struct tcp_segment *s, const struct tls_violation *v)
{
	struct nsfence_tls_event *e;
	struct verdict peer = {};
	__u64 cookie;

	if (!st || !s || !v)
		return 0;
	cookie = bpf_get_socket_cookie(skb);

	count(v->enforce ? NSFENCE_CNT_TLS_BLOCKED : NSFENCE_CNT_TLS_AUDITED);
	if (v->enforce) {
		st->phase = TLS_SOCK_BLOCKED;
		tls_remember_blocked(skb, st, s, cookie);
	}
	if (st->reported)
		return 0;
	st->reported = 1;
	lookup_peer(&s->flow, &peer);
	e = reserve_event(sizeof(*e), NSFENCE_EVENT_TLS, bpf_ktime_get_boot_ns());
	if (!e)
		return 0;
	e->net.cgroup_id = st->cgroup_id;
	e->net.socket_cookie = cookie;
	e->net.identity = st->identity;
	e->net.peer_identity = peer.peer_identity;
	e->net.peer_kind = peer.peer_kind;
	e->net.policy = v->policy;
	e->net.action = v->enforce ? NSFENCE_ACTION_BLOCKED : NSFENCE_ACTION_AUDITED;
	e->net.direction = v->role;
	e->net.protocol = IPPROTO_TCP;
	e->net.family = s->flow.family;
	__builtin_memcpy(e->net.local_addr, s->flow.local_addr, 16);
	__builtin_memcpy(e->net.peer_addr, s->flow.peer_addr, 16);
	e->net.local_port = s->flow.local_port;
	e->net.peer_port = s->flow.peer_port;
	e->offered_max_version = st->offered;
	e->negotiated_version = st->negotiated;
	e->reason = v->reason;
	e->floor = v->floor;
	__builtin_memcpy(e->sni, st->sni, NSFENCE_SNI_LEN);
	submit_event(e);
	return 1;
}

#endif /* NSFENCE_LIB_TLS_REPORT_H */
