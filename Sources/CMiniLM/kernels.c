#include "minilm_kernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define RL_X86 1
#else
#define RL_X86 0
#endif

int rl_has_avx2_fma(void) {
#if RL_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

size_t rl_packed_size(int n, int k) {
    int panels = (n + RL_PANEL_WIDTH - 1) / RL_PANEL_WIDTH;
    return (size_t)panels * RL_PANEL_WIDTH * (size_t)k;
}

void rl_pack_weights(const float *w, int n, int k, float *packed) {
    int panels = (n + RL_PANEL_WIDTH - 1) / RL_PANEL_WIDTH;
    for (int p = 0; p < panels; p++) {
        float *panel = packed + (size_t)p * RL_PANEL_WIDTH * k;
        for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < RL_PANEL_WIDTH; j++) {
                int column = p * RL_PANEL_WIDTH + j;
                panel[(size_t)kk * RL_PANEL_WIDTH + j] = column < n ? w[(size_t)column * k + kk] : 0.0f;
            }
        }
    }
}

/* Portable micro-kernel: rows [row, row + rows) x one panel. */
static void micro_kernel_portable(const float *x, int rows, int k, const float *panel, float *acc) {
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < RL_PANEL_WIDTH; j++) acc[r * RL_PANEL_WIDTH + j] = 0.0f;
        const float *xr = x + (size_t)r * k;
        for (int kk = 0; kk < k; kk++) {
            float a = xr[kk];
            const float *b = panel + (size_t)kk * RL_PANEL_WIDTH;
            for (int j = 0; j < RL_PANEL_WIDTH; j++) acc[r * RL_PANEL_WIDTH + j] += a * b[j];
        }
    }
}

#if RL_X86
/* 6 rows x 16 columns held in 12 ymm accumulators; each k step loads one 16-wide panel row (two ymm)
 * and broadcasts one x value per row. */
__attribute__((target("avx2,fma")))
static void micro_kernel_avx2(const float *x, int rows, int k, const float *panel, float *acc) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    const float *x0 = x, *x1 = x + k, *x2 = x + 2 * (size_t)k, *x3 = x + 3 * (size_t)k, *x4 = x + 4 * (size_t)k,
                *x5 = x + 5 * (size_t)k;
    if (rows == 6) {
        for (int kk = 0; kk < k; kk++) {
            __m256 b0 = _mm256_load_ps(panel + (size_t)kk * 16);
            __m256 b1 = _mm256_load_ps(panel + (size_t)kk * 16 + 8);
            __m256 a;
            a = _mm256_broadcast_ss(x0 + kk); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
            a = _mm256_broadcast_ss(x1 + kk); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
            a = _mm256_broadcast_ss(x2 + kk); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
            a = _mm256_broadcast_ss(x3 + kk); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
            a = _mm256_broadcast_ss(x4 + kk); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
            a = _mm256_broadcast_ss(x5 + kk); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
        }
    } else {
        /* Fewer rows at the bottom edge: point the missing rows at row 0 and drop their results. */
        if (rows < 2) x1 = x0;
        if (rows < 3) x2 = x0;
        if (rows < 4) x3 = x0;
        if (rows < 5) x4 = x0;
        if (rows < 6) x5 = x0;
        for (int kk = 0; kk < k; kk++) {
            __m256 b0 = _mm256_load_ps(panel + (size_t)kk * 16);
            __m256 b1 = _mm256_load_ps(panel + (size_t)kk * 16 + 8);
            __m256 a;
            a = _mm256_broadcast_ss(x0 + kk); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
            a = _mm256_broadcast_ss(x1 + kk); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
            a = _mm256_broadcast_ss(x2 + kk); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
            a = _mm256_broadcast_ss(x3 + kk); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
            a = _mm256_broadcast_ss(x4 + kk); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
            a = _mm256_broadcast_ss(x5 + kk); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
        }
    }
    _mm256_storeu_ps(acc + 0, c00); _mm256_storeu_ps(acc + 8, c01);
    _mm256_storeu_ps(acc + 16, c10); _mm256_storeu_ps(acc + 24, c11);
    _mm256_storeu_ps(acc + 32, c20); _mm256_storeu_ps(acc + 40, c21);
    _mm256_storeu_ps(acc + 48, c30); _mm256_storeu_ps(acc + 56, c31);
    _mm256_storeu_ps(acc + 64, c40); _mm256_storeu_ps(acc + 72, c41);
    _mm256_storeu_ps(acc + 80, c50); _mm256_storeu_ps(acc + 88, c51);
}
#endif

void rl_linear_packed(const float *x, int m, int k, const float *packed, int n, const float *bias,
                      float *y, int panel_begin, int panel_end) {
    static int use_avx2 = -1;
    if (use_avx2 < 0) use_avx2 = rl_has_avx2_fma();
    float acc[6 * RL_PANEL_WIDTH];
    for (int p = panel_begin; p < panel_end; p++) {
        const float *panel = packed + (size_t)p * RL_PANEL_WIDTH * k;
        int column0 = p * RL_PANEL_WIDTH;
        int columns = n - column0 < RL_PANEL_WIDTH ? n - column0 : RL_PANEL_WIDTH;
        for (int row = 0; row < m; row += 6) {
            int rows = m - row < 6 ? m - row : 6;
#if RL_X86
            if (use_avx2) micro_kernel_avx2(x + (size_t)row * k, rows, k, panel, acc);
            else micro_kernel_portable(x + (size_t)row * k, rows, k, panel, acc);
#else
            micro_kernel_portable(x + (size_t)row * k, rows, k, panel, acc);
#endif
            for (int r = 0; r < rows; r++) {
                float *out = y + (size_t)(row + r) * n + column0;
                const float *a = acc + r * RL_PANEL_WIDTH;
                if (bias) {
                    for (int j = 0; j < columns; j++) out[j] = a[j] + bias[column0 + j];
                } else {
                    for (int j = 0; j < columns; j++) out[j] = a[j];
                }
            }
        }
    }
}

void rl_add_bias(float *y, int m, int n, const float *bias) {
    for (int i = 0; i < m; i++) {
        float *row = y + (size_t)i * n;
        for (int j = 0; j < n; j++) row[j] += bias[j];
    }
}

void rl_residual_layernorm(float *x, const float *residual, int m, int d, const float *gamma,
                           const float *beta, float eps) {
    for (int i = 0; i < m; i++) {
        float *row = x + (size_t)i * d;
        if (residual) {
            const float *res = residual + (size_t)i * d;
            for (int j = 0; j < d; j++) row[j] += res[j];
        }
        float mean = 0.0f;
        for (int j = 0; j < d; j++) mean += row[j];
        mean /= (float)d;
        float variance = 0.0f;
        for (int j = 0; j < d; j++) {
            float centered = row[j] - mean;
            variance += centered * centered;
        }
        variance /= (float)d;
        float inverse = 1.0f / sqrtf(variance + eps);
        for (int j = 0; j < d; j++) row[j] = (row[j] - mean) * inverse * gamma[j] + beta[j];
    }
}

void rl_gelu(float *x, size_t n) {
    const float inverse_sqrt2 = 0.70710678118654752f;
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * inverse_sqrt2));
}

void rl_attention_head(const float *qkv, int valid, int seq, int hidden, int head, int head_dim, float *out,
                       float *scratch) {
    const int width = 3 * hidden;
    const float scale = 1.0f / sqrtf((float)head_dim);
    const int offset = head * head_dim;
    for (int i = 0; i < valid; i++) {
        const float *q = qkv + (size_t)i * width + offset;
        float maximum = -INFINITY;
        for (int j = 0; j < valid; j++) {
            const float *kv = qkv + (size_t)j * width + hidden + offset;
            float dot = 0.0f;
            for (int t = 0; t < head_dim; t++) dot += q[t] * kv[t];
            dot *= scale;
            scratch[j] = dot;
            if (dot > maximum) maximum = dot;
        }
        float sum = 0.0f;
        for (int j = 0; j < valid; j++) {
            scratch[j] = expf(scratch[j] - maximum);
            sum += scratch[j];
        }
        float inverse = 1.0f / sum;
        float *o = out + (size_t)i * hidden + offset;
        for (int t = 0; t < head_dim; t++) o[t] = 0.0f;
        for (int j = 0; j < valid; j++) {
            const float *v = qkv + (size_t)j * width + 2 * hidden + offset;
            float p = scratch[j] * inverse;
            for (int t = 0; t < head_dim; t++) o[t] += p * v[t];
        }
    }
    for (int i = valid; i < seq; i++) {
        memset(out + (size_t)i * hidden + offset, 0, sizeof(float) * (size_t)head_dim);
    }
}

void rl_embeddings(const int32_t *ids, int count, const float *word, const float *position,
                   const float *token_type, const float *gamma, const float *beta, float eps, int d,
                   float *out) {
    for (int i = 0; i < count; i++) {
        float *row = out + (size_t)i * d;
        const float *w = word + (size_t)ids[i] * d;
        const float *p = position + (size_t)i * d;
        for (int j = 0; j < d; j++) row[j] = w[j] + p[j] + token_type[j];
    }
    rl_residual_layernorm(out, NULL, count, d, gamma, beta, eps);
}

void rl_mean_pool_normalize(const float *h, int valid, int d, float *out) {
    for (int j = 0; j < d; j++) out[j] = 0.0f;
    for (int i = 0; i < valid; i++) {
        const float *row = h + (size_t)i * d;
        for (int j = 0; j < d; j++) out[j] += row[j];
    }
    float norm = 0.0f;
    for (int j = 0; j < d; j++) {
        out[j] /= (float)(valid > 0 ? valid : 1);
        norm += out[j] * out[j];
    }
    norm = sqrtf(norm);
    if (norm > 1e-12f) {
        for (int j = 0; j < d; j++) out[j] /= norm;
    }
}
