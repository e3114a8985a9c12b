/* Kernel-call handlers (one per row of inc/exo/kcalls.def) and restart support. Kernel only. */
#ifndef KERN_KCALL_H
#define KERN_KCALL_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include <exo/kcall.h>
#include "kernel.h"

#define EXO_KCALL(idx, name, nargs, sig, summary, errors) \
	long kc_##name(EXO_KC_APPLY(EXO_KC_PARAMS_##nargs, EXO_KC_EXPAND sig));
#include <exo/kcalls.def>
#undef EXO_KCALL

struct env;
/*
 * Put the calling environment to sleep until memory may be free, arranged
 * so that on wake-up it issues the same kernel call again; then run next
 * (or whatever the scheduler picks). Does not return.
 */
NORETURN void kcall_wait_memory_and_retry(struct env *next);

#endif
