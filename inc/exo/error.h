/* Error codes returned by exo kernel calls (negated: a call returns -EXO_EFAULT). */
#ifndef EXO_ERROR_H
#define EXO_ERROR_H

/* EXO_ERROR(value, name, "meaning"): written once, expanded for the enum and the names. */
#define EXO_ERRORS(X)                                                   \
	X(1, EXO_EINVAL, "invalid argument")                            \
	X(2, EXO_EFAULT, "bad address")                                 \
	X(3, EXO_ENOSYS, "no such kernel call")                         \
	X(4, EXO_EAGAIN, "try again")                                   \
	X(5, EXO_ENOMEM, "out of memory")                               \
	X(6, EXO_ENOEXEC, "not a valid executable")                     \
	X(7, EXO_EPERM, "the capability lacks a right the call needs")                 \
	X(8, EXO_EBADCAP, "no capability of the right kind in that slot")              \
	X(9, EXO_EBUSY, "that page is not free")                                         \
	X(10, EXO_ENOSPC, "the capability table is full")                                \
	X(11, EXO_ENOENT, "no such binding, or the environment has ended")              \
	X(12, EXO_EQUOTA, "the quota cannot be guaranteed")

enum exo_error {
#define EXO_ERROR_ENUM(value, name, text) name = value,
	EXO_ERRORS(EXO_ERROR_ENUM)
#undef EXO_ERROR_ENUM
	EXO_NERRORS
};

#endif
