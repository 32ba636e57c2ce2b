/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which pod a socket belongs to. A pod is its pod-level cgroup; containers
 * live in descendant cgroups, so we look up the ancestors of the socket's
 * cgroup from just below --cgroup-root downwards and take the first hit. The
 * walk is bounded by NSFENCE_MAX_POD_DEPTH, never by the number of pods.
 */
#ifndef NSFENCE_LIB_ENDPOINT_H
#define NSFENCE_LIB_ENDPOINT_H

#include "maps.h"

/* Level of --cgroup-root in the cgroup v2 hierarchy (the root is level 0). */
const volatile __u32 cgroup_root_level = 0;

struct local_endpoint {
	__u64 cgroup_id;
	__u32 identity;
	__u32 flags;             /* NSFENCE_ENDPOINT_* */
	__u32 quarantine_policy;
};

/*
 * skb != NULL: cgroup of the skb's socket (cgroup_skb programs).
 * skb == NULL: cgroup of the current task (sock_addr programs, where the
 * caller is the task that owns the socket).
 */
static __always_inline __u64 ancestor_cgroup(struct __sk_buff *skb, int level)
{
	if (skb)
		return bpf_skb_ancestor_cgroup_id(skb, level);
	return bpf_get_current_ancestor_cgroup_id(level);
}

static __always_inline bool find_endpoint(struct __sk_buff *skb,
					  struct local_endpoint *out)
{
	for (int depth = 1; depth <= NSFENCE_MAX_POD_DEPTH; depth++) {
		__u64 id = ancestor_cgroup(skb, cgroup_root_level + depth);
		struct nsfence_endpoint *ep;

		if (!id)
			return false; /* deeper than the socket's own cgroup */
		ep = bpf_map_lookup_elem(&nsf_endpoints, &id);
		if (ep) {
			out->cgroup_id = id;
			out->identity = ep->identity;
			out->flags = ep->flags;
			out->quarantine_policy = ep->quarantine_policy;
			return true;
		}
	}
	return false;
}

#endif /* NSFENCE_LIB_ENDPOINT_H */
