// Winograd F(4x4, 3x3) for inference's 3x3 convolutions (stride 1, padding 1): the weight, input and output
// transforms, with AVX2 for eight tiles at a time chosen at run time. See winograd4.c.
#ifndef SSMTL_WINOGRAD4_H
#define SSMTL_WINOGRAD4_H

/// 1 when this CPU runs the AVX2 paths, 0 otherwise (the caller then keeps F(2x2, 3x3)).
int ssmtl_winograd4_available(void);

/// u (36, O, KD*C) <- G g Gᵀ for every 3x3 slice g of weight (O, C, KD, 3, 3); column kz*C + c.
void ssmtl_winograd4_weights(float *u, const float *weight, int o, int c, int kd);

/// Floats of `scratch` for ssmtl_winograd4_input_plane.
long ssmtl_winograd4_input_scratch_floats(int h, int w);

/// V <- Bᵀ d B for every 6x6 tile (stride 4) of one zero-padded (padding 1) input plane `src` (H, W), H and W
/// multiples of 4: element ξ of tile t = ty * (W/4) + tx goes to v[ξ * xi_stride + t].
void ssmtl_winograd4_input_plane(float *v, long xi_stride, const float *src, int h, int w, float *scratch);

/// One output frame from the products M (36, O, T), T = (H/4)(W/4): out[o * channel_stride + y * W + x] =
/// (Aᵀ M_o A)[y, x] + bias[o] (bias may be NULL), where element ξ of tile t of channel o is m[ξ * xi_stride + o * T + t].
void ssmtl_winograd4_output_frame(float *out, long channel_stride, const float *m, long xi_stride, const float *bias,
                                  int o, int h, int w);

#endif
