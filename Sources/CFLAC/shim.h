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
/* Exported by libFLAC (1.3-1.5) and used by the flac tool's --no-md5-sum, but declared only in
   the library's protected header, which is not installed. Segment encoders turn it off because
   the stream's MD5 is computed once over the whole signal. */
FLAC_API FLAC__bool FLAC__stream_encoder_set_do_md5(FLAC__StreamEncoder *encoder, FLAC__bool value);
#endif
