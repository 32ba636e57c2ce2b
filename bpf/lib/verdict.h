/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The segmentation decision. A constant number of map lookups whatever the
 * number of namespaces, pods or rules, each in a hash or in a trie that holds
 * only prefixes and port ranges: the identity, the peer (pod address, else
 * prefix), then the rules for that peer and for any peer.
 */
#ifndef NSFENCE_LIB_VERDICT_H
#define NSFENCE_LIB_VERDICT_H

#include "maps.h"
#include "flow.h"

enum verdict_kind {
	VERDICT_ALLOW = 0,
	VERDICT_AUDIT = 1, /* would be blocked; audit mode lets it pass */
	VERDICT_BLOCK = 2,
};

struct verdict {
	/* A rule decided: the namespace is governed and the peer is another. */
	bool judged;
	__u32 kind;
	__u32 policy;
	__u32 peer_identity;
	__u32 peer_kind;
	__u32 reason; /* enum nsfence_network_reason */
};

static __always_inline void lookup_peer(const struct flow *f, struct verdict *v)
{
	struct nsfence_addr_key addr = {};
	struct nsfence_peer_key key = {};
	struct nsfence_peer *peer;

	addr.family = f->family;
	__builtin_memcpy(addr.addr, f->peer_addr, 16);
	peer = bpf_map_lookup_elem(&nsf_pod_addrs, &addr);
	if (!peer) {
		key.family = f->family;
		key.prefixlen = 8 + (f->family == NSFENCE_FAMILY_V4 ? 32 : 128);
		__builtin_memcpy(key.addr, f->peer_addr, 16);
		peer = bpf_map_lookup_elem(&nsf_peers, &key);
	}
	if (peer) {
		v->peer_identity = peer->identity;
		v->peer_kind = peer->kind;
	} else {
		v->peer_identity = NSFENCE_ID_WORLD;
		v->peer_kind = NSFENCE_PEER_WORLD;
	}
}

/*
 * The rule of `ruleset` for this peer in `direction` that matches the flow:
 * exact port, any port of the protocol, any protocol, then port ranges.
 * Ingress rules name the pod's own port, the others the peer's.
 */
static __always_inline struct nsfence_rule *rule_match(const struct flow *f, __u32 ruleset,
						       __u32 peer, __u8 direction)
{
	struct nsfence_rule_key key = {
		.prefixlen = NSFENCE_RULE_PREFIX_FULL,
		.ruleset = ruleset,
		.peer = peer,
		.direction = direction,
		.protocol = f->protocol,
	};
	__u16 port = bpf_htons(direction == NSFENCE_DIR_INGRESS ? f->local_port : f->peer_port);
	struct nsfence_rule *rule;

	key.port = port;
	rule = bpf_map_lookup_elem(&nsf_rules, &key);
	if (rule)
		return rule;
	key.prefixlen = NSFENCE_RULE_PREFIX_ANY_PORT;
	key.port = 0;
	rule = bpf_map_lookup_elem(&nsf_rules, &key);
	if (rule)
		return rule;
	key.prefixlen = NSFENCE_RULE_PREFIX_ANY_PROTOCOL;
	key.protocol = 0;
	rule = bpf_map_lookup_elem(&nsf_rules, &key);
	if (rule)
		return rule;
	key.prefixlen = NSFENCE_RULE_PREFIX_FULL;
	key.protocol = f->protocol;
	key.port = port;
	return bpf_map_lookup_elem(&nsf_rule_ranges, &key);
}

static __always_inline bool rule_allows(const struct flow *f, __u32 ruleset, __u32 peer)
{
	return rule_match(f, ruleset, peer, f->direction) != NULL;
}

/*
 * Decide a flow of a pod whose namespace has identity `identity`. Pods of
 * ungoverned namespaces, loopback and same-namespace peers are allowed.
 */
static __always_inline struct verdict decide(const struct flow *f, __u32 identity)
{
	struct verdict v = {};
	struct nsfence_identity *cfg;

	cfg = bpf_map_lookup_elem(&nsf_identities, &identity);
	if (!cfg || (cfg->flags & NSFENCE_IDENTITY_NO_NETWORK))
		return v;
	lookup_peer(f, &v);
	if (v.peer_identity == identity)
		return v;
	v.judged = true;
	if (rule_allows(f, cfg->ruleset, v.peer_identity) ||
	    rule_allows(f, cfg->ruleset, NSFENCE_ID_ANY))
		return v;
	v.policy = cfg->policy;
	v.kind = cfg->mode == NSFENCE_MODE_AUDIT ? VERDICT_AUDIT : VERDICT_BLOCK;
	return v;
}

#endif /* NSFENCE_LIB_VERDICT_H */
