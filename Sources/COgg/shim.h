#ifndef COgg_SHIM_H
#define COgg_SHIM_H
#include <ogg/ogg.h>
#endif
