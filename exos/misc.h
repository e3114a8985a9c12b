/* The small informational system calls (misc.c). Results as the system calls return them. */
#ifndef EXOS_MISC_H
#define EXOS_MISC_H

#include <stdint.h>

struct utsname;
struct sysinfo;
struct rlimit;

long exos_getgroups(long size, uint32_t *list);
long exos_set_id(long id);
long exos_uname(struct utsname *u);
long exos_sysinfo(struct sysinfo *s);
long exos_prctl(long option, unsigned long arg);
long exos_prlimit(long pid, long resource, const struct rlimit *nv, struct rlimit *old);
long exos_umask(unsigned long mask);
unsigned exos_umask_value(void); /* the mask itself, for files.c */
long exos_sched_getaffinity(long pid, unsigned long size, void *mask);

#endif
