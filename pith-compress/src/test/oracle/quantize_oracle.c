/*
 * Oracle for Pith's quantizer tests: runs llama.cpp's own llama_model_quantize (from the
 * libllama.so that node-llama-cpp 3.21.1 ships, llama.cpp release v0.4.0) on a GGUF file.
 *
 *   quantize_oracle IN OUT FTYPE [IMATRIX_RAW] [PATTERN=GGMLTYPE ...]
 *
 * FTYPE is llama.cpp's enum llama_ftype number. IMATRIX_RAW (or "-" for none) is a simple file
 * written by the test: int32 count, then per entry int32 name length, name bytes, int32 n,
 * n float32 values (already per-column means, what llama_model_quantize expects).
 * PATTERN=GGMLTYPE are --tensor-type overrides (ggml type numbers).
 *
 * Only the few declarations of llama.h (v0.4.0) that this program uses are repeated here, so it
 * compiles with gcc alone against the shipped shared library.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct llama_model_imatrix_data { const char *name; const float *data; size_t size; };
struct llama_model_tensor_override { const char *pattern; int type; };

typedef struct llama_model_quantize_params {
    int32_t nthread;
    int ftype;
    int output_tensor_type;
    int token_embedding_type;
    bool allow_requantize;
    bool quantize_output_tensor;
    bool only_copy;
    bool pure;
    bool keep_split;
    bool dry_run;
    const struct llama_model_imatrix_data *imatrix;
    const void *kv_overrides;
    const struct llama_model_tensor_override *tt_overrides;
    const int32_t *prune_layers;
    size_t max_buf_size;
} llama_model_quantize_params;

extern llama_model_quantize_params llama_model_quantize_default_params(void);
extern uint32_t llama_model_quantize(const char *in, const char *out, const llama_model_quantize_params *p);
extern void llama_backend_init(void);

static int read_i32(FILE *f) {
    int32_t v;
    if (fread(&v, 4, 1, f) != 1) { fprintf(stderr, "short imatrix file\n"); exit(2); }
    return v;
}

static struct llama_model_imatrix_data *load_imatrix(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    int n = read_i32(f);
    struct llama_model_imatrix_data *d = calloc((size_t) n + 1, sizeof *d);
    for (int i = 0; i < n; i++) {
        int len = read_i32(f);
        char *name = calloc((size_t) len + 1, 1);
        if (fread(name, 1, (size_t) len, f) != (size_t) len) exit(2);
        int m = read_i32(f);
        float *v = malloc(sizeof(float) * (size_t) m);
        if (fread(v, sizeof(float), (size_t) m, f) != (size_t) m) exit(2);
        d[i].name = name; d[i].data = v; d[i].size = (size_t) m;
    }
    fclose(f);
    return d;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s IN OUT FTYPE [IMATRIX_RAW|-] [PATTERN=TYPE ...]\n", argv[0]); return 2; }
    llama_backend_init();
    llama_model_quantize_params p = llama_model_quantize_default_params();
    p.nthread = 1;
    p.ftype = atoi(argv[3]);
    if (argc > 4 && strcmp(argv[4], "-") != 0) p.imatrix = load_imatrix(argv[4]);
    int n_over = argc > 5 ? argc - 5 : 0;
    struct llama_model_tensor_override *ov = NULL;
    if (n_over > 0) {
        ov = calloc((size_t) n_over + 1, sizeof *ov);
        for (int i = 0; i < n_over; i++) {
            char *s = strdup(argv[5 + i]);
            char *eq = strrchr(s, '=');
            if (!eq) return 2;
            *eq = 0;
            ov[i].pattern = s;
            ov[i].type = atoi(eq + 1);
        }
        p.tt_overrides = ov;
    }
    return llama_model_quantize(argv[1], argv[2], &p) == 0 ? 0 : 1;
}
