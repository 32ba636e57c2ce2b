/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * UDP has no connection to admit once: a datagram answering one the socket
 * exchanged with the same peer is a reply, in either direction. A client's
 * query that egress allowed lets the answer in; a datagram ingress admitted
 * lets the server answer. Entries expire after udp_reply_window_ns; the LRU
 * map bounds their number.
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
	__u64 *last;

	udp_peer_key(f, cookie, &key);
	/* Most datagrams go to a peer already noted: refresh it in place. */
	last = bpf_map_lookup_elem(&nsf_udp_peers, &key);
	if (last)
		*last = now;
	else
		bpf_map_update_elem(&nsf_udp_peers, &key, &now, BPF_ANY);
}

static __always_inline bool udp_exchanged_recently(const struct flow *f, __u64 cookie)
{
	struct nsfence_udp_peer_key key = {};
	__u64 *last;

	udp_peer_key(f, cookie, &key);
	last = bpf_map_lookup_elem(&nsf_udp_peers, &key);
	return last && bpf_ktime_get_boot_ns() - *last < udp_reply_window_ns;
}

#endif /* NSFENCE_LIB_UDP_PEERS_H_ */
