import Foundation
import Synchronization

/// A dedicated OS thread for librdkafka's blocking polls, so they never occupy the cooperative pool.
/// `body` is called repeatedly until `stopAndWait()`; each call should block for at most a short poll timeout.
final class BlockingLoopThread: Sendable {
    private final class Control: Sendable {
        let stopRequested = Mutex(false)
        let finished = DispatchSemaphore(value: 0)
    }

    private let control = Control()

    init(name: String, body: @escaping @Sendable () -> Void) {
        let control = self.control
        let thread = Thread {
            while !control.stopRequested.withLock({ $0 }) {
                body()
            }
            control.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Asks the loop to end and waits until its current iteration returns. Blocks the caller for one
    /// poll timeout at most; call it from shutdown paths only, off the cooperative pool where possible.
    func stopAndWait() {
        let alreadyStopped = control.stopRequested.withLock { stopped in
            defer { stopped = true }
            return stopped
        }
        if !alreadyStopped {
            control.finished.wait()
        }
    }
}
