/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A connection or datagram seen from the local pod, in one family-neutral form. */
#ifndef NSFENCE_LIB_FLOW_H
#define NSFENCE_LIB_FLOW_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "nsfence/abi.h"

#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif
#ifndef IPPROTO_UDP
#define IPPROTO_UDP 17
#endif

struct flow {
	__u8 family;    /* enum nsfence_family */
	__u8 protocol;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 direction; /* enum nsfence_direction */
	__u8 pad;
	__u16 local_port; /* host order */
	__u16 peer_port;  /* host order */
	__u8 local_addr[16];
	__u8 peer_addr[16];
};

static __always_inline void set_addr4(__u8 *dst, __u32 addr_be)
{
	__builtin_memcpy(dst, &addr_be, 4);
}

static __always_inline void set_addr6(__u8 *dst, const __u32 *addr_be)
{
	__builtin_memcpy(dst, addr_be, 16);
}

/* ::ffff:a.b.c.d, what a dual-stack socket uses for an IPv4 peer. */
static __always_inline bool is_v4_mapped(const __u32 *addr_be)
{
	return addr_be[0] == 0 && addr_be[1] == 0 &&
	       addr_be[2] == bpf_htonl(0x0000ffff);
}

/* Set one side of a flow from an IPv6 address, unmapping IPv4-mapped ones. */
static __always_inline __u8 set_addr6_or_mapped(__u8 *dst, const __u32 *addr_be)
{
	if (is_v4_mapped(addr_be)) {
		set_addr4(dst, addr_be[3]);
		return NSFENCE_FAMILY_V4;
	}
	set_addr6(dst, addr_be);
	return NSFENCE_FAMILY_V6;
}

static __always_inline bool is_loopback(const struct flow *f)
{
	if (f->family == NSFENCE_FAMILY_V4)
		return f->peer_addr[0] == 127;
	for (int i = 0; i < 15; i++)
		if (f->peer_addr[i])
			return false;
	return f->peer_addr[15] == 1;
}

#endif /* NSFENCE_LIB_FLOW_H */
