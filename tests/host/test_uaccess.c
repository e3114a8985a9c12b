/* Host tests for user_range_ok (kern/uaccess.h): [va, va+len) must lie in [USER_MIN, USER_TOP). */
#define HTEST_SUITE "host.uaccess"
#include "htest.h"

#include "uaccess.h"

TEST(below_user_min)
{
	CHECK(!user_range_ok(0, 0));
	CHECK(!user_range_ok(0, 1));
	CHECK(!user_range_ok(0, USER_MIN));              /* the null guard page */
	CHECK(!user_range_ok(USER_MIN - 1, 1));
	CHECK(!user_range_ok(USER_MIN - 1, 2));          /* straddles USER_MIN */
	CHECK(!user_range_ok(USER_MIN - 1, 0));
}

TEST(at_user_min)
{
	CHECK(user_range_ok(USER_MIN, 0));
	CHECK(user_range_ok(USER_MIN, 1));
	CHECK(user_range_ok(USER_MIN, PAGE_SIZE));
	CHECK(user_range_ok(USER_MIN, USER_TOP - USER_MIN)); /* the whole user half */
	CHECK(!user_range_ok(USER_MIN, USER_TOP - USER_MIN + 1));
}

TEST(at_user_top)
{
	CHECK(user_range_ok(USER_TOP - 1, 1));
	CHECK(user_range_ok(USER_TOP - PAGE_SIZE, PAGE_SIZE));
	CHECK(user_range_ok(EXO_INFO_VA, PAGE_SIZE));
	CHECK(user_range_ok(USER_TOP, 0)); /* empty range ending at the top */
	CHECK(!user_range_ok(USER_TOP, 1));
	CHECK(!user_range_ok(USER_TOP - 1, 2));
	CHECK(!user_range_ok(USER_TOP - PAGE_SIZE, PAGE_SIZE + 1));
	CHECK(!user_range_ok(USER_TOP + 1, 0));
}

TEST(zero_length)
{
	CHECK(user_range_ok(0x400000, 0));
	CHECK(user_range_ok(USER_MIN + 123, 0));
	CHECK(!user_range_ok(0, 0));
	CHECK(!user_range_ok(KERNEL_BASE, 0));
	CHECK(!user_range_ok(UINT64_MAX, 0));
}

TEST(wraparound)
{
	CHECK(!user_range_ok(USER_MIN, UINT64_MAX));
	CHECK(!user_range_ok(0x400000, UINT64_MAX));
	CHECK(!user_range_ok(0x400000, 0 - 0x400000ull));            /* va + len == 2^64 == 0 */
	CHECK(!user_range_ok(0x400000, 0 - 0x400000ull + USER_MIN)); /* va + len wraps to USER_MIN */
	CHECK(!user_range_ok(USER_TOP - 1, UINT64_MAX));
	CHECK(!user_range_ok(UINT64_MAX, 1));
	CHECK(!user_range_ok(UINT64_MAX, UINT64_MAX));
}

TEST(kernel_addresses)
{
	CHECK(!user_range_ok(PHYSMAP_BASE, 1));
	CHECK(!user_range_ok(PHYSMAP_BASE + 0x100000, 0x1000));
	CHECK(!user_range_ok(KERNEL_BASE, 1));
	CHECK(!user_range_ok(KERNEL_BASE + 0x1000, 16));
	CHECK(!user_range_ok(KSTACK_REGION, 8));
	CHECK(!user_range_ok(MMIO_REGION, 4));
	CHECK(!user_range_ok(0xFFFFFFFFFFFFF000ull, 0x1000));
	/* A kernel start whose length wraps around into user space. */
	CHECK(!user_range_ok(KERNEL_BASE, 0 - KERNEL_BASE + 0x400000));
}

TEST(non_canonical)
{
	CHECK(!user_range_ok(0x0000800000000000ull, 1));
	CHECK(!user_range_ok(0x00007FFFFFFFFFFFull, 1)); /* in the unmapped last user page */
	CHECK(!user_range_ok(0x0000800000000000ull - 1, 0));
	CHECK(!user_range_ok(0x8000000000000000ull, 1));
	CHECK(!user_range_ok(0xFFFF7FFFFFFFFFFFull, 1));
	CHECK(!user_range_ok(0x400000, 0x0000800000000000ull)); /* user start, ends non-canonical */
}

/* Exact answer computed in 128 bits. */
static int reference(uint64_t va, uint64_t len)
{
	unsigned __int128 end = (unsigned __int128)va + len;
	return va >= USER_MIN && end <= USER_TOP;
}

static uint64_t interesting(struct htest_rng *r)
{
	static const uint64_t v[] = {0,
				     1,
				     USER_MIN - 1,
				     USER_MIN,
				     USER_MIN + 1,
				     PAGE_SIZE,
				     USER_TOP - USER_MIN,
				     USER_TOP - 1,
				     USER_TOP,
				     USER_TOP + 1,
				     0x0000800000000000ull,
				     PHYSMAP_BASE,
				     KERNEL_BASE,
				     UINT64_MAX - 1,
				     UINT64_MAX};
	switch (htest_below(r, 4)) {
	case 0:
		return v[htest_below(r, sizeof(v) / sizeof(v[0]))];
	case 1:
		return v[htest_below(r, sizeof(v) / sizeof(v[0]))] + htest_below(r, 9) - 4;
	case 2:
		return htest_below(r, 1ull << htest_below(r, 64));
	default:
		return htest_rand(r);
	}
}

TEST(random_vs_reference)
{
	struct htest_rng r = {htest_seed(0x0ACCE55ull)};

	for (int i = 0; i < 200000; i++) {
		uint64_t va = interesting(&r), len = interesting(&r);
		if (htest_below(&r, 2))
			len = interesting(&r) - va; /* aim at the interesting end points */
		CHECKF(user_range_ok(va, len) == reference(va, len), "va 0x%llx len 0x%llx: got %d, want %d",
		       (unsigned long long)va, (unsigned long long)len, user_range_ok(va, len),
		       reference(va, len));
	}
}
