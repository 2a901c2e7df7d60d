/* The breadth-first search of semcheck's explicit engine, in C (see checker/native.py).
 *
 * This file is not compiled on its own: native.py puts the model's constants in front of it
 * (STATE_SIZE, N_ACTIONS, N_PROPS) and the model's generated functions after it (expand,
 * check_new_state, check_quiescent, DOMAIN), and compiles the whole into one shared library.
 *
 * It does what the Python loop of checker/explicit.py does, step for step, so that both number
 * the same states in the same order: states are numbered in discovery order and that order is
 * the queue; each state keeps its parent and the action that first reached it; invariants are
 * checked on every new state, "eventually" predicates on every quiescent state; states where the
 * model's capacity bound is exceeded are never expanded.  search_run returns to Python every
 * `progress_every` expansions (progress display and --timeout live there), and when the search
 * stops.
 */

#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE  /* mremap */
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define NOINLINE
#define PREFETCH(p) ((void)0)
#endif

typedef int64_t V;             /* every value of the model's expressions (ranges are checked to fit) */
#define UNSET INT64_MIN        /* a lazily computed local that is not computed yet */
#define S(k) ((V)s[k])         /* slot k of the current state */

/* search_run's answers; the numbers are mirrored in native.py */
enum { STOP_EXHAUSTED = 0, STOP_ALL_FOUND = 1, STOP_MAX_STATES = 2, STOP_PROGRESS = 3, STOP_ERROR = 4 };

/* What went wrong: where the Python code raises (a read outside the state, a write outside its
 * field or its field's domain, a division by zero).  Python then redoes the search with its own
 * code, which raises the same error with the action's name. */
enum { ERR_NONE = 0, ERR_READ = 1, ERR_WRITE_INDEX = 2, ERR_WRITE_VALUE = 3, ERR_DOMAIN = 4,
       ERR_ZERO_DIVISION = 5, ERR_NO_MEMORY = 6 };

enum { CUT = 1 };              /* flags[id]: the state exceeds a bound of the model, never expanded */

typedef struct {
    /* the states, numbered in discovery order: state i is states[i * STATE_SIZE ...] */
    uint8_t *states;
    int64_t *parent, *via;     /* how each state was first reached (-1, -1: an initial state) */
    uint8_t *flags;
    int64_t n_states, cap_states;
    /* open addressing over the states: entry = (32 bits of hash) << 32 | (state id + 1), 0 empty */
    uint64_t *table;
    int64_t table_cap;         /* a power of two, at least twice the number of states */
    /* normal-step edges, for the liveness analysis */
    int64_t *edge_src, *edge_dst;
    int64_t n_edges, cap_edges;
    int keep_edges;
    /* the breadth-first loop */
    int64_t head, level_end, depth, transitions, n_cut;
    int64_t max_states, progress_every;
    int64_t found[N_PROPS > 0 ? N_PROPS : 1];  /* property -> first state that breaks it, or -1 */
    int64_t n_found;
    int err;                   /* an ERR_ code; the state being expanded is err_state */
    int64_t err_state;
    /* the successors of the state being expanded, in action order (see number_successors) */
    int n_batch;
    int batch_action[N_ACTIONS];
    uint8_t batch_normal[N_ACTIONS];
    uint64_t batch_hash[N_ACTIONS];
    uint8_t batch[N_ACTIONS][STATE_SIZE];
} Search;

static void fail(Search *c, int err)
{
    if (!c->err)
        c->err = err;
}

/* ---- the operations generated code uses where it cannot prove them safe ----------------- */

/* s[k] as Python reads it: a negative index counts from the end, beyond the state is an error */
static inline V rd(Search *c, const uint8_t *s, V k)
{
    if (k < 0)
        k += STATE_SIZE;
    if (k < 0 || k >= STATE_SIZE) {
        fail(c, ERR_READ);
        return 0;
    }
    return s[k];
}

static const uint8_t DOMAIN[STATE_SIZE];  /* slot -> number of values it can hold (generated) */

/* b[first + k] = v for slot k of a field of `size` slots: the offset must be inside the field and
 * the value inside the field's domain, or the model is broken (the Python code and the DSL raise
 * ModelError there; Python redoes the search to raise it).  Returns 0 when it fails: the expansion
 * then ends at once (see PUT), so no later write runs on a path where the range proofs fail. */
static inline int put(Search *c, uint8_t *b, V first, V size, V k, V v)
{
    if (k < 0 || k >= size) {
        fail(c, ERR_WRITE_INDEX);
        return 0;
    }
    if (v < 0 || v > 255) {
        fail(c, ERR_WRITE_VALUE);
        return 0;
    }
    if (v >= DOMAIN[first]) {
        fail(c, ERR_DOMAIN);
        return 0;
    }
    b[first + k] = (uint8_t)v;
    return 1;
}
/* (in the functions of expand: what they return no longer matters, the search stops) */
#define PUT(first, size, k, v) if (!put(c, b, (first), (size), (k), (v))) return 0

/* Python's // and %: the quotient rounds towards minus infinity, the remainder has the divisor's sign */
static inline V py_floordiv(Search *c, V a, V b)
{
    if (b == 0) {
        fail(c, ERR_ZERO_DIVISION);
        return 0;
    }
    V q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0)))
        q -= 1;
    return q;
}

static inline V py_mod(Search *c, V a, V b)
{
    if (b == 0) {
        fail(c, ERR_ZERO_DIVISION);
        return 0;
    }
    V r = a % b;
    if (r != 0 && ((r < 0) != (b < 0)))
        r += b;
    return r;
}

static inline V min2(V a, V b) { return b < a ? b : a; }
static inline V max2(V a, V b) { return b > a ? b : a; }

/* ---- the model's generated functions (after this file) ----------------------------------- */

/* The successors of state s in action order, each built in new_successor() and kept by
 * add_successor(); returns 1 when no normal (non-fault) action is enabled. */
static int expand(Search *c, const uint8_t *s);
/* Invariants and the capacity bound, on a state seen for the first time. */
static void check_new_state(Search *c, const uint8_t *s, int64_t id);
/* "Eventually" predicates, on a quiescent state. */
static void check_quiescent(Search *c, const uint8_t *s, int64_t id);

static void found(Search *c, int prop, int64_t id)
{
    c->found[prop] = id;
    c->n_found++;
}

static void cut(Search *c, int64_t id)
{
    c->flags[id] |= CUT;
    c->n_cut++;
}

/* ---- the state store -------------------------------------------------------------------- */

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h ^= w;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
}

/* Four independent lanes of 8 bytes each, so that the multiplications overlap instead of
 * waiting for each other; then a final avalanche (MurmurHash3's fmix64). */
static inline uint64_t hash_state(const uint8_t *b)
{
    uint64_t h[4] = {0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL, 0x27d4eb2f165667c5ULL};
    uint64_t w;
    int i = 0;
    for (; i + 32 <= STATE_SIZE; i += 32)
        for (int lane = 0; lane < 4; lane++) {
            memcpy(&w, b + i + 8 * lane, 8);
            h[lane] = mix(h[lane], w);
        }
    for (int lane = 0; i < STATE_SIZE; i += 8, lane++) {
        w = 0;
        memcpy(&w, b + i, STATE_SIZE - i < 8 ? STATE_SIZE - i : 8);
        h[lane] = mix(h[lane], w);
    }
    uint64_t x = mix(mix(mix(h[0], h[1]), h[2]), h[3]);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

#define STATE(c, id) ((c)->states + (size_t)(id) * STATE_SIZE)
#define ENTRY_ID(e) ((int64_t)((e) & 0xffffffffULL) - 1)
#define ENTRY_TAG(e) ((uint32_t)((e) >> 32))

/* Ask for transparent huge pages on a large block: the hash table and the arena are read at
 * random, and with 4 KB pages most of those reads also miss the TLB. */
static void huge_pages(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1), end = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)p, (void)bytes;
#endif
}

/* Resize an array to `count` elements.  On Linux the arrays are anonymous mappings that
 * mremap() grows by moving page tables, not bytes: with realloc() a doubling copies the whole
 * arena (hundreds of MB for large searches) and touches every new page twice. */
#if defined(__linux__) && defined(MREMAP_MAYMOVE)
typedef struct { size_t bytes; size_t pad; } MapHeader;  /* in front of every array */

static int grow(void **p, int64_t count, size_t elem)
{
    size_t bytes = (size_t)count * elem + sizeof(MapHeader);
    void *base;
    if (*p) {
        MapHeader *old = (MapHeader *)*p - 1;
        base = mremap(old, old->bytes, bytes, MREMAP_MAYMOVE);
    } else {
        base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    if (base == MAP_FAILED)
        return -1;
    ((MapHeader *)base)->bytes = bytes;
    /* on the whole mapping: advice on part of it would split it in two, and mremap() moves
     * only a single mapping */
#ifdef MADV_HUGEPAGE
    if (!*p)
        madvise(base, bytes, MADV_HUGEPAGE);
#endif
    *p = (MapHeader *)base + 1;
    return 0;
}

static void release(void *p)
{
    if (p) {
        MapHeader *header = (MapHeader *)p - 1;
        munmap(header, header->bytes);
    }
}
#else
static int grow(void **p, int64_t count, size_t elem)
{
    void *q = realloc(*p, (size_t)count * elem);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

static void release(void *p)
{
    free(p);
}
#endif

static int grow_table(Search *c, int64_t cap)
{
    uint64_t *table = calloc((size_t)cap, sizeof *table);
    if (!table)
        return -1;
    huge_pages(table, (size_t)cap * sizeof *table);
    uint64_t mask = (uint64_t)cap - 1;
    for (int64_t i = 0; i < c->table_cap; i++) {
        uint64_t e = c->table[i];
        if (e) {
            uint64_t j = ENTRY_TAG(e) & mask;
            while (table[j])
                j = (j + 1) & mask;
            table[j] = e;
        }
    }
    free(c->table);
    c->table = table;
    c->table_cap = cap;
    return 0;
}

/* Room for every successor one expansion can add (one per action), so that nothing moves while
 * a state is expanded: `s` points into the state arena. */
static int reserve(Search *c)
{
    int64_t need = c->n_states + N_ACTIONS + 1;
    if (need >= 0xffffffffLL)  /* ids must fit the table's 32 bits */
        return -1;
    if (need > c->cap_states) {
        int64_t cap = c->cap_states ? c->cap_states : 1024;
        while (cap < need)
            cap *= 2;
        if (grow((void **)&c->states, cap, STATE_SIZE) || grow((void **)&c->parent, cap, sizeof(int64_t))
            || grow((void **)&c->via, cap, sizeof(int64_t)) || grow((void **)&c->flags, cap, 1))
            return -1;
        c->cap_states = cap;
    }
    if (2 * need > c->table_cap) {
        int64_t cap = c->table_cap ? c->table_cap : 4096;
        while (cap < 2 * need)
            cap *= 2;
        if (grow_table(c, cap))
            return -1;
    }
    if (c->keep_edges && c->n_edges + N_ACTIONS > c->cap_edges) {
        int64_t cap = c->cap_edges ? c->cap_edges : 4096;
        while (cap < c->n_edges + N_ACTIONS)
            cap *= 2;
        if (grow((void **)&c->edge_src, cap, sizeof(int64_t)) || grow((void **)&c->edge_dst, cap, sizeof(int64_t)))
            return -1;
        c->cap_edges = cap;
    }
    return 0;
}

/* The id of state b (whose hash is h), numbering it and checking it if it is new.  Needs
 * reserve() first. */
static int64_t intern(Search *c, const uint8_t *b, uint64_t h, int64_t parent, int64_t via)
{
    uint32_t tag = (uint32_t)(h >> 32);
    uint64_t mask = (uint64_t)c->table_cap - 1;
    for (uint64_t i = tag & mask;; i = (i + 1) & mask) {
        uint64_t e = c->table[i];
        if (!e) {
            int64_t id = c->n_states++;
            memcpy(STATE(c, id), b, STATE_SIZE);
            c->parent[id] = parent;
            c->via[id] = via;
            c->flags[id] = 0;
            c->table[i] = ((uint64_t)tag << 32) | (uint64_t)(id + 1);
            check_new_state(c, STATE(c, id), id);
            return id;
        }
        if (ENTRY_TAG(e) == tag && memcmp(STATE(c, ENTRY_ID(e)), b, STATE_SIZE) == 0)
            return ENTRY_ID(e);
    }
}

/* Where expand() builds the next successor. */
static inline uint8_t *new_successor(Search *c)
{
    return c->batch[c->n_batch];
}

/* Keep the successor just built, reached by `action` (a normal step, or a fault). */
static inline void add_successor(Search *c, int action, int normal)
{
    c->batch_action[c->n_batch] = action;
    c->batch_normal[c->n_batch] = (uint8_t)normal;
    c->n_batch++;
}

/* Number the successors of state sid in action order, as the Python search does one by one.
 * They are hashed first, and their table slots (then the states those slots name) fetched into
 * the cache ahead of use: the look-ups miss the cache, and this way the misses overlap. */
static void number_successors(Search *c, int64_t sid)
{
    int n = c->n_batch;
    uint64_t mask = (uint64_t)c->table_cap - 1;
    for (int k = 0; k < n; k++) {
        c->batch_hash[k] = hash_state(c->batch[k]);
        PREFETCH(&c->table[(uint32_t)(c->batch_hash[k] >> 32) & mask]);
    }
    for (int k = 0; k < n; k++) {
        uint64_t e = c->table[(uint32_t)(c->batch_hash[k] >> 32) & mask];
        if (e && ENTRY_TAG(e) == (uint32_t)(c->batch_hash[k] >> 32)) {
            const uint8_t *known = STATE(c, ENTRY_ID(e));
            for (int line = 0; line < STATE_SIZE; line += 64)
                PREFETCH(known + line);
        }
    }
    for (int k = 0; k < n; k++) {
        int64_t id = intern(c, c->batch[k], c->batch_hash[k], sid, c->batch_action[k]);
        c->transitions++;
        if (c->batch_normal[k] && c->keep_edges) {
            c->edge_src[c->n_edges] = sid;
            c->edge_dst[c->n_edges] = id;
            c->n_edges++;
        }
    }
    c->n_batch = 0;
}

/* ---- the interface Python calls (ctypes) ------------------------------------------------ */

Search *search_new(int64_t max_states, int keep_edges, int64_t progress_every)
{
    Search *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max_states = max_states;
    c->keep_edges = keep_edges;
    c->progress_every = progress_every;
    for (int i = 0; i < N_PROPS; i++)
        c->found[i] = -1;
    return c;
}

void search_free(Search *c)
{
    if (!c)
        return;
    release(c->states);
    release(c->parent);
    release(c->via);
    release(c->flags);
    free(c->table);
    release(c->edge_src);
    release(c->edge_dst);
    free(c);
}

/* An initial state (ignored if already known); returns 0, or an ERR_ code. */
int search_add_initial(Search *c, const uint8_t *state)
{
    if (reserve(c)) {
        fail(c, ERR_NO_MEMORY);
        return c->err;
    }
    c->err_state = -1;
    intern(c, state, hash_state(state), -1, -1);
    c->level_end = c->n_states;  /* the first level is the initial states */
    return c->err;
}

void search_set_keep_edges(Search *c, int keep)
{
    c->keep_edges = keep;
}

/* The breadth-first loop of ExplicitSearch, until the queue is empty, the search stops, or
 * `progress_every` expansions are done (Python then reports progress and checks the timeout). */
int search_run(Search *c)
{
    while (c->head < c->n_states) {
        if (c->head == c->level_end) {
            c->depth++;
            c->level_end = c->n_states;
        }
        int64_t sid = c->head++;
        if (c->flags[sid] & CUT)
            continue;
        if (reserve(c)) {
            fail(c, ERR_NO_MEMORY);
            return STOP_ERROR;
        }
        c->err_state = sid;
        const uint8_t *s = STATE(c, sid);
        int quiescent = expand(c, s);
        if (c->err)
            return STOP_ERROR;
        number_successors(c, sid);
        if (quiescent)
            check_quiescent(c, s, sid);
        if (c->err)
            return STOP_ERROR;
        if (c->n_found == N_PROPS)
            return STOP_ALL_FOUND;
        if (c->n_states >= c->max_states)
            return STOP_MAX_STATES;
        if (!(c->head & (c->progress_every - 1)))
            return STOP_PROGRESS;
    }
    return STOP_EXHAUSTED;
}

/* The counters, by number (mirrored in native.py). */
int64_t search_counter(Search *c, int which)
{
    switch (which) {
    case 0: return c->n_states;
    case 1: return c->transitions;
    case 2: return c->depth;
    case 3: return c->head;
    case 4: return c->n_edges;
    case 5: return c->n_cut;
    case 6: return c->err;
    case 7: return c->err_state;
    case 8: return STATE_SIZE;
    default: return -1;
    }
}

int64_t search_found(Search *c, int prop)
{
    return prop >= 0 && prop < N_PROPS ? c->found[prop] : -1;
}

/* The arrays, by number (mirrored in native.py): states, parent, via, edge_src, edge_dst. */
void *search_array(Search *c, int which)
{
    switch (which) {
    case 0: return c->states;
    case 1: return c->parent;
    case 2: return c->via;
    case 3: return c->edge_src;
    case 4: return c->edge_dst;
    default: return NULL;
    }
}

/* The id of a state, or -1 if it was never reached. */
int64_t search_lookup(Search *c, const uint8_t *state)
{
    if (!c->table_cap)
        return -1;
    uint64_t h = hash_state(state);
    uint32_t tag = (uint32_t)(h >> 32);
    uint64_t mask = (uint64_t)c->table_cap - 1;
    for (uint64_t i = tag & mask;; i = (i + 1) & mask) {
        uint64_t e = c->table[i];
        if (!e)
            return -1;
        if (ENTRY_TAG(e) == tag && memcmp(STATE(c, ENTRY_ID(e)), state, STATE_SIZE) == 0)
            return ENTRY_ID(e);
    }
}
