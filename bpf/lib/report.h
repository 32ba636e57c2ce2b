/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Violations to the ring buffer. A flow (socket, peer address and port,
 * direction) is reported once; repeats within the fold window, such as SYN
 * retransmissions, are counted but not reported again. A record that cannot be
 * reserved is counted, never silently dropped.
 */
#ifndef NSFENCE_LIB_REPORT_H
#define NSFENCE_LIB_REPORT_H

#include "maps.h"
#include "flow.h"
#include "verdict.h"

const volatile __u64 report_fold_window_ns = 30ULL * 1000000000ULL;

/* True when this flow was already reported within the window. */
static __always_inline bool seen_recently(const struct flow *f, __u64 scope,
					  __u64 now)
{
	struct nsfence_flow_key key = {};
	__u64 *last;

	key.scope = scope;
	/* A socket's own address and port appear once it is bound: not part of its flow key. */
	if (f->direction == NSFENCE_DIR_INGRESS) {
		__builtin_memcpy(key.local_addr, f->local_addr, 16);
		key.local_port = f->local_port;
	}
	__builtin_memcpy(key.peer_addr, f->peer_addr, 16);
	key.peer_port = f->peer_port;
	key.family = f->family;
	key.direction = f->direction;
	key.protocol = f->protocol;
	last = bpf_map_lookup_elem(&nsf_reported_flows, &key);
	if (last && now - *last < report_fold_window_ns) {
		*last = now;
		return true;
	}
	bpf_map_update_elem(&nsf_reported_flows, &key, &now, BPF_ANY);
	return false;
}

static __always_inline void count_verdict(const struct flow *f, const struct verdict *v)
{
	bool egress = f->direction == NSFENCE_DIR_EGRESS;

	if (v->kind == VERDICT_BLOCK)
		count(egress ? NSFENCE_CNT_EGRESS_BLOCKED : NSFENCE_CNT_INGRESS_BLOCKED);
	else
		count(egress ? NSFENCE_CNT_EGRESS_AUDITED : NSFENCE_CNT_INGRESS_AUDITED);
}

/* with_task: the current task sent this (sock_addr hooks), so pid/comm are real. */
static __always_inline void report(const struct flow *f, const struct verdict *v,
				   const struct local_endpoint *ep, __u64 cookie,
				   bool fold, bool with_task)
{
	struct nsfence_network_event *e;
	__u64 now = bpf_ktime_get_boot_ns();

	count_verdict(f, v);
	if (fold && seen_recently(f, f->direction == NSFENCE_DIR_EGRESS ? cookie : ep->cgroup_id, now)) {
		count(NSFENCE_CNT_REPEATS_FOLDED);
		return;
	}
	e = reserve_event(sizeof(*e), NSFENCE_EVENT_NETWORK, now);
	if (!e)
		return;
	e->cgroup_id = ep->cgroup_id;
	e->socket_cookie = cookie;
	e->identity = ep->identity;
	e->peer_identity = v->peer_identity;
	e->peer_kind = v->peer_kind;
	e->policy = v->policy;
	e->reason = v->reason;
	e->action = v->kind == VERDICT_BLOCK ? NSFENCE_ACTION_BLOCKED : NSFENCE_ACTION_AUDITED;
	e->direction = f->direction;
	e->protocol = f->protocol;
	e->family = f->family;
	__builtin_memcpy(e->local_addr, f->local_addr, 16);
	__builtin_memcpy(e->peer_addr, f->peer_addr, 16);
	e->local_port = f->local_port;
	e->peer_port = f->peer_port;
	if (with_task) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	}
	submit_event(e);
}

#endif /* NSFENCE_LIB_REPORT_H */
