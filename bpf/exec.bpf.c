// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Privileged containers, tracepoint backend: for kernels without BPF LSM.
 *
 * sched_process_exec fires once the new program is loaded and the
 * credentials it runs with are committed, before the task returns to user
 * mode. SIGKILL sent now is handled on that return, so the new program never
 * runs a user instruction. The exec itself has succeeded: the runtime sees a
 * process killed by SIGKILL (exit status 137) rather than an EPERM.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "nsfence/abi.h"
#include "lib/maps.h"
#include "lib/exec_judge.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SIGKILL 9

SEC("tp_btf/sched_process_exec")
int BPF_PROG(nsf_exec_tp, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct exec_verdict v = {};
	__u64 bounding = 0;

	/* kernel_cap_t is 8 bytes either way: u64 since 6.3, u32[2] before. */
	bpf_core_read(&bounding, sizeof(bounding), &task->cred->cap_bset);
	if (!judge_exec(task, bounding, &v))
		return 0;
	if (v.action == NSFENCE_ACTION_BLOCKED && bpf_send_signal(SIGKILL) != 0)
		count(NSFENCE_CNT_EXEC_SIGNAL_FAILED);
	report_exec(task, &v, NSFENCE_BACKEND_TRACEPOINT, BPF_CORE_READ(bprm, filename));
	return 0;
}
