/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Header parsing for cgroup_skb programs, where data starts at the IP header.
 * The family comes from skb->protocol, never from the socket: a dual-stack
 * socket receives IPv4 packets. IPv6 extension headers are walked up to a
 * fixed bound.
 */
#ifndef NSFENCE_LIB_PACKET_H
#define NSFENCE_LIB_PACKET_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "flow.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define NSFENCE_MAX_IPV6_EXT_HEADERS 8

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

enum parse_result {
	PARSE_OK = 0,
	PARSE_OTHER_PROTOCOL = 1, /* not TCP/UDP over IPv4/IPv6: not ours to judge */
	PARSE_FAILED = 2,
};

struct parsed_packet {
	struct flow flow;
	__u8 tcp_flags;
};

/* Skips IPv6 extension headers; returns the transport protocol or -1. */
static __always_inline int skip_ipv6_ext(struct __sk_buff *skb, __u8 next, __u32 *off)
{
	for (int i = 0; i < NSFENCE_MAX_IPV6_EXT_HEADERS; i++) {
		__u8 hdr[2];

		switch (next) {
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if (bpf_skb_load_bytes(skb, *off, hdr, 2))
				return -1;
			next = hdr[0];
			*off += ((__u32)hdr[1] + 1) * 8;
			break;
		case 51: /* authentication header */
			if (bpf_skb_load_bytes(skb, *off, hdr, 2))
				return -1;
			next = hdr[0];
			*off += ((__u32)hdr[1] + 2) * 4;
			break;
		case 44: { /* fragment: only the first fragment carries ports */
			__u8 frag[4];

			if (bpf_skb_load_bytes(skb, *off, frag, 4))
				return -1;
			if (((frag[2] << 8 | frag[3]) & 0xfff8) != 0)
				return -1;
			next = frag[0];
			*off += 8;
			break;
		}
		default:
			return next;
		}
	}
	return -1;
}

static __always_inline int parse_ip(struct __sk_buff *skb, struct flow *f, __u32 *off)
{
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return -1;
		if (bpf_ntohs(ip.frag_off) & 0x1fff)
			return -1;
		f->family = NSFENCE_FAMILY_V4;
		set_addr4(f->peer_addr, ip.saddr);
		set_addr4(f->local_addr, ip.daddr);
		*off = ip.ihl * 4;
		return ip.protocol;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return -1;
		f->family = NSFENCE_FAMILY_V6;
		__builtin_memcpy(f->peer_addr, &ip6.saddr, 16);
		__builtin_memcpy(f->local_addr, &ip6.daddr, 16);
		*off = sizeof(ip6);
		return skip_ipv6_ext(skb, ip6.nexthdr, off);
	}
	return -2;
}

/* Parses an ingress packet: the peer is the source, the pod the destination. */
static __always_inline enum parse_result parse_ingress(struct __sk_buff *skb,
							struct parsed_packet *p)
{
	__u32 off = 0;
	__u8 l4[14];
	int proto = parse_ip(skb, &p->flow, &off);

	if (proto == -2)
		return PARSE_OTHER_PROTOCOL;
	if (proto < 0)
		return PARSE_FAILED;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return PARSE_OTHER_PROTOCOL;
	if (bpf_skb_load_bytes(skb, off, l4, proto == IPPROTO_TCP ? 14 : 4))
		return PARSE_FAILED;
	p->flow.protocol = proto;
	p->flow.direction = NSFENCE_DIR_INGRESS;
	p->flow.peer_port = (__u16)l4[0] << 8 | l4[1];
	p->flow.local_port = (__u16)l4[2] << 8 | l4[3];
	p->tcp_flags = proto == IPPROTO_TCP ? l4[13] : 0;
	return PARSE_OK;
}

#endif /* NSFENCE_LIB_PACKET_H */
