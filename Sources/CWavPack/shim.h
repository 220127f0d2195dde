#ifndef CWAVPACK_SHIM_H
#define CWAVPACK_SHIM_H
#include <wavpack/wavpack.h>
#endif
