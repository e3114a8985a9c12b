/*
 * Console input and time through musl and ExOS: fgets from stdin (read on
 * descriptor 0), clock_gettime from the TSC with no kernel call, and a
 * 20 ms nanosleep measured by that clock.
 * usage: input EXPECTED-LINE
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char line[128];
	int ok = 1;
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("read: '%s'\n", line);
	ok &= argc > 1 && strcmp(line, argv[1]) == 0;
	double t0 = seconds();
	struct timespec nap = {0, 20 * 1000 * 1000};
	ok &= nanosleep(&nap, NULL) == 0;
	double slept = seconds() - t0;
	printf("slept %.1f ms for a 20 ms nanosleep\n", slept * 1000);
	ok &= slept >= 0.020 && slept < 1.0;
	ok &= seconds() >= t0;
	printf(ok ? "input: PASS\n" : "input: FAIL\n");
	return ok ? 0 : 1;
}
