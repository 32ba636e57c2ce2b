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
#define NSFENCE_ABI_VERSION 4

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
	/*
	 * Rule keys only: egress flows (connections the pod opens to this peer
	 * and port) whose first bytes must be a TLS handshake, from an enforce
	 * or an audit policy.
	 */
	NSFENCE_DIR_REQUIRE_TLS = 3,
	NSFENCE_DIR_REQUIRE_TLS_AUDIT = 4,
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

/* nsfence_endpoint.flags */
/*
 * The pod is quarantined (a policy's spec.response): every packet to or from
 * it is dropped, same namespace and established connections included, and
 * its connect() and sendmsg() fail with EPERM. Loopback inside the pod passes.
 */
#define NSFENCE_ENDPOINT_QUARANTINED 0x1

/* endpoints: pod cgroup id -> identity of the pod's namespace. */
struct nsfence_endpoint {
	__u32 identity;
	__u32 flags;             /* NSFENCE_ENDPOINT_* */
	__u32 quarantine_policy; /* policy whose response quarantined the pod; 0 when not */
	__u32 reserved;          /* zero */
};

/*
 * quarantine_state[0]: how many endpoints are quarantined, written by the
 * agent. The packet programs of bpf/quarantine.bpf.c look pods up only while
 * it is nonzero (and are attached only then).
 */
struct nsfence_quarantine_state {
	__u32 quarantined;
	__u32 reserved;
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

/*
 * TLS versions as the minor byte of the wire version: 0x0301 (TLS 1.0) is 1,
 * TLS 1.3 is 4. SSL 2 and 3 count as 0. A floor of 0 means no floor.
 */
enum nsfence_tls_version_code {
	NSFENCE_TLS_NONE = 0,
	NSFENCE_TLS_1_0 = 1,
	NSFENCE_TLS_1_1 = 2,
	NSFENCE_TLS_1_2 = 3,
	NSFENCE_TLS_1_3 = 4,
};

/*
 * Lowest TLS version a namespace's pods may use, per role: egress when the
 * pod is the TLS client (its ClientHello leaves the pod), ingress when it is
 * the server. Below an enforce floor a handshake is blocked; below an audit
 * floor (only set above the enforce floor) it is reported and passes.
 */
struct nsfence_tls_floors {
	__u8 egress_enforce;
	__u8 egress_audit;
	__u8 ingress_enforce;
	__u8 ingress_audit;
};

/* nsfence_identity.flags */
#define NSFENCE_IDENTITY_NO_NETWORK 0x1 /* governed for TLS or containers only: network unrestricted */

/* Namespaces a process may share with the node, as bits. */
enum nsfence_host_ns {
	NSFENCE_HOST_NS_PID = 0x1,
	NSFENCE_HOST_NS_NET = 0x2,
	NSFENCE_HOST_NS_IPC = 0x4,
	NSFENCE_HOST_NS_MNT = 0x8,
};

/*
 * What a process in the namespace's pods may start with (spec.containers).
 * Capability bits are 1 << CAP_* of the kernel (CAP_SYS_ADMIN is bit 21) and
 * are judged on the bounding set the new program runs with. A process holding
 * a denied capability, or sharing a denied namespace with the node, is
 * stopped at exec; audited ones (never also denied) are reported and run.
 * All zero: the namespace's containers are not judged.
 */
struct nsfence_exec_policy {
	__u64 denied_caps;
	__u64 audited_caps;
	__u32 policy;         /* named when an exec is stopped or a device denied */
	__u32 audit_policy;   /* named when one is audited */
	__u8 host_ns_denied;  /* enum nsfence_host_ns bits */
	__u8 host_ns_audited;
	__u8 devices;         /* device guard: enum nsfence_mode, 0 when off */
	__u8 pad[5];
};

/* identities: present only for namespaces governed by at least one policy. */
struct nsfence_identity {
	__u32 ruleset;  /* rule key prefix holding this namespace's allows and requireTLS rules */
	__u32 policy;   /* policy a default deny is attributed to */
	__u32 mode;     /* enum nsfence_mode, of the network section */
	__u32 flags;    /* NSFENCE_IDENTITY_* */
	struct nsfence_tls_floors tls;
	__u32 tls_policy;       /* policy named by events below an enforce floor */
	__u32 tls_audit_policy; /* policy named by events below an audit floor */
	__u32 reserved;
	struct nsfence_exec_policy exec;
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
	NSFENCE_CNT_TLS_HELLOS,      /* ClientHello and ServerHello messages parsed */
	NSFENCE_CNT_TLS_BLOCKED,
	NSFENCE_CNT_TLS_AUDITED,
	NSFENCE_CNT_TLS_UNPARSED,    /* a hello given up on (malformed, or over the step budget) */
	NSFENCE_CNT_TLS_REORDERED,   /* segment ahead of a hello in progress, dropped for resend */
	NSFENCE_CNT_EXEC_BLOCKED,
	NSFENCE_CNT_EXEC_AUDITED,
	NSFENCE_CNT_EXEC_SIGNAL_FAILED, /* bpf_send_signal refused: the program may have run */
	NSFENCE_CNT_DEVICE_BLOCKED,
	NSFENCE_CNT_DEVICE_AUDITED,
	NSFENCE_CNT_QUARANTINE_DROPPED, /* packets of quarantined pods dropped */
	NSFENCE_CNT_MAX,
};

enum nsfence_event_kind {
	NSFENCE_EVENT_NETWORK = 1,
	NSFENCE_EVENT_TLS = 2,
	NSFENCE_EVENT_EXEC = 3,   /* a privileged process started (or was stopped) in a pod */
	NSFENCE_EVENT_DEVICE = 4, /* a pod's process opened (or was denied) a device node */
};

struct nsfence_event_header {
	__u64 boot_time_ns; /* bpf_ktime_get_boot_ns() */
	__u32 kind;         /* enum nsfence_event_kind */
	__u32 size;         /* of the whole record */
};

/* Why a network event's flow was judged as it was. */
enum nsfence_network_reason {
	NSFENCE_NET_REASON_POLICY = 0,     /* the namespace's rules */
	NSFENCE_NET_REASON_QUARANTINED = 1, /* the pod is quarantined; policy names the response's */
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
	__u8 reason;    /* enum nsfence_network_reason */
	__u8 pad[2];
	__u8 local_addr[16];
	__u8 peer_addr[16];
	__u16 local_port; /* host order; 0 before the socket is bound */
	__u16 peer_port;  /* host order */
	char comm[NSFENCE_COMM_LEN];
};

enum nsfence_tls_reason {
	NSFENCE_TLS_CLIENT_OFFERS_BELOW_FLOOR = 1,
	NSFENCE_TLS_SERVER_SELECTED_BELOW_FLOOR = 2,
	NSFENCE_TLS_PLAINTEXT_ON_REQUIRE_TLS = 3,
	/* A connection first seen mid-stream carries records of a version below the floor. */
	NSFENCE_TLS_SESSION_BELOW_FLOOR = 4,
};

#define NSFENCE_SNI_LEN 64

/*
 * A TLS violation: the network fields (hdr.kind NSFENCE_EVENT_TLS, protocol
 * TCP, direction the pod's role: egress as TLS client, ingress as server)
 * and what the handshake showed. Versions are wire values (0x0303 = TLS 1.2),
 * 0 when not seen.
 */
struct nsfence_tls_event {
	struct nsfence_network_event net;
	__u16 offered_max_version;
	__u16 negotiated_version;
	__u8 reason; /* enum nsfence_tls_reason */
	__u8 floor;  /* enum nsfence_tls_version_code that was crossed */
	__u8 pad[2];
	char sni[NSFENCE_SNI_LEN]; /* NUL-terminated, truncated; empty when absent */
};

/* How exec is judged: chosen by the agent from what the kernel allows. */
enum nsfence_exec_backend {
	/* BPF LSM bprm_creds_for_exec: the exec fails with EPERM. */
	NSFENCE_BACKEND_LSM = 1,
	/* tp_btf sched_process_exec + bpf_send_signal(SIGKILL): the process dies
	 * before the new program runs a user instruction. */
	NSFENCE_BACKEND_TRACEPOINT = 2,
};

#define NSFENCE_PATH_LEN 128

/*
 * A privileged exec in a governed pod. pid is the thread group id; comm is
 * the caller's (LSM: before exec) or the new program's (tracepoint).
 */
struct nsfence_exec_event {
	struct nsfence_event_header hdr;
	__u64 cgroup_id;      /* the pod cgroup */
	__u64 task_cgroup_id; /* the process's own cgroup: its container's, when below the pod */
	__u64 offending_caps; /* bounding-set bits the policy denies or audits */
	__u64 bounding_caps;  /* the whole bounding set */
	__u32 identity;
	__u32 policy;
	__u32 pid;
	__u8 action;  /* enum nsfence_action: blocked = stopped at exec */
	__u8 backend; /* enum nsfence_exec_backend */
	__u8 host_ns; /* enum nsfence_host_ns bits shared with the node that the policy judges */
	__u8 pad;
	char comm[NSFENCE_COMM_LEN];
	char filename[NSFENCE_PATH_LEN]; /* as given to exec, truncated */
	/* Directory name of task_cgroup_id: names the container after the
	 * runtime removed its cgroup (a killed container's goes at once). */
	char cgroup_name[NSFENCE_NAME_LEN];
};

/* Device node types and accesses, as the cgroup device hook names them. */
enum nsfence_device_type {
	NSFENCE_DEVICE_BLOCK = 1, /* BPF_DEVCG_DEV_BLOCK */
	NSFENCE_DEVICE_CHAR = 2,  /* BPF_DEVCG_DEV_CHAR */
};

enum nsfence_device_access {
	NSFENCE_DEVICE_MKNOD = 1, /* BPF_DEVCG_ACC_MKNOD */
	NSFENCE_DEVICE_READ = 2,
	NSFENCE_DEVICE_WRITE = 4,
};

/* Access to a device node outside the safe set, from a governed pod. */
struct nsfence_device_event {
	struct nsfence_event_header hdr;
	__u64 cgroup_id;      /* the pod cgroup */
	__u64 task_cgroup_id; /* the process's own cgroup */
	__u32 identity;
	__u32 policy;
	__u32 pid;
	__u32 major;
	__u32 minor;
	__u8 action; /* enum nsfence_action: blocked = EPERM */
	__u8 type;   /* enum nsfence_device_type */
	__u8 access; /* enum nsfence_device_access bits */
	__u8 pad;
	char comm[NSFENCE_COMM_LEN];
};

/* Keys of the device report folding map: one report per pod, device and access within the window. */
struct nsfence_device_key {
	__u64 cgroup_id;
	__u32 major;
	__u32 minor;
	__u8 type;
	__u8 access;
	__u8 pad[6];
};

/*
 * tls_generation[0]: written by the agent after every policy change. Sockets
 * that had no TLS floor look their pod up again when `generation` moves; with
 * no floor anywhere the TLS programs pass everything on two lookups.
 */
struct nsfence_tls_generation {
	__u32 generation;
	__u32 floors_in_force; /* nonzero when some namespace has a TLS floor */
};

/*
 * tls_blocked: connections the datapath blocked and drops every packet of,
 * until the agent ends them (SOCK_DESTROY in their network namespace) and
 * deletes the entry. Keyed by socket cookie.
 */
struct nsfence_tls_blocked {
	__u64 cgroup_id; /* the pod cgroup */
	__u64 netns_cookie;
	__u8 family;     /* enum nsfence_family */
	__u8 pad[3];
	__u8 local_addr[16];
	__u8 peer_addr[16];
	__u16 local_port; /* host order */
	__u16 peer_port;  /* host order */
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
