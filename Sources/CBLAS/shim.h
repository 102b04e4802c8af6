#ifndef SSMTL_CBLAS_SHIM_H
#define SSMTL_CBLAS_SHIM_H
#include <cblas.h>
#endif
