import CMiniLM
import Synchronization

/// Threads that stay with one encoder and run the parallel steps of its forward passes (`rl_pool` in
/// CMiniLM): the caller runs part 0, the workers the rest, and idle workers spin briefly before sleeping.
///
/// `@unchecked Sendable`: the C pool takes one step at a time, and `busy` makes sure of it; a step that finds
/// the pool taken (two passes at once) runs inline on its caller instead of waiting.
final class WorkerPool: @unchecked Sendable {
    /// How long an idle worker waits for the next step before it sleeps. The gaps between the steps of a pass
    /// are a few microseconds, and a pass that follows at once (a queue of batches) finds the workers awake.
    static let spinMicroseconds: Int32 = 200

    private let pool: OpaquePointer
    private let busy = Mutex(false)

    init(threads: Int) throws {
        guard let pool = rl_pool_create(Int32(threads), Self.spinMicroseconds) else {
            throw MiniLMError.threadsUnavailable(threads)
        }
        self.pool = pool
    }

    deinit {
        rl_pool_destroy(pool)
    }

    /// Runs `body(part)` for each part in 0..<parts at once and returns when every part is done.
    func run(parts: Int, _ body: (Int) -> Void) {
        let claimed = busy.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        guard claimed else {
            for part in 0..<parts { body(part) }
            return
        }
        defer { busy.withLock { $0 = false } }
        withoutActuallyEscaping(body) { body in
            var step = Step(body: body)
            withUnsafeMutablePointer(to: &step) { step in
                rl_pool_run(pool, { context, part, _ in
                    context!.assumingMemoryBound(to: Step.self).pointee.body(Int(part))
                }, step, Int32(parts))
            }
        }
    }

    private struct Step {
        let body: (Int) -> Void
    }
}
