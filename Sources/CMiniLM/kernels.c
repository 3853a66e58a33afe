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
/* R rows (1-6, a compile-time constant after inlining) x 16 columns in 2R ymm accumulators, started from
 * the bias (or zero); each k step loads one 16-wide panel row (two ymm) and broadcasts one x value per row.
 * Results go straight to y (rows `ldy` apart). Edge blocks get their own instantiation, so no FMA is spent
 * on rows that do not exist. */
__attribute__((target("avx2,fma"), always_inline))
static inline void micro_kernel_rows(const float *x, int k, const float *panel, const float *bias, float *y, int ldy, const int R) {
    __m256 c0[6], c1[6];
    const float *rows[6];
    const __m256 b0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    const __m256 b1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
    for (int r = 0; r < R; r++) {
        c0[r] = b0;
        c1[r] = b1;
        rows[r] = x + (size_t)r * k;
    }
    for (int kk = 0; kk < k; kk++) {
        __m256 w0 = _mm256_load_ps(panel + (size_t)kk * 16);
        __m256 w1 = _mm256_load_ps(panel + (size_t)kk * 16 + 8);
        for (int r = 0; r < R; r++) {
            __m256 a = _mm256_broadcast_ss(rows[r] + kk);
            c0[r] = _mm256_fmadd_ps(a, w0, c0[r]);
            c1[r] = _mm256_fmadd_ps(a, w1, c1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_storeu_ps(y + (size_t)r * ldy, c0[r]);
        _mm256_storeu_ps(y + (size_t)r * ldy + 8, c1[r]);
    }
}

__attribute__((target("avx2,fma")))
static void micro_kernel_avx2(const float *x, int rows, int k, const float *panel, const float *bias, float *y, int ldy) {
    switch (rows) {
    case 6: micro_kernel_rows(x, k, panel, bias, y, ldy, 6); break;
    case 5: micro_kernel_rows(x, k, panel, bias, y, ldy, 5); break;
    case 4: micro_kernel_rows(x, k, panel, bias, y, ldy, 4); break;
    case 3: micro_kernel_rows(x, k, panel, bias, y, ldy, 3); break;
    case 2: micro_kernel_rows(x, k, panel, bias, y, ldy, 2); break;
    default: micro_kernel_rows(x, k, panel, bias, y, ldy, 1); break;
    }
}
#endif

void rl_linear_packed(const float *x, int m, int k, const float *packed, int n, const float *bias,
                      float *y, int panel_begin, int panel_end) {
    static int use_avx2 = -1;
    if (use_avx2 < 0) use_avx2 = rl_has_avx2_fma();
    float acc[6 * RL_PANEL_WIDTH];
    /* Rows in blocks that stay in L2 while every panel of the range streams past them. */
    const int row_block = 120;
    for (int block = 0; block < m; block += row_block) {
        int block_end = m - block < row_block ? m : block + row_block;
        for (int p = panel_begin; p < panel_end; p++) {
            const float *panel = packed + (size_t)p * RL_PANEL_WIDTH * k;
            int column0 = p * RL_PANEL_WIDTH;
            int columns = n - column0 < RL_PANEL_WIDTH ? n - column0 : RL_PANEL_WIDTH;
            int block_rows = block_end - block;
            int groups = (block_rows + 5) / 6;
            for (int group = 0, row = block; group < groups; group++) {
                /* Even groups (14 rows: 5+5+4, not 6+6+2) keep every group's accumulators busy. */
                int rows = (block_rows - (row - block) + (groups - group) - 1) / (groups - group);
#if RL_X86
                if (use_avx2 && columns == RL_PANEL_WIDTH) {
                    /* A whole panel: the kernel adds the bias and writes y itself. */
                    micro_kernel_avx2(x + (size_t)row * k, rows, k, panel, bias ? bias + column0 : NULL,
                                      y + (size_t)row * n + column0, n);
                    row += rows;
                    continue;
                }
                if (use_avx2) micro_kernel_avx2(x + (size_t)row * k, rows, k, panel, NULL, acc, RL_PANEL_WIDTH);
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
                row += rows;
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

static void residual_layernorm_portable(float *x, const float *residual, int m, int d, const float *gamma,
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

#if RL_X86
__attribute__((target("avx2,fma")))
static inline float sum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* The same two passes (mean, then variance of the centred values) with 8-wide partial sums; d % 8 == 0. */
__attribute__((target("avx2,fma")))
static void residual_layernorm_avx2(float *x, const float *residual, int m, int d, const float *gamma,
                                    const float *beta, float eps) {
    for (int i = 0; i < m; i++) {
        float *row = x + (size_t)i * d;
        __m256 total = _mm256_setzero_ps();
        for (int j = 0; j < d; j += 8) {
            __m256 v = _mm256_loadu_ps(row + j);
            if (residual) {
                v = _mm256_add_ps(v, _mm256_loadu_ps(residual + (size_t)i * d + j));
                _mm256_storeu_ps(row + j, v);
            }
            total = _mm256_add_ps(total, v);
        }
        const __m256 mean = _mm256_set1_ps(sum256(total) / (float)d);
        __m256 squares = _mm256_setzero_ps();
        for (int j = 0; j < d; j += 8) {
            __m256 centered = _mm256_sub_ps(_mm256_loadu_ps(row + j), mean);
            squares = _mm256_fmadd_ps(centered, centered, squares);
        }
        const __m256 inverse = _mm256_set1_ps(1.0f / sqrtf(sum256(squares) / (float)d + eps));
        for (int j = 0; j < d; j += 8) {
            __m256 normalised = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + j), mean), inverse);
            _mm256_storeu_ps(row + j, _mm256_fmadd_ps(normalised, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
        }
    }
}
#endif

void rl_residual_layernorm(float *x, const float *residual, int m, int d, const float *gamma,
                           const float *beta, float eps) {
#if RL_X86
    static int use_avx2 = -1;
    if (use_avx2 < 0) use_avx2 = rl_has_avx2_fma();
    if (use_avx2 && d % 8 == 0) {
        residual_layernorm_avx2(x, residual, m, d, gamma, beta, eps);
        return;
    }
#endif
    residual_layernorm_portable(x, residual, m, d, gamma, beta, eps);
}

#if RL_X86
typedef int rl_i8 __attribute__((vector_size(32)));
typedef int rl_i16 __attribute__((vector_size(64)));

/* exp(x) lane by lane, one definition for each vector width: range reduction to 2^n * e^r, |r| <= ln2/2,
 * degree-6 polynomial (Cephes expf), relative error about 1.2e-7 over the float range. Written with
 * vector extensions, so the compiler emits the FMAs of the target. */
#define RL_DEFINE_EXP(name, vf, vi, features)                                                                   \
    __attribute__((target(features))) static inline vf name(vf x) {                                            \
        const vf zero = {0};                                                                                    \
        x = __builtin_elementwise_min(__builtin_elementwise_max(x, zero - 88.3762626647949f), zero + 88.3762626647949f); \
        vf fx = __builtin_elementwise_floor(x * 1.44269504088896341f + 0.5f);                                   \
        x = x - fx * 0.693359375f;                                                                              \
        x = x - fx * -2.12194440e-4f;                                                                           \
        vf y = zero + 1.9875691500E-4f;                                                                         \
        y = y * x + 1.3981999507E-3f;                                                                           \
        y = y * x + 8.3334519073E-3f;                                                                           \
        y = y * x + 4.1665795894E-2f;                                                                           \
        y = y * x + 1.6666665459E-1f;                                                                           \
        y = y * x + 5.0000001201E-1f;                                                                           \
        y = y * (x * x) + (x + 1.0f);                                                                           \
        vi n = (__builtin_convertvector(fx, vi) + 127) << 23;                                                   \
        return y * (vf)n;                                                                                       \
    }

RL_DEFINE_EXP(exp256, __m256, rl_i8, "avx2,fma")
RL_DEFINE_EXP(exp512, __m512, rl_i16, "avx512f")

/* GELU(x) = x/2 (1 + erf(x/sqrt2)), erf by Abramowitz-Stegun 7.1.26 (absolute error <= 1.5e-7). */
__attribute__((target("avx2,fma")))
static void gelu_avx2(float *x, size_t n) {
    const __m256 sign_mask = _mm256_set1_ps(-0.0f);
    const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
    const __m256 p = _mm256_set1_ps(0.3275911f);
    const __m256 a1 = _mm256_set1_ps(0.254829592f), a2 = _mm256_set1_ps(-0.284496736f), a3 = _mm256_set1_ps(1.421413741f),
                 a4 = _mm256_set1_ps(-1.453152027f), a5 = _mm256_set1_ps(1.061405429f);
    const __m256 inverse_sqrt2 = _mm256_set1_ps(0.70710678118654752f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 z = _mm256_mul_ps(v, inverse_sqrt2);
        __m256 sign = _mm256_and_ps(z, sign_mask);
        __m256 az = _mm256_andnot_ps(sign_mask, z);
        __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(p, az, one));
        __m256 poly = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_fmadd_ps(a5, t, a4), t, a3), t, a2), t, a1);
        poly = _mm256_mul_ps(poly, t);
        __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(az, az)));
        __m256 erf_abs = _mm256_fnmadd_ps(poly, e, one);
        __m256 erf = _mm256_or_ps(erf_abs, sign);
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, erf)));
    }
    const float inverse = 0.70710678118654752f;
    for (; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * inverse));
}
#endif

void rl_gelu(float *x, size_t n) {
#if RL_X86
    static int use_avx2 = -1;
    if (use_avx2 < 0) use_avx2 = rl_has_avx2_fma();
    if (use_avx2) {
        gelu_avx2(x, n);
        return;
    }
#endif
    const float inverse_sqrt2 = 0.70710678118654752f;
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * inverse_sqrt2));
}

/* scores[j] = exp(scores[j] - maximum); returns their sum. */
typedef float (*exp_sum_fn)(float *scores, int count, float maximum);

static float exp_sum_portable(float *scores, int count, float maximum) {
    float sum = 0.0f;
    for (int j = 0; j < count; j++) {
        scores[j] = expf(scores[j] - maximum);
        sum += scores[j];
    }
    return sum;
}

#if RL_X86
__attribute__((target("avx2,fma")))
static float exp_sum_avx2(float *scores, int count, float maximum) {
    int j = 0;
    __m256 m = _mm256_set1_ps(maximum);
    __m256 total = _mm256_setzero_ps();
    for (; j + 8 <= count; j += 8) {
        __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(scores + j), m));
        _mm256_storeu_ps(scores + j, e);
        total = _mm256_add_ps(total, e);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, total);
    float sum = 0.0f;
    for (int l = 0; l < 8; l++) sum += lanes[l];
    for (; j < count; j++) {
        scores[j] = expf(scores[j] - maximum);
        sum += scores[j];
    }
    return sum;
}
#endif

/* Attention for one head, written so that every inner loop runs over contiguous memory without a
 * reduction (the compiler vectorises it): K is transposed into scratch first, scores accumulate over
 * the head dimension 8 keys at a time, and the output accumulates p * v rows. */
static inline __attribute__((always_inline)) void attention_body(const float *qkv, int valid, int seq, int hidden,
                                                                 int head, int head_dim, float *out, float *scratch,
                                                                 exp_sum_fn exp_sum) {
    const int width = 3 * hidden;
    const float scale = 1.0f / sqrtf((float)head_dim);
    const int offset = head * head_dim;
    float *kt = scratch;                       /* head_dim x valid */
    float *scores = scratch + (size_t)head_dim * valid; /* valid (+7 padding) */
    for (int j = 0; j < valid; j++) {
        const float *k = qkv + (size_t)j * width + hidden + offset;
        for (int t = 0; t < head_dim; t++) kt[(size_t)t * valid + j] = k[t];
    }
    for (int i = 0; i < valid; i++) {
        const float *q = qkv + (size_t)i * width + offset;
        for (int j = 0; j < valid; j++) scores[j] = 0.0f;
        for (int t = 0; t < head_dim; t++) {
            const float qt = q[t] * scale;
            const float *row = kt + (size_t)t * valid;
            for (int j = 0; j < valid; j++) scores[j] += qt * row[j];
        }
        float maximum = -INFINITY;
        for (int j = 0; j < valid; j++) maximum = scores[j] > maximum ? scores[j] : maximum;
        const float sum = exp_sum(scores, valid, maximum);
        const float inverse = 1.0f / sum;
        float *o = out + (size_t)i * hidden + offset;
        for (int t = 0; t < head_dim; t++) o[t] = 0.0f;
        for (int j = 0; j < valid; j++) {
            const float pj = scores[j] * inverse;
            const float *v = qkv + (size_t)j * width + 2 * hidden + offset;
            for (int t = 0; t < head_dim; t++) o[t] += pj * v[t];
        }
    }
    for (int i = valid; i < seq; i++) memset(out + (size_t)i * hidden + offset, 0, sizeof(float) * (size_t)head_dim);
}

#if RL_X86
__attribute__((target("avx2,fma")))
static void attention_avx2(const float *qkv, int valid, int seq, int hidden, int head, int head_dim, float *out, float *scratch) {
    attention_body(qkv, valid, seq, hidden, head, head_dim, out, scratch, exp_sum_avx2);
}
#endif

static void attention_portable(const float *qkv, int valid, int seq, int hidden, int head, int head_dim, float *out, float *scratch) {
    attention_body(qkv, valid, seq, hidden, head, head_dim, out, scratch, exp_sum_portable);
}

#if RL_X86
static int rl_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

/* One head of a sequence of at most 32 tokens with head_dim a multiple of 16 (at most 64): the scores of a
 * query row against every key fit one or two registers, so softmax is a few vector operations, and the
 * output row (head_dim / 16 registers) accumulates p_j * v_j. */
__attribute__((target("avx512f")))
static void attention_short_avx512(const float *qkv, int valid, int seq, int hidden, int head, int head_dim, float *out, float *scratch) {
    const int width = 3 * hidden;
    const float scale = 1.0f / sqrtf((float)head_dim);
    const int offset = head * head_dim;
    const int chunks = (valid + 15) / 16; /* 1 or 2 */
    const int stride = chunks * 16;
    __mmask16 masks[2];
    for (int c = 0; c < 2; c++) {
        int left = valid - c * 16;
        masks[c] = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1u);
    }
    float *kt = scratch; /* head_dim rows of `stride` keys, zero past `valid` (scratch need not be aligned) */
    memset(kt, 0, sizeof(float) * (size_t)head_dim * stride);
    for (int j = 0; j < valid; j++) {
        const float *k = qkv + (size_t)j * width + hidden + offset;
        for (int t = 0; t < head_dim; t++) kt[t * stride + j] = k[t];
    }
    const int blocks = head_dim / 16;
    float p[32] __attribute__((aligned(64)));
    for (int i = 0; i < valid; i++) {
        const float *q = qkv + (size_t)i * width + offset;
        __m512 s[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int t = 0; t < head_dim; t++) {
            const __m512 qt = _mm512_set1_ps(q[t] * scale);
            for (int c = 0; c < chunks; c++) s[c] = _mm512_fmadd_ps(qt, _mm512_loadu_ps(kt + t * stride + c * 16), s[c]);
        }
        __m512 top = _mm512_set1_ps(-INFINITY);
        for (int c = 0; c < chunks; c++) top = _mm512_max_ps(top, _mm512_mask_blend_ps(masks[c], _mm512_set1_ps(-INFINITY), s[c]));
        const __m512 maximum = _mm512_set1_ps(_mm512_reduce_max_ps(top));
        __m512 total = _mm512_setzero_ps();
        for (int c = 0; c < chunks; c++) {
            s[c] = _mm512_maskz_mov_ps(masks[c], exp512(_mm512_sub_ps(s[c], maximum)));
            total = _mm512_add_ps(total, s[c]);
        }
        const __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(total));
        for (int c = 0; c < chunks; c++) _mm512_store_ps(p + c * 16, _mm512_mul_ps(s[c], inverse));
        __m512 o[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int j = 0; j < valid; j++) {
            const float *v = qkv + (size_t)j * width + 2 * hidden + offset;
            const __m512 pj = _mm512_set1_ps(p[j]);
            for (int b = 0; b < blocks; b++) o[b] = _mm512_fmadd_ps(pj, _mm512_loadu_ps(v + b * 16), o[b]);
        }
        float *row = out + (size_t)i * hidden + offset;
        for (int b = 0; b < blocks; b++) _mm512_storeu_ps(row + b * 16, o[b]);
    }
    for (int i = valid; i < seq; i++) memset(out + (size_t)i * hidden + offset, 0, sizeof(float) * (size_t)head_dim);
}
#endif

/* Short sequences (a question) take the AVX-512 path, whose scores fit one or two registers. */
static int attention_is_short(int valid, int head_dim) {
    return valid <= 32 && head_dim % 16 == 0 && head_dim <= 64;
}

size_t rl_attention_scratch_size(int valid, int head_dim) {
    size_t general = (size_t)head_dim * (size_t)valid + (size_t)valid + 8;
    size_t short_path = attention_is_short(valid, head_dim) ? (size_t)head_dim * (size_t)((valid + 15) / 16 * 16) : 0;
    return general > short_path ? general : short_path;
}

void rl_attention_head(const float *qkv, int valid, int seq, int hidden, int head, int head_dim, float *out,
                       float *scratch) {
#if RL_X86
    static int use_avx2 = -1, use_avx512 = -1;
    if (use_avx2 < 0) use_avx2 = rl_has_avx2_fma();
    if (use_avx512 < 0) use_avx512 = rl_has_avx512();
    if (use_avx512 && valid > 0 && attention_is_short(valid, head_dim)) {
        attention_short_avx512(qkv, valid, seq, hidden, head, head_dim, out, scratch);
        return;
    }
    if (use_avx2) {
        attention_avx2(qkv, valid, seq, hidden, head, head_dim, out, scratch);
        return;
    }
#endif
    attention_portable(qkv, valid, seq, hidden, head, head_dim, out, scratch);
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
