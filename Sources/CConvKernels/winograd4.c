// Winograd F(4x4, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): every 4x4 block
// of a 2D 3x3 convolution's output from the 6x6 input tile around it, Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with 36
// multiplications per (input, output) channel pair where F(2x2, 3x3) needs 64 for the same 16 outputs and the
// direct sum 144. Its transformed input V is also smaller, 36 values per 16 input pixels instead of 64, which
// matters because the transforms stream V and M through memory. The price is rounding: the transforms multiply by up to 8 and by 1/24, so outputs differ
// from the direct sum by about 1e-5 relative, not a few ulps (the tests bound it against the naive loops).
// Inference mode only; training's gradient passes keep F(2x2, 3x3).
//
// The interpolation points are 0, ±1, ±2 and ∞:
//   Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G  = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// Swift compiles for the SSE2 baseline, so the eight-tile paths are C with a function-level AVX2 target, asked of
// the CPU at run time; the same code with scalars serves the tiles left over (and the tests, through W/4 < 8).
#include "winograd4.h"
#include <stdlib.h>
#include <string.h>

void ssmtl_winograd4_weights(float *u, const float *weight, int o, int c, int kd) {
    static const double G[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                   {-1.0 / 6, 1.0 / 6, -1.0 / 6}, {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                   {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
    const long k = (long)kd * c;
    for (int oi = 0; oi < o; oi++)
        for (int ci = 0; ci < c; ci++)
            for (int kz = 0; kz < kd; kz++) {
                const float *g = weight + (((long)oi * c + ci) * kd + kz) * 9;
                double gg[6][3];   // G g, in double: the weights are transformed once per call
                for (int i = 0; i < 6; i++)
                    for (int col = 0; col < 3; col++)
                        gg[i][col] = G[i][0] * g[col] + G[i][1] * g[3 + col] + G[i][2] * g[6 + col];
                for (int i = 0; i < 6; i++)
                    for (int j = 0; j < 6; j++) {
                        double value = gg[i][0] * G[j][0] + gg[i][1] * G[j][1] + gg[i][2] * G[j][2];
                        u[((long)(6 * i + j) * o + oi) * k + (long)kz * c + ci] = (float)value;
                    }
            }
}

// Padded rows split into four phases: phase q of a row holds padded columns 4j + q, j = 0 ... W/4 + 1, so the
// column k of tile tx is phase k % 4 at index tx + k / 4, and eight neighbouring tiles read eight consecutive values.
static int phase_length(int w) { return w / 4 + 2; }
static long row_floats(int w) { return 4L * phase_length(w); }
long ssmtl_winograd4_input_scratch_floats(int h, int w) { return (long)(h + 2) * row_floats(w) + 8; }

static void split_phases(float *scratch, const float *src, int h, int w) {
    const int len = phase_length(w);
    const long stride = row_floats(w);
    // The zero rows above and below the frame, then each source row: padded column x = 4j + q is source column
    // x - 1, so phase 0 starts with the left zero and the phases end with zeros past column w.
    memset(scratch, 0, sizeof(float) * (size_t)stride);
    memset(scratch + (long)(h + 1) * stride, 0, sizeof(float) * (size_t)stride);
    for (int y = 0; y < h; y++) {
        float *row = scratch + (long)(y + 1) * stride;
        const float *s = src + (long)y * w;
        memset(row, 0, sizeof(float) * (size_t)stride);
        for (int q = 0; q < 4; q++) {
            float *phase = row + (long)q * len;
            // Phase q, index j: source column 4j + q - 1, inside the row for j from (q == 0) to (w - q) / 4.
            for (int j = (q == 0), x = 4 * j + q - 1; x < w; j++, x += 4) phase[j] = s[x];
        }
    }
}

// The transforms for T = one tile (float) or eight (__m256), written once with these operations.
#define WINOGRAD4_TILES(SUFFIX, T, TARGET, LOAD, STORE, ADD, SUB, MULC)                                               \
    TARGET static inline void input_tiles_##SUFFIX(float *const rows[6], int len, float *out, long xi_stride) {       \
        T u[6][6];   /* (Bᵀ d)[i][k] */                                                                              \
        for (int k = 0; k < 6; k++) {                                                                                \
            const long at = (long)(k % 4) * len + k / 4;                                                             \
            T x0 = LOAD(rows[0] + at), x1 = LOAD(rows[1] + at), x2 = LOAD(rows[2] + at);                             \
            T x3 = LOAD(rows[3] + at), x4 = LOAD(rows[4] + at), x5 = LOAD(rows[5] + at);                             \
            u[0][k] = ADD(SUB(MULC(x0, 4), MULC(x2, 5)), x4);                                                        \
            u[1][k] = SUB(ADD(x3, x4), MULC(ADD(x1, x2), 4));                                                        \
            u[2][k] = ADD(SUB(x4, x3), MULC(SUB(x1, x2), 4));                                                        \
            u[3][k] = ADD(SUB(x4, x2), MULC(SUB(x3, x1), 2));                                                        \
            u[4][k] = SUB(SUB(x4, x2), MULC(SUB(x3, x1), 2));                                                        \
            u[5][k] = ADD(SUB(MULC(x1, 4), MULC(x3, 5)), x5);                                                        \
        }                                                                                                            \
        for (int i = 0; i < 6; i++) {                                                                                \
            T x0 = u[i][0], x1 = u[i][1], x2 = u[i][2], x3 = u[i][3], x4 = u[i][4], x5 = u[i][5];                    \
            float *o = out + (long)(6 * i) * xi_stride;                                                              \
            STORE(o, ADD(SUB(MULC(x0, 4), MULC(x2, 5)), x4));                                                        \
            STORE(o + xi_stride, SUB(ADD(x3, x4), MULC(ADD(x1, x2), 4)));                                            \
            STORE(o + 2 * xi_stride, ADD(SUB(x4, x3), MULC(SUB(x1, x2), 4)));                                        \
            STORE(o + 3 * xi_stride, ADD(SUB(x4, x2), MULC(SUB(x3, x1), 2)));                                        \
            STORE(o + 4 * xi_stride, SUB(SUB(x4, x2), MULC(SUB(x3, x1), 2)));                                        \
            STORE(o + 5 * xi_stride, ADD(SUB(MULC(x1, 4), MULC(x3, 5)), x5));                                        \
        }                                                                                                            \
    }                                                                                                                \
    /* y[a][b] = (Aᵀ M A)[a][b] + bias of the tiles whose element ξ is at m + ξ * xi_stride. */                     \
    TARGET static inline void output_tiles_##SUFFIX(const float *m, long xi_stride, T bias, T y[4][4]) {              \
        T v[4][6];   /* (Aᵀ M)[a][j] */                                                                              \
        for (int j = 0; j < 6; j++) {                                                                                \
            T x0 = LOAD(m + (long)j * xi_stride), x1 = LOAD(m + (long)(6 + j) * xi_stride);                           \
            T x2 = LOAD(m + (long)(12 + j) * xi_stride), x3 = LOAD(m + (long)(18 + j) * xi_stride);                   \
            T x4 = LOAD(m + (long)(24 + j) * xi_stride), x5 = LOAD(m + (long)(30 + j) * xi_stride);                   \
            T p12 = ADD(x1, x2), m12 = SUB(x1, x2), p34 = ADD(x3, x4), m34 = SUB(x3, x4);                            \
            v[0][j] = ADD(ADD(x0, p12), p34);                                                                        \
            v[1][j] = ADD(m12, MULC(m34, 2));                                                                        \
            v[2][j] = ADD(p12, MULC(p34, 4));                                                                        \
            v[3][j] = ADD(ADD(m12, MULC(m34, 8)), x5);                                                               \
        }                                                                                                            \
        for (int a = 0; a < 4; a++) {                                                                                \
            T x0 = v[a][0], p12 = ADD(v[a][1], v[a][2]), m12 = SUB(v[a][1], v[a][2]);                                \
            T p34 = ADD(v[a][3], v[a][4]), m34 = SUB(v[a][3], v[a][4]);                                              \
            y[a][0] = ADD(ADD(ADD(x0, p12), p34), bias);                                                             \
            y[a][1] = ADD(ADD(m12, MULC(m34, 2)), bias);                                                             \
            y[a][2] = ADD(ADD(p12, MULC(p34, 4)), bias);                                                             \
            y[a][3] = ADD(ADD(ADD(m12, MULC(m34, 8)), v[a][5]), bias);                                               \
        }                                                                                                            \
    }

#define F_LOAD(p) (*(p))
#define F_STORE(p, x) (*(p) = (x))
#define F_ADD(a, b) ((a) + (b))
#define F_SUB(a, b) ((a) - (b))
#define F_MULC(a, c) ((a) * (float)(c))
WINOGRAD4_TILES(scalar, float, , F_LOAD, F_STORE, F_ADD, F_SUB, F_MULC)

#if defined(__x86_64__)
#include <immintrin.h>
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, x) _mm256_storeu_ps((p), (x))
#define V_MULC(a, c) _mm256_mul_ps((a), _mm256_set1_ps((float)(c)))
WINOGRAD4_TILES(avx2, __m256, __attribute__((target("avx2"))), V_LOAD, V_STORE, _mm256_add_ps, _mm256_sub_ps, V_MULC)

int ssmtl_winograd4_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
#define HAVE_AVX2_TILES 1
#else
int ssmtl_winograd4_available(void) { return 0; }
#define HAVE_AVX2_TILES 0
#endif

#if HAVE_AVX2_TILES
__attribute__((target("avx2")))
#endif
void ssmtl_winograd4_input_plane(float *v, long xi_stride, const float *src, int h, int w, float *scratch) {
    const int tw = w / 4, len = phase_length(w);
    const long stride = row_floats(w);
    split_phases(scratch, src, h, w);
    for (int ty = 0; ty < h / 4; ty++) {
        float *rows[6];
        for (int i = 0; i < 6; i++) rows[i] = scratch + (long)(4 * ty + i) * stride;
        float *out = v + (long)ty * tw;
        int tx = 0;
#if HAVE_AVX2_TILES
        for (; tx + 8 <= tw; tx += 8) {
            float *shifted[6];
            for (int i = 0; i < 6; i++) shifted[i] = rows[i] + tx;
            input_tiles_avx2(shifted, len, out + tx, xi_stride);
        }
#endif
        for (; tx < tw; tx++) {
            float *shifted[6];
            for (int i = 0; i < 6; i++) shifted[i] = rows[i] + tx;
            input_tiles_scalar(shifted, len, out + tx, xi_stride);
        }
    }
}

#if HAVE_AVX2_TILES
__attribute__((target("avx2")))
#endif
void ssmtl_winograd4_output_frame(float *out, long channel_stride, const float *m, long xi_stride, const float *bias,
                                  int o, int h, int w) {
    const int tw = w / 4, t = (h / 4) * tw;
    for (int k = 0; k < o; k++) {
        const float bo = bias ? bias[k] : 0;
        const float *src = m + (long)k * t;
        float *dst = out + (long)k * channel_stride;
        for (int ty = 0; ty < h / 4; ty++) {
            float *row = dst + (long)4 * ty * w;
            const float *p = src + (long)ty * tw;
            int tx = 0;
#if HAVE_AVX2_TILES
            for (; tx + 8 <= tw; tx += 8) {
                __m256 y[4][4];
                output_tiles_avx2(p + tx, xi_stride, _mm256_set1_ps(bo), y);
                // Each output row of the eight tiles: their columns 0 ... 3 interleaved, 32 values. Unpacking pairs
                // and then quadruples within 128-bit lanes gives (a0 b0 c0 d0 | a4 b4 c4 d4) and so on; the lane
                // permutes put them in order.
                for (int a = 0; a < 4; a++) {
                    __m256 ab_lo = _mm256_unpacklo_ps(y[a][0], y[a][1]), ab_hi = _mm256_unpackhi_ps(y[a][0], y[a][1]);
                    __m256 cd_lo = _mm256_unpacklo_ps(y[a][2], y[a][3]), cd_hi = _mm256_unpackhi_ps(y[a][2], y[a][3]);
                    __m256 t0 = _mm256_shuffle_ps(ab_lo, cd_lo, 0x44), t1 = _mm256_shuffle_ps(ab_lo, cd_lo, 0xEE);
                    __m256 t2 = _mm256_shuffle_ps(ab_hi, cd_hi, 0x44), t3 = _mm256_shuffle_ps(ab_hi, cd_hi, 0xEE);
                    float *r = row + (long)a * w + 4 * tx;
                    _mm256_storeu_ps(r, _mm256_permute2f128_ps(t0, t1, 0x20));
                    _mm256_storeu_ps(r + 8, _mm256_permute2f128_ps(t2, t3, 0x20));
                    _mm256_storeu_ps(r + 16, _mm256_permute2f128_ps(t0, t1, 0x31));
                    _mm256_storeu_ps(r + 24, _mm256_permute2f128_ps(t2, t3, 0x31));
                }
            }
#endif
            for (; tx < tw; tx++) {
                float y[4][4];
                output_tiles_scalar(p + tx, xi_stride, bo, y);
                for (int a = 0; a < 4; a++)
                    for (int b = 0; b < 4; b++) row[(long)a * w + 4 * tx + b] = y[a][b];
            }
        }
    }
}
