#ifndef RAGLINE_MINILM_KERNELS_H
#define RAGLINE_MINILM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Columns per packed weight panel; the micro-kernel computes 6 rows x 16 columns at a time.
#define RL_PANEL_WIDTH 16

/// 1 when the CPU has AVX2 and FMA (the fast micro-kernel runs), else 0 (portable loops run).
int rl_has_avx2_fma(void);

/// Floats needed to pack an n x k weight matrix (n rounded up to whole panels).
size_t rl_packed_size(int n, int k);

/// Packs W (n x k, row-major: PyTorch's [out, in] layout) into panels of 16 output columns, each k x 16
/// contiguous, so the kernel streams one panel from L1/L2 for every block of 6 input rows.
void rl_pack_weights(const float *w, int n, int k, float *packed);

/// y[m x n] = x[m x k] * W^T + bias, for panels [panel_begin, panel_end) (so threads can split n).
void rl_linear_packed(const float *x, int m, int k, const float *packed, int n, const float *bias,
                      float *y, int panel_begin, int panel_end);

/// y[i, :] += bias for every row.
void rl_add_bias(float *y, int m, int n, const float *bias);

/// x = LayerNorm(x + residual) per row of d values (residual may be NULL).
void rl_residual_layernorm(float *x, const float *residual, int m, int d, const float *gamma,
                           const float *beta, float eps);

/// Exact (erf) GELU in place, as BERT uses.
void rl_gelu(float *x, size_t n);

/// One attention head of one sequence. qkv rows are [Q | K | V] (3 * hidden wide); the first `valid` rows
/// are real tokens (padding rows get zeros). Writes head `head` of `out` (rows `hidden` wide).
/// `scratch` holds at least `rl_attention_scratch_size(valid, head_dim)` floats.
void rl_attention_head(const float *qkv, int valid, int seq, int hidden, int head, int head_dim, float *out,
                       float *scratch);

size_t rl_attention_scratch_size(int valid, int head_dim);

/// Word + position + token-type(0) embeddings of `count` tokens, then LayerNorm, into out[count x d].
void rl_embeddings(const int32_t *ids, int count, const float *word, const float *position,
                   const float *token_type, const float *gamma, const float *beta, float eps, int d,
                   float *out);

/// Mean over the first `valid` rows of h[seq x d], then L2 normalisation, into out[d].
void rl_mean_pool_normalize(const float *h, int valid, int d, float *out);

#endif
