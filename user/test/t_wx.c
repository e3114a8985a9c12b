/*
 * Linked with a writable and executable segment (see the Makefile's rule for
 * t_wx): the kernel must refuse to load it. If it ever runs, that is a failure.
 */
#include <exo/lib.h>

int main(void)
{
	printf("FAIL: a W+X program was loaded\n");
	return 1;
}
