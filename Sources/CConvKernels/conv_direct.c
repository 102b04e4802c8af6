// Direct 3x3x3 convolution, stride 1, padding 1, for few input channels.
//
// Why not the GEMMs: with C = 3 input channels a frame-shifted GEMM has an inner dimension of 27 and writes every
// output three times (once per frame tap), so OpenBLAS runs it far below peak. Here every output block stays in
// registers for all 27 * C taps: 4 output channels x 2 vectors of 8 pixels = 8 AVX2 accumulators (enough to cover
// the fused multiply-add's latency on two pipes; with 3 vectors the 16 registers spill), and each tap costs 2 loads,
// 4 broadcasts and 8 fused multiply-adds.
//
// Swift compiles for the x86-64 baseline (SSE2), so the kernel is C with a function-level target attribute and the
// CPU is asked at run time; the caller falls back to the GEMMs when it is absent. The sums run in a fixed order per
// output (input channel, frame tap, row tap, column tap), so results do not depend on threads.
#include "conv_direct.h"
#include <string.h>
#include <stdlib.h>

static int round_up(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

long ssmtl_conv333_weight_floats(int c, int o) { return (long)c * 27 * round_up(o, 4); }

// Padded planes: (C, frames, H + 2, WP) with WP = W8 + 8, W8 = W rounded up to 8: a block at output column x0 (a
// multiple of 8) reads padded columns x0 ... x0 + 17 at most, inside the row. Then 8 output rows of W8 (4 channels,
// 2 rows for the fused pooling).
static int padded_width(int w) { return round_up(w, 8) + 8; }

long ssmtl_conv333_scratch_floats(int c, int d, int h, int w) {
    return (long)c * (d + 2) * (h + 2) * padded_width(w) + 8L * round_up(w, 8);
}

void ssmtl_conv333_pack_weights(float *packed, const float *weight, int c, int o) {
    int o4 = round_up(o, 4);
    memset(packed, 0, sizeof(float) * (size_t)ssmtl_conv333_weight_floats(c, o));
    for (int k = 0; k < o; k++)
        for (int ci = 0; ci < c; ci++)
            for (int t = 0; t < 27; t++)
                packed[((long)ci * 27 + t) * o4 + k] = weight[((long)k * c + ci) * 27 + t];
}

#if defined(__x86_64__)
#include <immintrin.h>

int ssmtl_conv333_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// One block of NV x 8 output pixels of one row, for output channels og*4 ... og*4 + 3, into rows of `tmp` (stride
// w8). `planes` points at the first padded frame this output frame reads, of input channel 0.
#define BLOCK(NV)                                                                                                    \
__attribute__((target("avx2,fma"))) static void block##NV(float *tmp, int w8, const float *planes, long channel_stride, \
                                                           long frame_stride, int wp, const float *wt, int o4,       \
                                                           const float bias4[4], int c) {                           \
    __m256 acc[4][NV];                                                                                               \
    for (int oi = 0; oi < 4; oi++) for (int v = 0; v < NV; v++) acc[oi][v] = _mm256_set1_ps(bias4[oi]);             \
    for (int ci = 0; ci < c; ci++) {                                                                                 \
        for (int kz = 0; kz < 3; kz++) {                                                                             \
            for (int ky = 0; ky < 3; ky++) {                                                                         \
                const float *row = planes + ci * channel_stride + kz * frame_stride + (long)ky * wp;                \
                const float *wk = wt + (long)((ci * 3 + kz) * 3 + ky) * 3 * o4;                                     \
                for (int kx = 0; kx < 3; kx++) {                                                                     \
                    __m256 in[NV];                                                                                   \
                    for (int v = 0; v < NV; v++) in[v] = _mm256_loadu_ps(row + kx + 8 * v);                         \
                    for (int oi = 0; oi < 4; oi++) {                                                                 \
                        __m256 wv = _mm256_broadcast_ss(wk + kx * o4 + oi);                                          \
                        for (int v = 0; v < NV; v++) acc[oi][v] = _mm256_fmadd_ps(wv, in[v], acc[oi][v]);            \
                    }                                                                                                \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
    for (int oi = 0; oi < 4; oi++) for (int v = 0; v < NV; v++) _mm256_storeu_ps(tmp + oi * w8 + 8 * v, acc[oi][v]); \
}
BLOCK(1)
BLOCK(2)
#undef BLOCK

// The zero-padded input frames z0 - 1 ... z1 of one item into `planes` (see padded_width); returns the stride of a
// channel's padded frames.
static long pad_frames(float *planes, const float *inp, int c, int d, int h, int w, int z0, int z1) {
    const int wp = padded_width(w), hp = h + 2, frames = z1 - z0 + 2;   // padded frame f = input frame z0 + f - 1
    const long frame_stride = (long)hp * wp, channel_stride = frames * frame_stride;
    memset(planes, 0, sizeof(float) * (size_t)(c * channel_stride));
    for (int ci = 0; ci < c; ci++)
        for (int f = 0; f < frames; f++) {
            int z = z0 + f - 1;
            if (z < 0 || z >= d) continue;
            for (int y = 0; y < h; y++)
                memcpy(planes + ci * channel_stride + f * frame_stride + (long)(y + 1) * wp + 1,
                       inp + (((long)ci * d + z) * h + y) * w, sizeof(float) * (size_t)w);
        }
    return channel_stride;
}

// Output row y of frame z for output channels og*4 ... og*4 + 3 into the 4 rows of `tmp` (stride w8).
static void output_row(float *tmp, const float *planes, long channel_stride, int z_padded, int y, int og,
                       const float *packed, const float *bias, int c, int h, int w, int o) {
    const int wp = padded_width(w), w8 = round_up(w, 8), o4 = round_up(o, 4);
    const long frame_stride = (long)(h + 2) * wp;
    float bias4[4];
    for (int oi = 0; oi < 4; oi++) { int k = og * 4 + oi; bias4[oi] = (bias && k < o) ? bias[k] : 0; }
    const float *wt = packed + og * 4;
    const float *rows = planes + (long)z_padded * frame_stride + (long)y * wp;
    int x0 = 0;
    while (x0 < w8) {
        int vectors = (w8 - x0) / 8;
        const float *at = rows + x0;
        if (vectors >= 2) { block2(tmp + x0, w8, at, channel_stride, frame_stride, wp, wt, o4, bias4, c); x0 += 16; }
        else { block1(tmp + x0, w8, at, channel_stride, frame_stride, wp, wt, o4, bias4, c); x0 += 8; }
    }
}

void ssmtl_conv333_forward(float *out, float *scratch, const float *inp, const float *packed, const float *bias,
                           int c, int d, int h, int w, int o, int z0, int z1) {
    if (z0 < 0) z0 = 0;
    if (z1 > d) z1 = d;
    if (z1 <= z0) return;
    const int w8 = round_up(w, 8), o4 = round_up(o, 4);
    const long channel_stride = pad_frames(scratch, inp, c, d, h, w, z0, z1);
    float *planes = scratch, *tmp = scratch + (long)c * channel_stride;
    const long out_plane = (long)h * w, out_channel = (long)d * out_plane;
    for (int z = z0; z < z1; z++)
        for (int og = 0; og < o4 / 4; og++)
            for (int y = 0; y < h; y++) {
                output_row(tmp, planes, channel_stride, z - z0, y, og, packed, bias, c, h, w, o);
                for (int oi = 0; oi < 4 && og * 4 + oi < o; oi++)
                    memcpy(out + (og * 4 + oi) * out_channel + z * out_plane + (long)y * w, tmp + oi * w8,
                           sizeof(float) * (size_t)w);
            }
}

// Swift's max(x, y) (y >= x ? y : x), so that the fused pass equals the separate ReLU + pooling bit for bit.
static inline float swift_max(float x, float y) { return y >= x ? y : x; }

void ssmtl_conv333_forward_relu_pool2(float *out, float *scratch, const float *inp, const float *packed,
                                      const float *bias, int c, int d, int h, int w, int o, int z0, int z1) {
    if (z0 < 0) z0 = 0;
    if (z1 > d) z1 = d;
    if (z1 <= z0) return;
    const int w8 = round_up(w, 8), o4 = round_up(o, 4), oh = h / 2, ow = w / 2;
    const long channel_stride = pad_frames(scratch, inp, c, d, h, w, z0, z1);
    float *planes = scratch, *upper = scratch + (long)c * channel_stride, *lower = upper + 4L * w8;
    const long out_plane = (long)oh * ow, out_channel = (long)d * out_plane;
    for (int z = z0; z < z1; z++)
        for (int og = 0; og < o4 / 4; og++)
            for (int y = 0; y < oh; y++) {
                output_row(upper, planes, channel_stride, z - z0, 2 * y, og, packed, bias, c, h, w, o);
                output_row(lower, planes, channel_stride, z - z0, 2 * y + 1, og, packed, bias, c, h, w, o);
                for (int oi = 0; oi < 4 && og * 4 + oi < o; oi++) {
                    const float *r0 = upper + oi * w8, *r1 = lower + oi * w8;
                    float *dst = out + (og * 4 + oi) * out_channel + z * out_plane + (long)y * ow;
                    for (int x = 0; x < ow; x++)
                        dst[x] = swift_max(0, swift_max(swift_max(r0[2 * x], r0[2 * x + 1]),
                                                        swift_max(r1[2 * x], r1[2 * x + 1])));
                }
            }
}

#else

int ssmtl_conv333_available(void) { return 0; }

void ssmtl_conv333_forward(float *out, float *scratch, const float *inp, const float *packed, const float *bias,
                           int c, int d, int h, int w, int o, int z0, int z1) {
    (void)out; (void)scratch; (void)inp; (void)packed; (void)bias; (void)c; (void)d; (void)h; (void)w; (void)o;
    (void)z0; (void)z1;
    abort();   // callers check ssmtl_conv333_available() first
}

void ssmtl_conv333_forward_relu_pool2(float *out, float *scratch, const float *inp, const float *packed,
                                      const float *bias, int c, int d, int h, int w, int o, int z0, int z1) {
    (void)out; (void)scratch; (void)inp; (void)packed; (void)bias; (void)c; (void)d; (void)h; (void)w; (void)o;
    (void)z0; (void)z1;
    abort();   // callers check ssmtl_conv333_available() first
}

#endif
