/* exit(status) ends the environment and the kernel reports the status. */
#include <exo/lib.h>

int main(int argc, char **argv)
{
	int status = 42;
	if (argc > 1)
		status = argv[1][0] - '0';
	printf("exiting with status %d\n", status);
	sys_exit(status);
	printf("FAIL: exit returned\n");
	return 99;
}
