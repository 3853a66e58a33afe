#ifndef RAGLINE_MINILM_POOL_H
#define RAGLINE_MINILM_POOL_H

/// A persistent pool of worker threads for one forward pass's parallel steps.
///
/// A forward pass of one question runs about 36 short parallel steps (tens of microseconds each). Waking
/// threads through a dispatch queue for each costs about as much as the work, so two threads were hardly
/// faster than one. These workers instead spin for a short while after each step, waiting for the next, and
/// only then sleep on a condition variable: within a pass a step reaches a worker in well under a
/// microsecond, and between passes an idle pool costs no CPU.

/// The body of a step: called once for each part in [0, parts), with the caller's context.
typedef void (*rl_pool_body)(void *context, int part, int parts);

typedef struct rl_pool rl_pool;

/// A pool that runs steps on `threads` threads: the caller's and `threads - 1` workers. `spin_microseconds`
/// is how long an idle worker waits for the next step before sleeping. NULL if a thread cannot be started.
rl_pool *rl_pool_create(int threads, int spin_microseconds);

/// Runs body(context, part, parts) for every part, part 0 on the calling thread, and returns when all are
/// done. parts is clamped to the pool's threads. One caller at a time.
void rl_pool_run(rl_pool *pool, rl_pool_body body, void *context, int parts);

/// Stops and joins the workers, then frees the pool.
void rl_pool_destroy(rl_pool *pool);

#endif
