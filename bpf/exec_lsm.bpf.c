// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Privileged containers, BPF LSM backend: the exec fails with EPERM before
 * anything of the new program is loaded.
 *
 * bprm_creds_for_exec runs once per execve (scripts re-enter the binfmt
 * handlers, not this hook), with bprm->cred prepared. The bounding set it
 * holds is the one the new program runs with: exec never changes it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "nsfence/abi.h"
#include "lib/maps.h"
#include "lib/exec_judge.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EPERM 1

SEC("lsm/bprm_creds_for_exec")
int BPF_PROG(nsf_exec_lsm, struct linux_binprm *bprm, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct exec_verdict v = {};
	__u64 bounding = 0;

	if (ret != 0)
		return ret; /* already refused */
	bpf_core_read(&bounding, sizeof(bounding), &bprm->cred->cap_bset);
	if (!judge_exec(task, bounding, &v))
		return 0;
	report_exec(task, &v, NSFENCE_BACKEND_LSM, BPF_CORE_READ(bprm, filename));
	return v.action == NSFENCE_ACTION_BLOCKED ? -EPERM : 0;
}
