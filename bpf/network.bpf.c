// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-namespace network segmentation.
 *
 * Egress is decided where a socket names its peer (connect for TCP and
 * connected UDP, sendmsg for unconnected UDP), so a blocked application gets
 * EPERM at once. Ingress is decided at the receiving pod (cgroup_skb ingress)
 * for new TCP connections (SYN) and for UDP datagrams that start a flow, so
 * traffic from outside the node is covered too. Connections and UDP flows in
 * progress pass on a cheap check.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "nsfence/abi.h"
#include "lib/maps.h"
#include "lib/endpoint.h"
#include "lib/flow.h"
#include "lib/packet.h"
#include "lib/verdict.h"
#include "lib/report.h"
#include "lib/udp_peers.h"
#include "lib/quarantine.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SOCK_ALLOW 1
#define SOCK_DENY 0
#define SKB_PASS 1
#define SKB_DROP 0

/* v6: an IPv6 hook (its context has user_ip6; an IPv4 hook's has not). */
static __always_inline bool sock_addr_flow(struct bpf_sock_addr *ctx, bool v6, struct flow *f)
{
	struct bpf_sock *sk = ctx->sk;

	if (ctx->protocol != IPPROTO_TCP && ctx->protocol != IPPROTO_UDP)
		return false;
	f->protocol = ctx->protocol;
	f->direction = NSFENCE_DIR_EGRESS;
	f->peer_port = bpf_ntohs(ctx->user_port);
	if (!v6) {
		f->family = NSFENCE_FAMILY_V4;
		set_addr4(f->peer_addr, ctx->user_ip4);
		if (sk)
			set_addr4(f->local_addr, sk->src_ip4);
	} else {
		__u32 ip6[4] = { ctx->user_ip6[0], ctx->user_ip6[1],
				 ctx->user_ip6[2], ctx->user_ip6[3] };

		f->family = set_addr6_or_mapped(f->peer_addr, ip6);
		if (sk && f->family == NSFENCE_FAMILY_V6) {
			__u32 src6[4] = { sk->src_ip6[0], sk->src_ip6[1],
					  sk->src_ip6[2], sk->src_ip6[3] };
			set_addr6(f->local_addr, src6);
		}
	}
	if (sk)
		f->local_port = sk->src_port;
	return true;
}

static __always_inline int egress(struct bpf_sock_addr *ctx, bool v6, bool datagram)
{
	struct local_endpoint ep = {};
	struct flow f = {};
	struct verdict v;
	__u64 cookie = 0;
	bool udp;

	if (!sock_addr_flow(ctx, v6, &f) || is_loopback(&f))
		return SOCK_ALLOW;
	udp = datagram && f.protocol == IPPROTO_UDP;
	if (udp) {
		cookie = bpf_get_socket_cookie(ctx);
		if (udp_flow_in_progress(&f, cookie))
			return SOCK_ALLOW;
	}
	if (!find_endpoint(NULL, &ep))
		return SOCK_ALLOW;
	if (is_quarantined(&ep)) {
		if (!cookie)
			cookie = bpf_get_socket_cookie(ctx);
		v = quarantine_verdict(&f, &ep);
		report(&f, &v, &ep, cookie, datagram, true);
		return SOCK_DENY;
	}
	v = decide(&f, ep.identity);
	if (!v.judged)
		return SOCK_ALLOW;
	if (udp && v.kind != VERDICT_BLOCK)
		note_udp_exchange(&f, cookie);
	if (v.kind == VERDICT_ALLOW)
		return SOCK_ALLOW;
	if (!udp)
		cookie = bpf_get_socket_cookie(ctx);
	/* Datagram repeats fold; every refused connect() is its own attempt. */
	report(&f, &v, &ep, cookie, datagram, true);
	return v.kind == VERDICT_BLOCK ? SOCK_DENY : SOCK_ALLOW;
}

SEC("cgroup/connect4")
int nsf_connect4(struct bpf_sock_addr *ctx)
{
	return egress(ctx, false, false);
}

SEC("cgroup/connect6")
int nsf_connect6(struct bpf_sock_addr *ctx)
{
	return egress(ctx, true, false);
}

SEC("cgroup/sendmsg4")
int nsf_sendmsg4(struct bpf_sock_addr *ctx)
{
	return egress(ctx, false, true);
}

SEC("cgroup/sendmsg6")
int nsf_sendmsg6(struct bpf_sock_addr *ctx)
{
	return egress(ctx, true, true);
}

/* A datagram from the peer this UDP socket is connected to: a reply. */
static __always_inline bool from_connected_peer(struct __sk_buff *skb, const struct flow *f)
{
	struct bpf_sock *sk = skb->sk;
	__u32 dst6[4], peer[4] = {};

	if (!sk)
		return false;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->state != BPF_TCP_ESTABLISHED)
		return false;
	if (bpf_ntohs(sk->dst_port) != f->peer_port)
		return false;
	__builtin_memcpy(peer, f->peer_addr, 16);
	if (sk->family == 2 /* AF_INET */)
		return f->family == NSFENCE_FAMILY_V4 && sk->dst_ip4 == peer[0];
	/* Each field read on its own: the verifier refuses pointer arithmetic on sockets. */
	dst6[0] = sk->dst_ip6[0];
	dst6[1] = sk->dst_ip6[1];
	dst6[2] = sk->dst_ip6[2];
	dst6[3] = sk->dst_ip6[3];
	if (f->family == NSFENCE_FAMILY_V4)
		return is_v4_mapped(dst6) && dst6[3] == peer[0];
	return dst6[0] == peer[0] && dst6[1] == peer[1] && dst6[2] == peer[2] && dst6[3] == peer[3];
}

/*
 * A TCP packet for a socket past LISTEN belongs to a connection admitted at
 * its SYN (ingress) or its connect() (egress): passed without parsing, so
 * established traffic costs a socket check.
 */
static __always_inline bool for_admitted_tcp_connection(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return false;
	sk = bpf_sk_fullsock(sk);
	return sk && sk->protocol == IPPROTO_TCP && sk->state != BPF_TCP_LISTEN;
}

SEC("cgroup_skb/ingress")
int nsf_ingress(struct __sk_buff *skb)
{
	struct local_endpoint ep = {};
	struct parsed_packet p = {};
	enum parse_result parsed;
	struct verdict v;
	__u64 cookie = 0;
	bool udp;

	if (for_admitted_tcp_connection(skb))
		return SKB_PASS;
	parsed = parse_ingress(skb, &p);
	if (parsed == PARSE_OTHER_PROTOCOL)
		return SKB_PASS;
	/* At a listener only a SYN opens a connection; the handshake's ACK follows it. */
	if (parsed == PARSE_OK && p.flow.protocol == IPPROTO_TCP &&
	    (p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return SKB_PASS;
	if (parsed == PARSE_OK && is_loopback(&p.flow))
		return SKB_PASS;
	udp = parsed == PARSE_OK && p.flow.protocol == IPPROTO_UDP;
	if (udp) {
		cookie = bpf_get_socket_cookie(skb);
		if (from_connected_peer(skb, &p.flow) || udp_flow_in_progress(&p.flow, cookie))
			return SKB_PASS;
	}
	if (!find_endpoint(skb, &ep))
		return SKB_PASS;
	if (parsed == PARSE_FAILED) {
		/* A governed pod in enforce mode takes no packet we cannot read. */
		struct nsfence_identity *cfg = bpf_map_lookup_elem(&nsf_identities, &ep.identity);

		if (!cfg || (cfg->flags & NSFENCE_IDENTITY_NO_NETWORK))
			return SKB_PASS;
		count(NSFENCE_CNT_PACKET_UNPARSED);
		return cfg->mode == NSFENCE_MODE_ENFORCE ? SKB_DROP : SKB_PASS;
	}
	v = decide(&p.flow, ep.identity);
	if (!v.judged)
		return SKB_PASS;
	if (udp && v.kind != VERDICT_BLOCK)
		note_udp_exchange(&p.flow, cookie); /* so the pod may answer */
	if (v.kind == VERDICT_ALLOW)
		return SKB_PASS;
	if (!udp)
		cookie = bpf_get_socket_cookie(skb);
	report(&p.flow, &v, &ep, cookie, true, false);
	return v.kind == VERDICT_BLOCK ? SKB_DROP : SKB_PASS;
}
