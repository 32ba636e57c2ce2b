// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Quarantine's packet half: every packet a quarantined pod sends or receives
 * is dropped, whatever the protocol, the peer (its own namespace included)
 * and however old the connection. New connect() and sendmsg() calls are
 * refused, with an event, by network.bpf.c; here drops are only counted, so a
 * flood from a quarantined pod cannot flood the ring buffer.
 *
 * The agent attaches these programs only while some pod is quarantined, and
 * they look the pod up only while nsf_quarantine_state says so: traffic of a
 * node with no quarantine pays nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "nsfence/abi.h"
#include "lib/maps.h"
#include "lib/endpoint.h"
#include "lib/quarantine.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SKB_PASS 1
#define SKB_DROP 0

/* The loopback device has this index in every network namespace. */
#define LOOPBACK_IFINDEX 1

static __always_inline int judge_packet(struct __sk_buff *skb)
{
	struct local_endpoint ep = {};

	if (!quarantine_in_force() || skb->ifindex == LOOPBACK_IFINDEX)
		return SKB_PASS;
	if (!find_endpoint(skb, &ep) || !is_quarantined(&ep))
		return SKB_PASS;
	count(NSFENCE_CNT_QUARANTINE_DROPPED);
	return SKB_DROP;
}

SEC("cgroup_skb/ingress")
int nsf_quarantine_ingress(struct __sk_buff *skb)
{
	return judge_packet(skb);
}

SEC("cgroup_skb/egress")
int nsf_quarantine_egress(struct __sk_buff *skb)
{
	return judge_packet(skb);
}
