#include "minilm_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define rl_cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define rl_cpu_relax() __asm__ __volatile__("yield")
#else
#define rl_cpu_relax() ((void)0)
#endif

struct rl_pool {
    int threads;
    long spin_nanoseconds;
    pthread_t *workers;

    /* The current step. Written by the caller before it bumps `generation`, read by workers after they see
       the new generation (release/acquire on `generation` orders them). */
    rl_pool_body body;
    void *context;
    int parts;

    _Atomic unsigned long generation;
    _Atomic int remaining;
    _Atomic int sleepers;
    _Atomic int stopping;

    pthread_mutex_t mutex;
    pthread_cond_t wake;
};

struct rl_worker_start {
    rl_pool *pool;
    int index;
};

static long rl_now_nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
}

/* Waits until `generation` moves past `seen`: spins first, then sleeps. Returns the new generation. */
static unsigned long rl_wait_for_step(rl_pool *pool, unsigned long seen) {
    long deadline = 0;
    for (unsigned spins = 0;; spins++) {
        unsigned long now = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (now != seen) return now;
        if ((spins & 255) == 255) {
            long clock = rl_now_nanoseconds();
            if (deadline == 0) {
                deadline = clock + pool->spin_nanoseconds;
            } else if (clock >= deadline) {
                break;
            }
        }
        rl_cpu_relax();
    }
    pthread_mutex_lock(&pool->mutex);
    /* `sleepers` goes up before `generation` is read again; the caller bumps `generation` before reading
       `sleepers` (both sequentially consistent), so either this worker sees the step or the caller sees the
       sleeper and signals under the mutex, which cannot be missed between this check and the wait. */
    atomic_fetch_add(&pool->sleepers, 1);
    unsigned long now;
    while ((now = atomic_load(&pool->generation)) == seen) {
        pthread_cond_wait(&pool->wake, &pool->mutex);
    }
    atomic_fetch_sub(&pool->sleepers, 1);
    pthread_mutex_unlock(&pool->mutex);
    return now;
}

static void *rl_worker_main(void *argument) {
    struct rl_worker_start start = *(struct rl_worker_start *)argument;
    free(argument);
    rl_pool *pool = start.pool;
    unsigned long seen = 0;
    for (;;) {
        seen = rl_wait_for_step(pool, seen);
        if (atomic_load(&pool->stopping)) return NULL;
        int part = start.index + 1; /* part 0 is the caller's */
        if (part < pool->parts) pool->body(pool->context, part, pool->parts);
        atomic_fetch_sub_explicit(&pool->remaining, 1, memory_order_release);
    }
}

rl_pool *rl_pool_create(int threads, int spin_microseconds) {
    rl_pool *pool = calloc(1, sizeof(rl_pool));
    if (!pool) return NULL;
    pool->threads = threads < 1 ? 1 : threads;
    pool->spin_nanoseconds = (long)(spin_microseconds < 0 ? 0 : spin_microseconds) * 1000L;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    int workers = pool->threads - 1;
    pool->workers = calloc(workers > 0 ? (size_t)workers : 1, sizeof(pthread_t));
    if (!pool->workers) {
        free(pool);
        return NULL;
    }
    for (int index = 0; index < workers; index++) {
        struct rl_worker_start *start = malloc(sizeof(struct rl_worker_start));
        if (start) {
            start->pool = pool;
            start->index = index;
        }
        if (!start || pthread_create(&pool->workers[index], NULL, rl_worker_main, start) != 0) {
            free(start);
            pool->threads = index + 1;
            rl_pool_destroy(pool);
            return NULL;
        }
    }
    return pool;
}

static void rl_publish_step(rl_pool *pool) {
    atomic_fetch_add(&pool->generation, 1);
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
}

void rl_pool_run(rl_pool *pool, rl_pool_body body, void *context, int parts) {
    if (parts > pool->threads) parts = pool->threads;
    if (parts <= 1) {
        if (parts == 1) body(context, 0, 1);
        return;
    }
    pool->body = body;
    pool->context = context;
    pool->parts = parts;
    /* Every worker acknowledges every step, even one without a part for it, so no worker can still be
       reading this step's fields when the caller writes the next one's. */
    atomic_store_explicit(&pool->remaining, pool->threads - 1, memory_order_relaxed);
    rl_publish_step(pool);
    body(context, 0, parts);
    while (atomic_load_explicit(&pool->remaining, memory_order_acquire) > 0) {
        rl_cpu_relax();
    }
}

void rl_pool_destroy(rl_pool *pool) {
    if (!pool) return;
    atomic_store(&pool->stopping, 1);
    rl_publish_step(pool);
    for (int index = 0; index < pool->threads - 1; index++) {
        pthread_join(pool->workers[index], NULL);
    }
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->wake);
    free(pool->workers);
    free(pool);
}
