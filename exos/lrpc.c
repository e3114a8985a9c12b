/*
 * LRPC: a request/response call between processes over protected control
 * transfer. A server offers a service at an index (below EXO_PCT_ENTRIES)
 * with a function; a client calls it by the server's pid: the kernel runs
 * the function in the server's address space, on the caller's time slice,
 * with four arguments and the caller's pid (unforgeable), and the result
 * comes back. No message is copied and no scheduler is involved.
 */
#include <errno.h>
#include <sys/mman.h>
#include <exos/api.h>
#include "exos.h"

#define LRPC_STACK (64 * 1024)

exos_lrpc_fn exos_lrpc_table[EXO_PCT_ENTRIES];
uint64_t exos_lrpc_kc_call = EXO_KCALL_BASE | EXO_KCALL_pct_call;
uint64_t exos_lrpc_kc_return = EXO_KCALL_BASE | EXO_KCALL_pct_return;
static uint64_t stack_top;

extern char exos_lrpc_entry[];
long exos_lrpc_call_raw(uint64_t server, uint64_t index, long a, long b, long c, long d, long *result);

long exos_lrpc_serve(unsigned index, exos_lrpc_fn fn)
{
	if (index >= EXO_PCT_ENTRIES)
		return -EINVAL;
	if (!stack_top) { /* one stack for every service: at most one call runs in us at a time */
		long va = exos_mmap(0, LRPC_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
				    -1, 0);
		if (va < 0)
			return va;
		stack_top = (uint64_t)va + LRPC_STACK;
	}
	exos_lrpc_table[index] = fn;
	long r = sys_pct_set_entry(index, fn ? (unsigned long)exos_lrpc_entry : 0, stack_top);
	return r < 0 ? exos_errno(r) : 0;
}

long exos_lrpc_call(uint32_t server, unsigned index, long a, long b, long c, long d, long *result)
{
	long r = exos_lrpc_call_raw(server, index, a, b, c, d, result);
	switch (-r) {
	case 0:
		return 0;
	case EXO_ENOENT:
		return -ESRCH;
	case EXO_EBUSY:
		return -EBUSY;
	default:
		return -EINVAL;
	}
}
