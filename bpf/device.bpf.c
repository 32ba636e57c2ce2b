// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Device guard: a governed pod's processes may open, read, write or mknod
 * only the device nodes every container needs. Anything else (the node's
 * disks first of all) is refused with EPERM, whatever the process's
 * capabilities, or reported in audit mode.
 *
 * Attached to --cgroup-root with a cgroup link, so it runs in the effective
 * program array of every pod cgroup below it next to whatever device program
 * the runtime attaches to the container's cgroup: both must allow.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "nsfence/abi.h"
#include "lib/maps.h"
#include "lib/endpoint.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define DEVICE_ALLOW 1
#define DEVICE_DENY 0

#define MEM_MAJOR 1  /* null 3, zero 5, full 7, random 8, urandom 9 */
#define TTYAUX_MAJOR 5 /* tty 0, ptmx 2 */
#define PTS_MAJOR_FIRST 136 /* UNIX98_PTY_SLAVE_MAJOR */
#define PTS_MAJOR_COUNT 8   /* UNIX98_PTY_MAJOR_COUNT */

const volatile __u64 device_fold_window_ns = 30ULL * 1000000000ULL;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct nsfence_device_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nsf_reported_devices SEC(".maps");

/* null, zero, full, random, urandom, tty, ptmx and the pts terminals. */
static __always_inline bool safe_device(__u32 type, __u32 major, __u32 minor)
{
	if (type != NSFENCE_DEVICE_CHAR)
		return false;
	if (major == MEM_MAJOR)
		return minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9;
	if (major == TTYAUX_MAJOR)
		return minor == 0 || minor == 2;
	return major >= PTS_MAJOR_FIRST && major < PTS_MAJOR_FIRST + PTS_MAJOR_COUNT;
}

/* True when this pod, device and access were reported within the window. */
static __always_inline bool reported_recently(const struct nsfence_device_key *key, __u64 now)
{
	__u64 *last = bpf_map_lookup_elem(&nsf_reported_devices, key);

	if (last && now - *last < device_fold_window_ns) {
		*last = now;
		return true;
	}
	bpf_map_update_elem(&nsf_reported_devices, key, &now, BPF_ANY);
	return false;
}

static __always_inline void report_device(const struct local_endpoint *ep, __u32 policy,
					  __u8 action, const struct nsfence_device_key *key)
{
	struct nsfence_device_event *e;
	__u64 now = bpf_ktime_get_boot_ns();

	count(action == NSFENCE_ACTION_BLOCKED ? NSFENCE_CNT_DEVICE_BLOCKED : NSFENCE_CNT_DEVICE_AUDITED);
	if (reported_recently(key, now)) {
		count(NSFENCE_CNT_REPEATS_FOLDED);
		return;
	}
	e = reserve_event(sizeof(*e), NSFENCE_EVENT_DEVICE, now);
	if (!e)
		return;
	e->cgroup_id = ep->cgroup_id;
	e->task_cgroup_id = bpf_get_current_cgroup_id();
	e->identity = ep->identity;
	e->policy = policy;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->major = key->major;
	e->minor = key->minor;
	e->action = action;
	e->type = key->type;
	e->access = key->access;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	submit_event(e);
}

SEC("cgroup/dev")
int nsf_device(struct bpf_cgroup_dev_ctx *ctx)
{
	struct nsfence_device_key key = {};
	struct nsfence_identity *identity;
	struct local_endpoint ep = {};
	__u32 type = ctx->access_type & 0xFFFF;
	__u8 mode;

	if (safe_device(type, ctx->major, ctx->minor))
		return DEVICE_ALLOW;
	if (!find_endpoint(NULL, &ep))
		return DEVICE_ALLOW;
	identity = bpf_map_lookup_elem(&nsf_identities, &ep.identity);
	if (!identity || !identity->exec.devices)
		return DEVICE_ALLOW;
	mode = identity->exec.devices;
	key.cgroup_id = ep.cgroup_id;
	key.major = ctx->major;
	key.minor = ctx->minor;
	key.type = type;
	key.access = ctx->access_type >> 16;
	if (mode == NSFENCE_MODE_ENFORCE) {
		report_device(&ep, identity->exec.policy, NSFENCE_ACTION_BLOCKED, &key);
		return DEVICE_DENY;
	}
	report_device(&ep, identity->exec.audit_policy, NSFENCE_ACTION_AUDITED, &key);
	return DEVICE_ALLOW;
}
