/* The file server's environment (fsd.c): starting it, and what a client knows of it. */
#ifndef EXOS_FSD_H
#define EXOS_FSD_H

#include <stdint.h>
#include <exo/mem.h>

/* In the first process, before its own start-up: start the server. 0 or a negative exo error. */
long exos_fsd_spawn(void);
/* The server's id (0: none) and our capability (GRANT only) for its environment. */
uint32_t exos_fsd_id(void);
long exos_fsd_env_slot(void);
void exos_fsd_adopt(uint32_t id, long env_slot);

/* In the server: 1, and the pages its image has (for the page map). */
int exos_fsd_is_server(void);
const struct exo_bootmap_entry *exos_fsd_start_map(uint64_t *n);

#endif
