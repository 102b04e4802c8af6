// Direct 3x3x3 convolution (stride 1, padding 1) for layers with few input channels (the RGB first layer), where
// the GEMM formulations are thin: their inner dimension is 27 per input channel and every output is written three
// times. See conv_direct.c.
#ifndef SSMTL_CONV_DIRECT_H
#define SSMTL_CONV_DIRECT_H

/// 1 when this CPU runs the AVX2 + FMA kernel, 0 otherwise (the caller then uses another path).
int ssmtl_conv333_available(void);

/// Floats of `weights` for `c` input and `o` output channels: (C, 3, 3, 3, O rounded up to 4).
long ssmtl_conv333_weight_floats(int c, int o);

/// Floats of `scratch` for one item: the zero-padded input frames and two output row blocks.
long ssmtl_conv333_scratch_floats(int c, int d, int h, int w);

/// weights (C, 3, 3, 3, O4) <- weight (O, C, 3, 3, 3), O4 = O rounded up to 4, the extra outputs zero.
void ssmtl_conv333_pack_weights(float *packed, const float *weight, int c, int o);

/// Output frames z0 ..< z1 of one item: out (O, D, H, W) = conv(inp (C, D, H, W), weight) + bias (may be NULL),
/// padding 1 in every dimension; the other frames of `out` are left untouched. `packed` from
/// ssmtl_conv333_pack_weights. Requires ssmtl_conv333_available().
void ssmtl_conv333_forward(float *out, float *scratch, const float *inp, const float *packed, const float *bias,
                           int c, int d, int h, int w, int o, int z0, int z1);

/// The same convolution followed by ReLU and 2x2 max pooling (stride 2) in one pass, without writing the full-size
/// output: out (O, D, H/2, W/2), output frames z0 ..< z1, H and W even. Equals ssmtl_conv333_forward followed by
/// max(0, max of each 2x2 window) bit for bit.
void ssmtl_conv333_forward_relu_pool2(float *out, float *scratch, const float *inp, const float *packed,
                                      const float *bias, int c, int d, int h, int w, int o, int z0, int z1);

#endif
