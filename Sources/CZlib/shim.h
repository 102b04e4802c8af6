#ifndef SSMTL_CZLIB_SHIM_H
#define SSMTL_CZLIB_SHIM_H
#include <zlib.h>
#endif
