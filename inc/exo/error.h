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
	X(7, EXO_EPERM, "no capability for that")

enum exo_error {
#define EXO_ERROR_ENUM(value, name, text) name = value,
	EXO_ERRORS(EXO_ERROR_ENUM)
#undef EXO_ERROR_ENUM
	EXO_NERRORS
};

#endif
