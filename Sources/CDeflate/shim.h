#ifndef LOGONYM_CDEFLATE_SHIM_H
#define LOGONYM_CDEFLATE_SHIM_H
/* libdeflate: whole-buffer DEFLATE, used for gzip members (one per block of output). */
#include <libdeflate.h>
#endif
