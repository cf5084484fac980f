// Writes reference outputs of ggml-cpu's own activation quantizers and dot products, for
// dev.pith.core.kernel.GgmlOracleTest. Inputs are not stored: both sides generate them with the
// same SplitMix64 stream, using only exact float operations.
//
// Build against a ggml checkout, e.g. ggml-org/ggml at d99724f2b141fed9e1a9f402213506c081433465,
// with the instruction sets of ggml's "sapphirerapids" CPU variant (what llama.cpp's x86 release
// builds load on this CPU; AMX is left out as it does not change vec_dot):
//   cmake -S ggml -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF \
//     -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=ON \
//     -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON
//   cmake --build build --target ggml-cpu ggml-base
// (A -DGGML_NATIVE=ON build on a CPU with AVX512-FP16 gives the same bytes and results except for
// F16 dot products, which it accumulates in fp16 lanes instead of fp32.)
// then
//   cc -O2 -ffp-contract=off ggml_oracle.c -Iggml/include build/src/libggml-cpu.a build/src/libggml-base.a -lm -lpthread -fopenmp -lstdc++ -o ggml_oracle
//   ./ggml_oracle > ggml-oracle.txt
#include "ggml.h"
#include "ggml-cpu.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static uint64_t state;

static uint64_t next(void) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// Uniform in [-1, 1), exactly representable.
static float uniform(void) { return (float)(next() >> 40) * 0x1p-23f - 1.0f; }

// A block scale in +-[2^-25, 2^-5], exactly representable.
static float scale(void) {
    uint64_t r = next();
    float s = (float)(1 + (r >> 44)) * 0x1p-25f;
    return (r & 1) ? -s : s;
}

#define COLS 512
#define ROWS 4
#define NVEC 3

static void make_x(float * x, int v) {
    for (int i = 0; i < COLS; i++) {
        if (v == 0) x[i] = uniform();
        // Multiples of 0.5 with 127 somewhere in each block of 32: with 127/amax = 1, every
        // half-integer is a rounding tie.
        else if (v == 1) x[i] = (i % 32 == 7) ? 127.0f : (float)((int64_t)(next() % 509) - 254) * 0.5f;
        // A wide dynamic range: blocks scaled by 2^20 and 2^-20 in turn (the small blocks' Q8_0
        // scale underflows fp16 to zero).
        else x[i] = uniform() * ((i / 32) % 2 ? 0x1p-20f : 0x1p20f);
    }
}

#define QROWS 64

// Row r of the quantizer input: uniform; uniform scaled by 2^-(r%20); quarter-integers in [-4, 4]
// (many ties and repeats); alternating all-zero and tiny (uniform * 1e-3) blocks.
static void make_quant_input(float * src) {
    state = 7;
    for (int r = 0; r < QROWS; r++) {
        for (int i = 0; i < COLS; i++) {
            float v;
            switch (r % 4) {
                case 0: v = uniform(); break;
                case 1: v = uniform() * (1.0f / (float)(1 << (r % 20))); break;
                case 2: v = (float)((int64_t)(next() % 33) - 16) * 0.25f; break;
                default: v = ((i / 32) % 2) ? uniform() * 1e-3f : 0.0f; break;
            }
            src[r * COLS + i] = v;
        }
    }
}

static uint64_t fnv1a(const uint8_t * p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ULL; }
    return h;
}

static void hex(const void * p, size_t n) {
    const uint8_t * b = p;
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static void put_half(uint8_t * p, float f) { ggml_fp16_t h = ggml_fp32_to_fp16(f); memcpy(p, &h, 2); }

static int half_fields(enum ggml_type t, int * f) {
    switch (t) {
        case GGML_TYPE_Q8_0: case GGML_TYPE_Q4_0: case GGML_TYPE_Q5_0: f[0] = 0; return 1;
        case GGML_TYPE_Q4_1: case GGML_TYPE_Q5_1: case GGML_TYPE_Q4_K: case GGML_TYPE_Q5_K: f[0] = 0; f[1] = 2; return 2;
        case GGML_TYPE_Q2_K: f[0] = 80; f[1] = 82; return 2;
        case GGML_TYPE_Q3_K: f[0] = 108; return 1;
        case GGML_TYPE_Q6_K: f[0] = 208; return 1;
        default: return 0;
    }
}

int main(void) {
    ggml_cpu_init();
    const enum ggml_type acts[] = {GGML_TYPE_Q8_0, GGML_TYPE_Q8_1, GGML_TYPE_Q8_K};
    const enum ggml_type weights[] = {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0,
        GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K,
        GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
    float x[NVEC][COLS];
    state = 1;
    for (int v = 0; v < NVEC; v++) make_x(x[v], v);

    static uint8_t buf[COLS * 8];
    for (int a = 0; a < 3; a++) {
        const struct ggml_type_traits_cpu * tr = ggml_get_type_traits_cpu(acts[a]);
        for (int v = 0; v < NVEC; v++) {
            tr->from_float(x[v], buf, COLS);
            printf("act %s %d ", ggml_type_name(acts[a]), v);
            hex(buf, ggml_row_size(acts[a], COLS));
            printf("\n");
        }
    }
    // Weight reference quantizer (llama-quantize's path without an importance matrix).
    for (int v = 0; v < NVEC; v++) {
        ggml_quantize_chunk(GGML_TYPE_Q4_0, x[v], buf, 0, 1, COLS, NULL);
        printf("weight q4_0 %d ", v);
        hex(buf, ggml_row_size(GGML_TYPE_Q4_0, COLS));
        printf("\n");
    }

    // Every reference weight quantizer on 64 rows of 512 values of four kinds, as one FNV-1a hash each.
    {
        static float src[QROWS * COLS];
        static uint8_t dst[QROWS * COLS * 2];
        make_quant_input(src);
        const enum ggml_type qtypes[] = {GGML_TYPE_Q8_0, GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1,
            GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
        for (size_t q = 0; q < sizeof(qtypes) / sizeof(qtypes[0]); q++) {
            size_t n = ggml_quantize_chunk(qtypes[q], src, dst, 0, QROWS, COLS, NULL);
            printf("quant %s %016llx\n", ggml_type_name(qtypes[q]), (unsigned long long) fnv1a(dst, n));
        }
    }

    // A Q4_0 block on which a fused x*id + 8.5 and the separately rounded one truncate differently:
    // it shows which of the two ggml's reference quantizer computes on this build.
    {
        float blk[32];
        state = 99;
        for (long tries = 0; tries < 100000000L; tries++) {
            float amax = 0, max = 0;
            for (int j = 0; j < 32; j++) {
                blk[j] = uniform();
                if (amax < fabsf(blk[j])) { amax = fabsf(blk[j]); max = blk[j]; }
            }
            const float d = max / -8, id = d ? 1.0f / d : 0.0f;
            int differs = 0;
            for (int j = 0; j < 32; j++) {
                const float prod = blk[j] * id;
                if ((int8_t)(prod + 8.5f) != (int8_t)fmaf(blk[j], id, 8.5f)) differs = 1;
            }
            if (differs) break;
        }
        ggml_quantize_chunk(GGML_TYPE_Q4_0, blk, buf, 0, 1, 32, NULL);
        printf("q4_0-edge ");
        hex(blk, sizeof(blk));
        printf(" ");
        hex(buf, ggml_row_size(GGML_TYPE_Q4_0, 32));
        printf("\n");
    }

    for (size_t k = 0; k < sizeof(weights) / sizeof(weights[0]); k++) {
        enum ggml_type t = weights[k];
        size_t row = ggml_row_size(t, COLS);
        uint8_t * w = malloc(row * ROWS);
        state = 1000 + k;
        if (t == GGML_TYPE_F32) { for (int i = 0; i < COLS * ROWS; i++) { float f = uniform(); memcpy(w + 4 * i, &f, 4); } }
        else if (t == GGML_TYPE_F16) { for (int i = 0; i < COLS * ROWS; i++) put_half(w + 2 * i, uniform()); }
        else if (t == GGML_TYPE_BF16) { for (int i = 0; i < COLS * ROWS; i++) { ggml_bf16_t h = ggml_fp32_to_bf16(uniform()); memcpy(w + 2 * i, &h, 2); } }
        else {
            for (size_t i = 0; i < row * ROWS; i++) w[i] = (uint8_t)(next() >> 56);
            int f[2];
            int nf = half_fields(t, f);
            size_t bb = ggml_type_size(t);
            for (size_t b = 0; b < row * ROWS / bb; b++) for (int j = 0; j < nf; j++) put_half(w + b * bb + f[j], scale());
        }
        const struct ggml_type_traits_cpu * tr = ggml_get_type_traits_cpu(t);
        const struct ggml_type_traits_cpu * trx = ggml_get_type_traits_cpu(tr->vec_dot_type);
        for (int v = 0; v < NVEC; v++) {
            if (tr->vec_dot_type == GGML_TYPE_F32) memcpy(buf, x[v], sizeof(x[v]));
            else trx->from_float(x[v], buf, COLS);
            for (int r = 0; r < ROWS; r++) {
                float s;
                tr->vec_dot(COLS, &s, 0, w + r * row, 0, buf, 0, 1);
                uint32_t bits;
                memcpy(&bits, &s, 4);
                printf("dot %s %d %d %08x %.9g\n", ggml_type_name(t), v, r, bits, s);
            }
        }
        free(w);
    }
    return 0;
}
