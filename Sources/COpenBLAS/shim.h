#ifndef RAGLINE_COPENBLAS_SHIM_H
#define RAGLINE_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
