/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether a process about to run a new program in a governed pod is
 * privileged (docs/policy.md, "Containers"), shared by both exec backends so
 * they judge alike. Only the reporting and the way a process is stopped differ.
 */
#ifndef NSFENCE_LIB_EXEC_JUDGE_H
#define NSFENCE_LIB_EXEC_JUDGE_H

#include <bpf/bpf_core_read.h>
#include "maps.h"
#include "endpoint.h"

/* Inode numbers of the node's namespaces (PID 1's), set by the loader. */
const volatile __u32 host_pid_ns = 0;
const volatile __u32 host_net_ns = 0;
const volatile __u32 host_ipc_ns = 0;
const volatile __u32 host_mnt_ns = 0;

#define NSFENCE_HOST_NS_ALL (NSFENCE_HOST_NS_PID | NSFENCE_HOST_NS_NET | \
			     NSFENCE_HOST_NS_IPC | NSFENCE_HOST_NS_MNT)

struct exec_verdict {
	struct local_endpoint ep;
	__u64 offending_caps;
	__u64 bounding_caps;
	__u32 policy;
	__u8 action;  /* enum nsfence_action */
	__u8 host_ns; /* judged namespaces shared with the node */
};

/* The node's namespaces that `task` is in, as enum nsfence_host_ns bits. */
static __always_inline __u8 shared_host_namespaces(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct pid_namespace *pid_ns = NULL;
	__u8 bits = 0;

	/* The task's own pid namespace is the deepest one it has a number in. */
	bpf_core_read(&pid_ns, sizeof(pid_ns), &pid->numbers[level & 31].ns);
	if (BPF_CORE_READ(pid_ns, ns.inum) == host_pid_ns)
		bits |= NSFENCE_HOST_NS_PID;
	if (BPF_CORE_READ(task, nsproxy, net_ns, ns.inum) == host_net_ns)
		bits |= NSFENCE_HOST_NS_NET;
	if (BPF_CORE_READ(task, nsproxy, ipc_ns, ns.inum) == host_ipc_ns)
		bits |= NSFENCE_HOST_NS_IPC;
	if (BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum) == host_mnt_ns)
		bits |= NSFENCE_HOST_NS_MNT;
	return bits;
}

/*
 * True when the exec must be stopped or reported; `v` says which and why.
 * `bounding` is the bounding set the new program runs with (exec never
 * widens it). `task` is the caller, in the namespaces it will run in.
 */
static __always_inline bool judge_exec(struct task_struct *task, __u64 bounding,
				       struct exec_verdict *v)
{
	const struct nsfence_exec_policy *p;
	struct nsfence_identity *identity;
	__u64 caps;
	__u8 shared, ns;

	if (!find_endpoint(NULL, &v->ep))
		return false; /* not a pod this agent governs: left alone */
	identity = bpf_map_lookup_elem(&nsf_identities, &v->ep.identity);
	if (!identity)
		return false;
	p = &identity->exec;
	if (!p->denied_caps && !p->audited_caps && !p->host_ns_denied && !p->host_ns_audited)
		return false;
	shared = shared_host_namespaces(task);
	/*
	 * Still in every namespace of the node: the runtime itself, between
	 * joining the pod's cgroup and entering the container (runc init
	 * re-executes itself there). A pod cannot share the node's mount
	 * namespace, so no container process looks like this.
	 */
	if (shared == NSFENCE_HOST_NS_ALL)
		return false;
	v->bounding_caps = bounding;
	caps = bounding & p->denied_caps;
	ns = shared & p->host_ns_denied;
	if (caps || ns) {
		v->action = NSFENCE_ACTION_BLOCKED;
		v->policy = p->policy;
	} else {
		caps = bounding & p->audited_caps;
		ns = shared & p->host_ns_audited;
		if (!caps && !ns)
			return false;
		v->action = NSFENCE_ACTION_AUDITED;
		v->policy = p->audit_policy;
	}
	v->offending_caps = caps;
	v->host_ns = ns;
	return true;
}

/* The exec's verdict to the ring buffer, counted. */
static __always_inline void report_exec(struct task_struct *task, const struct exec_verdict *v,
					__u8 backend, const char *filename)
{
	struct nsfence_exec_event *e;

	count(v->action == NSFENCE_ACTION_BLOCKED ? NSFENCE_CNT_EXEC_BLOCKED : NSFENCE_CNT_EXEC_AUDITED);
	e = reserve_event(sizeof(*e), NSFENCE_EVENT_EXEC, bpf_ktime_get_boot_ns());
	if (!e)
		return;
	e->cgroup_id = v->ep.cgroup_id;
	e->task_cgroup_id = bpf_get_current_cgroup_id();
	e->offending_caps = v->offending_caps;
	e->bounding_caps = v->bounding_caps;
	e->identity = v->ep.identity;
	e->policy = v->policy;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->action = v->action;
	e->backend = backend;
	e->host_ns = v->host_ns;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	bpf_probe_read_kernel_str(e->cgroup_name, sizeof(e->cgroup_name),
				  BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name));
	submit_event(e);
}

#endif /* NSFENCE_LIB_EXEC_JUDGE_H */
