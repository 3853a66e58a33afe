import Foundation

/// A counting gate for the poll thread: `acquire` blocks (briefly) until a slot is free.
/// Unlike `DispatchSemaphore`, it may be destroyed while slots are taken, which happens when a consumer
/// is dropped with records still in flight.
final class SlotGate: Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`; `nonisolated(unsafe)` because NSCondition is the lock.
    nonisolated(unsafe) private var free: Int

    init(slots: Int) {
        free = slots
    }

    /// Takes a slot, waiting up to `timeout`. Returns false if none freed in time.
    func acquire(timeout: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while free == 0 {
            if !condition.wait(until: deadline) { return false }
        }
        free -= 1
        return true
    }

    func release() {
        condition.lock()
        free += 1
        condition.signal()
        condition.unlock()
    }
}
