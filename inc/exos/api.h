/*
 * ExOS's own interface for programs, beside the Linux system calls: what a
 * program linked with ExOS can do that Linux does not offer. Include it with
 * <exos/api.h> (tools/exo-cc builds with -Iinc).
 */
#ifndef EXOS_API_H
#define EXOS_API_H

#include <exo/upcall.h>

/*
 * ExOS's page-fault service: demand-zero pages, copy-on-write, stack growth.
 * A program that installs its own page-fault upcall handler (libexo's
 * exo_set_pagefault_handler) takes over every fault; it should hand the
 * faults it does not want to this function, which returns 0 when it served
 * the fault and -1 when the access was the program's error.
 */
int exos_vm_fault(struct exo_upcall *u);

#endif
