#ifndef CFLAC_SHIM_H
#define CFLAC_SHIM_H
#include <FLAC/stream_decoder.h>
#include <FLAC/stream_encoder.h>
#include <FLAC/format.h>

/* FLAC__VERSION_STRING is a mutable C global, which Swift 6 strict concurrency refuses to read
   directly; the library never writes it after load. */
static inline const char *cflac_version_string(void) { return FLAC__VERSION_STRING; }

/* Status strings are C arrays of unknown size, which Swift does not import. */
static inline const char *cflac_decoder_error_string(FLAC__StreamDecoderErrorStatus status) {
    return FLAC__StreamDecoderErrorStatusString[status];
}
static inline const char *cflac_encoder_state_string(FLAC__StreamEncoderState state) {
    return FLAC__StreamEncoderStateString[state];
}
#endif
