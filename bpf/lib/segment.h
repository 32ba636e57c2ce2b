/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A TCP segment as the TLS programs need it: flow, sequence number, payload. */
#ifndef NSFENCE_LIB_SEGMENT_H
#define NSFENCE_LIB_SEGMENT_H

#include "packet.h"

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_RST 0x04

struct tcp_segment {
	struct flow flow;   /* seen from the pod */
	__u32 seq;          /* of the first payload byte (a SYN takes one before it) */
	__u32 payload_off;  /* from the start of the skb (the IP header) */
	__u32 payload_len;
	__u8 flags;
};

static __always_inline void swap_sides(struct flow *f)
{
	__u8 addr[16];
	__u16 port = f->local_port;

	__builtin_memcpy(addr, f->local_addr, 16);
	__builtin_memcpy(f->local_addr, f->peer_addr, 16);
	__builtin_memcpy(f->peer_addr, addr, 16);
	f->local_port = f->peer_port;
	f->peer_port = port;
}

/* False for anything but a readable TCP segment. */
static __always_inline bool parse_tcp_segment(struct __sk_buff *skb, bool egress,
					      struct tcp_segment *s)
{
	__u32 off = 0;
	__u8 tcp[14];
	__u32 doff;

	if (parse_ip(skb, &s->flow, &off) != IPPROTO_TCP)
		return false;
	if (bpf_skb_load_bytes(skb, off, tcp, sizeof(tcp)))
		return false;
	s->flow.protocol = IPPROTO_TCP;
	s->flow.peer_port = (__u16)tcp[0] << 8 | tcp[1];
	s->flow.local_port = (__u16)tcp[2] << 8 | tcp[3];
	s->seq = (__u32)tcp[4] << 24 | (__u32)tcp[5] << 16 | (__u32)tcp[6] << 8 | tcp[7];
	s->flags = tcp[13];
	if (s->flags & TCP_FLAG_SYN)
		s->seq += 1;
	doff = (tcp[12] >> 4) * 4;
	if (doff < 20)
		return false;
	s->payload_off = off + doff;
	s->payload_len = skb->len > s->payload_off ? skb->len - s->payload_off : 0;
	s->flow.direction = egress ? NSFENCE_DIR_EGRESS : NSFENCE_DIR_INGRESS;
	if (egress)
		swap_sides(&s->flow);
	return true;
}

/* Sequence comparisons modulo 2^32. */
static __always_inline bool seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

#endif /* NSFENCE_LIB_SEGMENT_H */
