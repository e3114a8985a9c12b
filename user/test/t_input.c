/* Console input: read one line through cgetc (serial interrupts fill the buffer). */
#include <exo/lib.h>

int main(int argc, char **argv)
{
	char line[128];
	size_t n = 0;
	uint64_t deadline = exo_info->ticks + 10 * exo_info->tick_hz;

	while (n + 1 < sizeof(line) && exo_info->ticks < deadline) {
		long c = sys_cgetc();
		if (c == -EXO_EAGAIN) {
			sys_yield();
			continue;
		}
		if (c == '\n' || c == '\r')
			break;
		line[n++] = (char)c;
	}
	line[n] = '\0';
	printf("got: %s\n", line);
	check(argc == 2 && !strcmp(line, argv[1]), "the line read is the line typed");
	check(sys_cgetc() == -EXO_EAGAIN, "nothing more waiting");
	test_finish();
}
