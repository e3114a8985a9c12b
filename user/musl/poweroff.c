/*
 * poweroff: end every process and power the machine off (ExOS's reboot(2):
 * SIGKILL to every process through the file server's process table, then
 * this one ends; the kernel powers off when no environment is left).
 */
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	sync();
	reboot(RB_POWER_OFF);
	perror("poweroff");
	return 1;
}
