/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The boundary between nsfence's BPF programs and its userspace: map keys and
 * values, ring buffer records and counter indexes. Included by both sides; this
 * is the only definition of these layouts.
 */
#ifndef NSFENCE_ABI_H
#define NSFENCE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Bumped whenever a layout below changes incompatibly. */
#define NSFENCE_ABI_VERSION 1

/* Deepest pod cgroup below --cgroup-root that the datapath recognises. */
#define NSFENCE_MAX_POD_DEPTH 8

#define NSFENCE_COMM_LEN 16
#define NSFENCE_NAME_LEN 64

/* Identities below NSFENCE_FIRST_DYNAMIC_ID have fixed meanings. */
enum nsfence_reserved_id {
	NSFENCE_ID_NONE = 0,
	/* An address that belongs to no pod and no prefix named by a policy. */
	NSFENCE_ID_WORLD = 1,
	/* Wildcard peer in rule keys: a rule whose peer list is empty. */
	NSFENCE_ID_ANY = 2,
	NSFENCE_FIRST_DYNAMIC_ID = 256,
};

enum nsfence_direction {
	NSFENCE_DIR_EGRESS = 1,
	NSFENCE_DIR_INGRESS = 2,
};

enum nsfence_mode {
	NSFENCE_MODE_ENFORCE = 1,
	NSFENCE_MODE_AUDIT = 2,
};

enum nsfence_peer_kind {
	NSFENCE_PEER_POD = 1,   /* a pod address: identity is its namespace */
	NSFENCE_PEER_WORLD = 2, /* outside the cluster: identity is a prefix */
	NSFENCE_PEER_HOST = 3,  /* a node address range from the inventory */
};

enum nsfence_family {
	NSFENCE_FAMILY_V4 = 4,
	NSFENCE_FAMILY_V6 = 6,
};

enum nsfence_action {
	NSFENCE_ACTION_BLOCKED = 1,
	NSFENCE_ACTION_AUDITED = 2,
};

/* endpoints: pod cgroup id -> identity of the pod's namespace. */
struct nsfence_endpoint {
	__u32 identity;
	__u32 flags; /* reserved, zero */
};

/* pod_addrs: exact pod address -> its namespace (kind NSFENCE_PEER_POD). */
struct nsfence_addr_key {
	__u8 family; /* enum nsfence_family */
	__u8 pad[3];
	__u8 addr[16]; /* IPv4 uses the first 4 bytes, network order */
};

/*
 * peers: LPM trie of the prefixes policies name and the inventory's node
 * ranges, for addresses that are no pod's. prefixlen counts the family byte
 * too: an IPv4 /24 is stored with prefixlen 8 + 24.
 */
struct nsfence_peer_key {
	__u32 prefixlen;
	__u8 family; /* enum nsfence_family */
	__u8 addr[16];
	__u8 pad[3];
};

struct nsfence_peer {
	__u32 identity;
	__u32 kind; /* enum nsfence_peer_kind */
};

/* identities: present only for namespaces governed by at least one policy. */
struct nsfence_identity {
	__u32 ruleset;  /* rule key prefix holding this namespace's allows */
	__u32 policy;   /* policy a default deny is attributed to */
	__u32 mode;     /* enum nsfence_mode */
	__u32 reserved[5];
};

/*
 * Allows. Most are exact: rules (a hash) holds "this port" (prefixlen 96),
 * "any port" of a protocol (80, port 0) and "any protocol" (72, protocol and
 * port 0) entries. Port ranges go to rule_ranges, an LPM trie over the same
 * key: its data bytes are ruleset, peer, direction, protocol, port (big
 * endian), so a range is a few prefixes of 80 + n bits. Both stay small per
 * lookup whatever the number of rulesets.
 */
struct nsfence_rule_key {
	__u32 prefixlen;
	__u32 ruleset;
	__u32 peer;
	__u8 direction;
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 port;    /* network order */
};

#define NSFENCE_RULE_PREFIX_ANY_PROTOCOL 72
#define NSFENCE_RULE_PREFIX_ANY_PORT 80
#define NSFENCE_RULE_PREFIX_FULL 96

struct nsfence_rule {
	__u32 policy; /* first policy whose rule allows the flow */
};

/* Persistent id registry, written and read by userspace only. */
enum nsfence_registry_kind {
	NSFENCE_REG_IDENTITY = 1,
	NSFENCE_REG_RULESET = 2,
	NSFENCE_REG_PREFIX = 3,
	NSFENCE_REG_POLICY = 4,
};

struct nsfence_registry_key {
	__u32 kind; /* enum nsfence_registry_kind */
	__u32 id;
};

struct nsfence_registry_value {
	__u64 content_hash;
	char name[NSFENCE_NAME_LEN];
};

/* Per-CPU counters, indexed by this enum. */
enum nsfence_counter {
	NSFENCE_CNT_RINGBUF_RESERVE_FAILED = 0,
	NSFENCE_CNT_EVENTS_SUBMITTED,
	NSFENCE_CNT_REPEATS_FOLDED, /* same flow reported within the window */
	NSFENCE_CNT_EGRESS_BLOCKED,
	NSFENCE_CNT_EGRESS_AUDITED,
	NSFENCE_CNT_INGRESS_BLOCKED,
	NSFENCE_CNT_INGRESS_AUDITED,
	NSFENCE_CNT_PACKET_UNPARSED, /* ingress packet whose headers we could not read */
	NSFENCE_CNT_MAX,
};

enum nsfence_event_kind {
	NSFENCE_EVENT_NETWORK = 1,
};

struct nsfence_event_header {
	__u64 boot_time_ns; /* bpf_ktime_get_boot_ns() */
	__u32 kind;         /* enum nsfence_event_kind */
	__u32 size;         /* of the whole record */
};

struct nsfence_network_event {
	struct nsfence_event_header hdr;
	__u64 cgroup_id; /* the pod cgroup that matched */
	__u64 socket_cookie;
	__u32 identity;
	__u32 peer_identity;
	__u32 policy;
	__u32 pid; /* 0 when the packet was not sent by a task (ingress) */
	__u8 action;    /* enum nsfence_action */
	__u8 direction; /* enum nsfence_direction */
	__u8 protocol;
	__u8 family;    /* enum nsfence_family */
	__u8 peer_kind; /* enum nsfence_peer_kind */
	__u8 pad[3];
	__u8 local_addr[16];
	__u8 peer_addr[16];
	__u16 local_port; /* host order; 0 before the socket is bound */
	__u16 peer_port;  /* host order */
	char comm[NSFENCE_COMM_LEN];
};

/*
 * Keys of the folding map: one report per flow within the window. scope is
 * the socket cookie for egress (each socket is its own flow source) and the
 * pod cgroup id for ingress (retransmitted SYNs meet a listener, or a new
 * socket under test, with the same addresses).
 */
struct nsfence_flow_key {
	__u64 scope;
	__u8 local_addr[16];
	__u8 peer_addr[16];
	__u16 local_port;
	__u16 peer_port;
	__u8 family;
	__u8 direction;
	__u8 protocol;
	__u8 pad;
};

/* Keys of the UDP reply map: who an unconnected socket has sent to. */
struct nsfence_udp_peer_key {
	__u64 socket_cookie;
	__u8 peer_addr[16];
	__u16 peer_port;
	__u8 family;
	__u8 pad[5];
};

#endif /* NSFENCE_ABI_H */
