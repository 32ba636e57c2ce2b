/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps shared by every nsfence program family. All are pinned by name under
 * the agent's bpffs directory, so several objects (and a restarted agent)
 * reuse one instance. Sizes are defaults that the loader may raise before load.
 */
#ifndef NSFENCE_LIB_MAPS_H
#define NSFENCE_LIB_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "nsfence/abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct nsfence_endpoint);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsfence_addr_key);
	__type(value, struct nsfence_peer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_pod_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1 << 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsfence_peer_key);
	__type(value, struct nsfence_peer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 17);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct nsfence_identity);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_identities SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsfence_rule_key);
	__type(value, struct nsfence_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1 << 18);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsfence_rule_key);
	__type(value, struct nsfence_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_rule_ranges SEC(".maps");

/* Userspace-only: keeps ids stable across agent restarts. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsfence_registry_key);
	__type(value, struct nsfence_registry_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_registry SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NSFENCE_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct nsfence_flow_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_reported_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct nsfence_udp_peer_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_udp_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsfence_quarantine_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_quarantine_state SEC(".maps");

static __always_inline void count(enum nsfence_counter c)
{
	__u32 key = c;
	__u64 *value = bpf_map_lookup_elem(&nsf_counters, &key);

	if (value)
		*value += 1;
}

/*
 * A zeroed record of `size` bytes (a constant at every call site) in
 * nsf_events with its header filled, or NULL when the ring buffer is full:
 * counted, never silent.
 */
static __always_inline void *reserve_event(__u32 size, __u32 kind, __u64 now)
{
	struct nsfence_event_header *hdr = bpf_ringbuf_reserve(&nsf_events, size, 0);

	if (!hdr) {
		count(NSFENCE_CNT_RINGBUF_RESERVE_FAILED);
		return NULL;
	}
	__builtin_memset(hdr, 0, size);
	hdr->boot_time_ns = now;
	hdr->kind = kind;
	hdr->size = size;
	return hdr;
}

static __always_inline void submit_event(void *record)
{
	bpf_ringbuf_submit(record, 0);
	count(NSFENCE_CNT_EVENTS_SUBMITTED);
}

#endif /* NSFENCE_LIB_MAPS_H */
