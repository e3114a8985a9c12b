/*
 * The small system calls a C library and busybox make at start-up or for
 * information: identity (one user, root), uname, sysinfo, getcwd, prctl's
 * process name, resource limits, umask and the CPU set. docs/exos.md lists what each returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include "cpio.h"
#include "exos.h"
#include "misc.h"
#include "proc.h"
#include "vm.h"

/* ---- identity: one user, root ---- */

long exos_getgroups(long size, uint32_t *list)
{
	(void)list;
	return size < 0 ? -EINVAL : 0; /* root belongs to no supplementary group */
}

long exos_set_id(long id)
{
	return id == 0 || id == -1 ? 0 : -EPERM; /* only root exists */
}

/* ---- uname ---- */

/* The host name: /etc/hostname in the boot archive (its first line), else "exo". */
static void host_name(char *out, size_t size)
{
	struct exos_file f;
	strncpy(out, "exo", size);
	if (exo_info->bootfs_size == 0 ||
	    exos_cpio_lookup((const void *)EXO_BOOTFS_VA, exo_info->bootfs_size, "/etc/hostname", 1, &f) < 0)
		return;
	size_t n = 0;
	while (n < f.size && n + 1 < size && f.data[n] != '\n')
		n++;
	if (n == 0)
		return;
	memcpy(out, f.data, n);
	out[n] = '\0';
}

long exos_uname(struct utsname *u)
{
	if (!exos_user_ok(u, sizeof(*u), 1))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "exo");
	host_name(u->nodename, sizeof(u->nodename));
	strcpy(u->release, "0.1-exos");
	strcpy(u->version, "ExOS on the exo exokernel");
	strcpy(u->machine, "x86_64");
	strcpy(u->domainname, "(none)");
	return 0;
}

/* ---- sysinfo ---- */

long exos_sysinfo(struct sysinfo *s)
{
	if (!exos_user_ok(s, sizeof(*s), 1))
		return -EFAULT;
	memset(s, 0, sizeof(*s));
	s->uptime = (long)((rdtsc() - exo_info->boot_tsc) / exo_info->tsc_hz);
	s->totalram = exo_info->total_pages;
	s->freeram = exo_info->free_pages;
	s->mem_unit = 4096;
	s->procs = 1; /* the processes this one knows of would be a guess: say itself */
	return 0;
}

/* ---- prctl: the process's name ---- */

long exos_prctl(long option, unsigned long arg)
{
	struct exos_proc *p = exos_proc_entry(EXO_ENV_INFO->id);
	switch (option) {
	case PR_SET_NAME:
		if (!exos_user_ok((void *)arg, 1, 0))
			return -EFAULT;
		memset(p->name, 0, sizeof(p->name));
		for (int i = 0; i < 15 && exos_user_ok((char *)arg + i, 1, 0) && ((char *)arg)[i]; i++)
			p->name[i] = ((char *)arg)[i];
		return 0;
	case PR_GET_NAME:
		if (!exos_user_ok((void *)arg, 16, 1))
			return -EFAULT;
		memcpy((char *)arg, p->name, 15);
		((char *)arg)[15] = '\0';
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- resource limits: what ExOS provides, which cannot be raised ---- */

static int limit_of(long resource, struct rlimit *r)
{
	switch (resource) {
	case RLIMIT_STACK:
		r->rlim_cur = r->rlim_max = EXOS_STACK_MAX;
		return 0;
	case RLIMIT_NOFILE:
		r->rlim_cur = r->rlim_max = 256;
		return 0;
	case RLIMIT_NPROC:
		r->rlim_cur = r->rlim_max = 64; /* the kernel's environments */
		return 0;
	default:
		if (resource < 0 || resource >= RLIM_NLIMITS)
			return -EINVAL;
		r->rlim_cur = r->rlim_max = RLIM_INFINITY;
		return 0;
	}
}

long exos_prlimit(long pid, long resource, const struct rlimit *nv, struct rlimit *old)
{
	struct rlimit now;
	if (pid != 0 && pid != EXO_ENV_INFO->id)
		return -ESRCH;
	if (limit_of(resource, &now) < 0)
		return -EINVAL;
	if ((nv && !exos_user_ok(nv, sizeof(*nv), 0)) || (old && !exos_user_ok(old, sizeof(*old), 1)))
		return -EFAULT;
	if (nv && (nv->rlim_cur > nv->rlim_max || nv->rlim_max > now.rlim_max))
		return nv->rlim_cur > nv->rlim_max ? -EINVAL : -EPERM;
	if (old)
		*old = now;
	return 0; /* a lower limit is accepted but not enforced */
}

/* ---- umask ---- */

static unsigned current_umask = 022;

unsigned exos_umask_value(void) { return current_umask; }

long exos_umask(unsigned long mask)
{
	unsigned old = current_umask;
	current_umask = (unsigned)mask & 0777;
	return old;
}

/* ---- the CPUs: one ---- */

long exos_sched_getaffinity(long pid, unsigned long size, void *mask)
{
	if (pid != 0 && pid != EXO_ENV_INFO->id)
		return -ESRCH;
	if (size < sizeof(unsigned long))
		return -EINVAL;
	if (!exos_user_ok(mask, sizeof(unsigned long), 1))
		return -EFAULT;
	*(unsigned long *)mask = 1;
	return sizeof(unsigned long);
}
