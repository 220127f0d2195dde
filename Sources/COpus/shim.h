#ifndef COPUS_SHIM_H
#define COPUS_SHIM_H
#include <opus.h>
#include <opus_multistream.h>
#include <opusfile.h>
#include <opusenc.h>

/* The *_ctl functions are variadic and not imported into Swift; these fixed-arity
   wrappers expose the requests the codec module needs. */
static inline int copus_decoder_reset(OpusDecoder *dec) {
    return opus_decoder_ctl(dec, OPUS_RESET_STATE);
}
static inline int copus_ms_decoder_reset(OpusMSDecoder *dec) {
    return opus_multistream_decoder_ctl(dec, OPUS_RESET_STATE);
}
static inline int copus_decoder_set_gain(OpusDecoder *dec, opus_int32 gain) {
    return opus_decoder_ctl(dec, OPUS_SET_GAIN(gain));
}
static inline int copus_ms_decoder_set_gain(OpusMSDecoder *dec, opus_int32 gain) {
    return opus_multistream_decoder_ctl(dec, OPUS_SET_GAIN(gain));
}
static inline int copus_ope_set_bitrate(OggOpusEnc *enc, opus_int32 bitrate) {
    return ope_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate));
}
static inline int copus_ope_set_complexity(OggOpusEnc *enc, opus_int32 complexity) {
    return ope_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity));
}
static inline int copus_ope_set_vbr(OggOpusEnc *enc, opus_int32 vbr) {
    return ope_encoder_ctl(enc, OPUS_SET_VBR(vbr));
}
static inline int copus_ope_set_application(OggOpusEnc *enc, opus_int32 application) {
    return ope_encoder_ctl(enc, OPUS_SET_APPLICATION(application));
}
static inline int copus_ope_set_prediction_disabled(OggOpusEnc *enc, opus_int32 disabled) {
    return ope_encoder_ctl(enc, OPUS_SET_PREDICTION_DISABLED(disabled));
}
static inline int copus_ope_set_frame_duration(OggOpusEnc *enc, opus_int32 duration) {
    return ope_encoder_ctl(enc, OPUS_SET_EXPERT_FRAME_DURATION(duration));
}
static inline int copus_decoder_get_pitch(OpusDecoder *dec, opus_int32 *pitch) {
    return opus_decoder_ctl(dec, OPUS_GET_PITCH(pitch));
}
static inline int copus_ms_encoder_set_prediction_disabled(OpusMSEncoder *enc, opus_int32 disabled) {
    return opus_multistream_encoder_ctl(enc, OPUS_SET_PREDICTION_DISABLED(disabled));
}
static inline int copus_ms_encoder_set_bitrate(OpusMSEncoder *enc, opus_int32 bitrate) {
    return opus_multistream_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate));
}
static inline int copus_ms_encoder_set_bandwidth(OpusMSEncoder *enc, opus_int32 bandwidth) {
    return opus_multistream_encoder_ctl(enc, OPUS_SET_BANDWIDTH(bandwidth));
}
#endif
