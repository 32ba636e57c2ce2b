/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * UDP has no connection to admit once, so a flow is a socket and a peer that
 * exchanged an allowed datagram, in either direction, within
 * udp_reply_window_ns: a client's query that egress allowed lets the answer
 * in, a datagram ingress admitted lets the server answer, and datagrams of a
 * flow in progress pass without a new decision. The LRU map bounds the
 * number of flows.
 */
#ifndef NSFENCE_LIB_UDP_PEERS_H_
#define NSFENCE_LIB_UDP_PEERS_H_

#include "maps.h"
#include "flow.h"

const volatile __u64 udp_reply_window_ns = 120ULL * 1000000000ULL;

static __always_inline void udp_peer_key(const struct flow *f, __u64 cookie,
					 struct nsfence_udp_peer_key *key)
{
	key->socket_cookie = cookie;
	__builtin_memcpy(key->peer_addr, f->peer_addr, 16);
	key->peer_port = f->peer_port;
	key->family = f->family;
}

static __always_inline void note_udp_exchange(const struct flow *f, __u64 cookie)
{
	struct nsfence_udp_peer_key key = {};
	__u64 now = bpf_ktime_get_boot_ns();

	udp_peer_key(f, cookie, &key);
	bpf_map_update_elem(&nsf_udp_peers, &key, &now, BPF_ANY);
}

/*
 * True, and the entry refreshed, when the socket exchanged an allowed
 * datagram with this peer within the window: the flow is in progress and was
 * decided at its first datagram, as a TCP connection is at its handshake.
 */
static __always_inline bool udp_flow_in_progress(const struct flow *f, __u64 cookie)
{
	struct nsfence_udp_peer_key key = {};
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 *last;

	udp_peer_key(f, cookie, &key);
	last = bpf_map_lookup_elem(&nsf_udp_peers, &key);
	if (!last || now - *last >= udp_reply_window_ns)
		return false;
	*last = now;
	return true;
}

#endif /* NSFENCE_LIB_UDP_PEERS_H_ */
