#ifndef LOGONYM_CISAL_SHIM_H
#define LOGONYM_CISAL_SHIM_H
/* ISA-L's igzip: streaming inflate for gzip input, and its level-1 deflate for the fastest gzip output. */
#include <isa-l/igzip_lib.h>

/* The working buffer level 1 wants (a macro expression, which Swift does not import). */
static inline uint32_t logonym_isal_level1_buffer_size(void) { return ISAL_DEF_LVL1_DEFAULT; }
#endif
