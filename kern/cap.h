/*
 * Capabilities: kernel-held tables, one per environment, of struct exo_cap
 * (inc/exo/mem.h). A capability is named by its owner as a slot number; the
 * kernel names it globally by id = env slot * EXO_NCAPS + table slot. Grants
 * form a derivation tree (parent/child links) that revocation walks.
 * Kernel only; docs/memory.md explains the design.
 */
#ifndef KERN_CAP_H
#define KERN_CAP_H

#ifndef EXO_KERNEL
#error "kern/ headers are for the kernel (and its host tests) only; user code includes <exo/...>"
#endif

#include <exo/mem.h>
#include "env.h"

static inline uint32_t cap_id(const struct env *e, uint32_t slot) { return env_index(e) * EXO_NCAPS + slot; }
static inline struct env *cap_holder(uint32_t id) { return &envs[id / EXO_NCAPS]; }
static inline uint32_t cap_slot(uint32_t id) { return id % EXO_NCAPS; }
static inline struct exo_cap *cap_get(uint32_t id) { return &cap_holder(id)->caps[cap_slot(id)]; }

/*
 * Look up slot in e's table: it must hold a capability of type with every
 * right in need. Returns its id, or -EXO_EBADCAP / -EXO_EPERM.
 */
long cap_lookup(struct env *e, uint64_t slot, int type, unsigned need);
/* Look up an environment capability and the live environment it names (-EXO_ENOENT if ended). */
long cap_lookup_env(struct env *e, uint64_t slot, unsigned need, struct env **target);
/* A free slot in e's table (not 0), or -EXO_ENOSPC. */
long cap_free_slot(struct env *e);
/* n consecutive free slots; the first, or -EXO_ENOSPC. */
long cap_free_run(struct env *e, uint32_t n);

/* Fill slot of e with a new root capability; for pages, count it on the page. */
void cap_make_root(struct env *e, uint32_t slot, int type, unsigned rights, uint32_t object);
/* Fill slot of e with a capability derived from parent. */
void cap_make_child(uint32_t parent, struct env *e, uint32_t slot, unsigned rights);
/*
 * Delete capability id: its bindings go, its children move up to its parent,
 * a page nobody names any more is freed. reason (EXO_REPO_*, or 0) is written
 * to the holder's repossession vector.
 */
void cap_delete(uint32_t id, int reason);
/* Delete every descendant of id (not id itself). Returns how many. */
long cap_revoke_descendants(uint32_t id, int reason);
/* The capability for a time-vector slot is gone: the slot is free again. */
void slot_release(struct env *e, uint32_t slot);
/* Delete every capability that names page ppn, in every table (abort protocol). */
void cap_delete_all_of_page(uint32_t ppn, int reason);

#endif
