/*
 * The first environment's command line: the kernel starts it with rdi
 * pointing at the boot module's string (program path, then arguments,
 * separated by spaces) on its stack. Runtimes split it the same way.
 */
#ifndef EXO_CMDLINE_H
#define EXO_CMDLINE_H

/*
 * Split cmdline in place at spaces into argv[0..argc-1], at most max words,
 * and set argv[argc] = NULL (argv needs max + 1 entries). Returns argc.
 */
static inline int exo_split_cmdline(char *cmdline, char **argv, int max)
{
	int argc = 0;
	for (char *p = cmdline; *p && argc < max;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	argv[argc] = 0;
	return argc;
}

#endif
