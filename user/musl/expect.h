/*
 * The musl tests' one check: print what failed and count it; a test ends
 * with one verdict line from the count. A header of static functions, as
 * each test is a single-file program.
 */
#ifndef EXO_USER_MUSL_EXPECT_H
#define EXO_USER_MUSL_EXPECT_H

#include <stdio.h>

static int failures;

static void expect(int ok, const char *what)
{
	if (!ok) {
		printf("FAILED: %s\n", what);
		failures++;
	}
}

#endif
