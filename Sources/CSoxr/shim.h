#ifndef CSOXR_SHIM_H
#define CSOXR_SHIM_H
#include <stddef.h>
#include <soxr.h>

/* One-shot resampling of interleaved float32 frames with quality `recipe` (SOXR_LQ ... SOXR_VHQ),
 * linear phase, one thread: the spec structs are built here because their constructors return
 * structs by value that Swift would have to copy field by field. */
static inline const char *zw_soxr_resample_float32(
    double input_rate, double output_rate, unsigned channels, const float *input, size_t input_frames,
    float *output, size_t output_frames, size_t *output_done, unsigned long recipe)
{
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t quality = soxr_quality_spec(recipe, 0);
    soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
    size_t input_done = 0;
    return soxr_oneshot(input_rate, output_rate, channels, input, input_frames, &input_done, output, output_frames, output_done,
                        &io, &quality, &runtime);
}

static inline unsigned long zw_soxr_recipe_lq(void) { return SOXR_LQ; }
static inline unsigned long zw_soxr_recipe_mq(void) { return SOXR_MQ; }
static inline unsigned long zw_soxr_recipe_hq(void) { return SOXR_HQ; }
static inline unsigned long zw_soxr_recipe_vhq(void) { return SOXR_VHQ; }

#endif
