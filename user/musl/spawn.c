/*
 * A musl program running a function in a second environment (exo_spawn):
 * the child inherits the thread pointer, so musl's per-thread data (errno,
 * stdio) works there, in its own copy; the parent's is untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <exo/lib.h>

#define MAILBOX 0x8000100000UL /* where ExOS never maps */
static volatile long *mailbox = (volatile long *)MAILBOX;

static int child(long arg)
{
	errno = 42;
	int ok = errno == 42 && arg == 5 && strcmp(strerror(ENOENT), "No such file or directory") == 0;
	printf("child: errno %d in its own copy\n", errno);
	fflush(stdout);
	mailbox[0] = ok ? 1 : -1;
	return ok ? 0 : 1;
}

int main(void)
{
	long page = sys_page_alloc(EXO_PPN_ANY);
	if (page < 0 || sys_bind(EXO_CAP_SELF, MAILBOX, (unsigned long)page, EXO_PROT_R | EXO_PROT_W) < 0)
		return 2;
	sys_env_set_quota(EXO_CAP_SELF, exo_info->total_pages / 2);
	errno = 7;
	fflush(stdout);
	long env = exo_spawn_create(child, 128);
	if (env < 0 || sys_bind((unsigned long)env, MAILBOX, (unsigned long)page, EXO_PROT_R | EXO_PROT_W) < 0 ||
	    exo_spawn_start(env, 5) < 0)
		return 3;
	exo_wait(env);
	int ok = mailbox[0] == 1 && errno == 7;
	printf(ok ? "spawn: PASS\n" : "spawn: FAIL (child %ld, errno %d)\n", mailbox[0], errno);
	return ok ? 0 : 1;
}
