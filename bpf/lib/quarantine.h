/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Quarantine: a pod whose endpoint carries NSFENCE_ENDPOINT_QUARANTINED
 * talks to nobody but itself. The socket hooks refuse its connect() and
 * sendmsg() with an event; bpf/quarantine.bpf.c drops its packets.
 */
#ifndef NSFENCE_LIB_QUARANTINE_H
#define NSFENCE_LIB_QUARANTINE_H

#include "maps.h"
#include "endpoint.h"
#include "verdict.h"

static __always_inline bool is_quarantined(const struct local_endpoint *ep)
{
	return ep->flags & NSFENCE_ENDPOINT_QUARANTINED;
}

/* Nonzero while some pod is quarantined: the packet programs' fast exit. */
static __always_inline bool quarantine_in_force(void)
{
	__u32 key = 0;
	struct nsfence_quarantine_state *state = bpf_map_lookup_elem(&nsf_quarantine_state, &key);

	return state && state->quarantined;
}

/* The verdict on any flow of a quarantined pod, named after the response's policy. */
static __always_inline struct verdict quarantine_verdict(const struct flow *f,
							 const struct local_endpoint *ep)
{
	struct verdict v = {};

	lookup_peer(f, &v);
	v.judged = true;
	v.kind = VERDICT_BLOCK;
	v.policy = ep->quarantine_policy;
	v.reason = NSFENCE_NET_REASON_QUARANTINED;
	return v;
}

#endif /* NSFENCE_LIB_QUARANTINE_H */
