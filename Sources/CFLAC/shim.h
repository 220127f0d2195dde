#ifndef CFLAC_SHIM_H
#define CFLAC_SHIM_H
#include <FLAC/stream_decoder.h>
#include <FLAC/stream_encoder.h>
#include <FLAC/format.h>

/* FLAC__VERSION_STRING is a mutable C global, which Swift 6 strict concurrency refuses to read
   directly; the library never writes it after load. */
static inline const char *cflac_version_string(void) { return FLAC__VERSION_STRING; }
#endif
