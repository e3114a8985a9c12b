/* The first program: greets from user mode and shows what the kernel exposes. */
#include <exo/lib.h>

int main(int argc, char **argv)
{
	uint16_t cs;
	(void)argc;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	printf("hello from user mode: '%s' runs in ring %u\n", argv[0], cs & 3u);
	printf("the info page says: %lu pages free of %lu, TSC at %lu MHz, %lu timer ticks so far\n",
	       (unsigned long)exo_info->free_pages, (unsigned long)exo_info->total_pages,
	       (unsigned long)(exo_info->tsc_hz / 1000000), (unsigned long)exo_info->ticks);
	printf("no shell yet: the first program ends here and exo powers off\n");
	return 0;
}
