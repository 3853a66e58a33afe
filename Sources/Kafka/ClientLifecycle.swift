import ServiceLifecycle
import Synchronization

/// What the producer and the consumer share of their lifecycle: the `ClientStateMachine` behind a lock, the
/// signal that tells `run()` to close the client, and the one that tells `shutdown()` it is closed.
final class ClientLifecycle: Sendable {
    private let machine = Mutex(ClientStateMachine())
    private let stopRequested = OneShotSignal()
    private let closedSignal = OneShotSignal()
    private let client: String

    /// - Parameter client: "producer" or "consumer", for error messages.
    init(client: String) {
        self.client = client
    }

    /// Whether new work (a record to send, a record to mark) is accepted.
    var acceptsWork: Bool { machine.withLock { $0.acceptsWork } }

    /// Claims `run()`; throws `alreadyRunning`, or `closed` after shutdown.
    func beginRun() throws {
        if case .fail(let reason) = machine.withLock({ $0.run() }) {
            throw KafkaError(code: reason.contains("already") ? .alreadyRunning : .closed, message: "\(client): \(reason)")
        }
    }

    /// Suspends `run()` until `shutdown()`, task cancellation or (when asked) graceful shutdown; from then on
    /// the client is closing and `run()` closes it.
    func waitUntilStopped(orGracefulShutdown: Bool) async {
        let stopRequested = self.stopRequested
        await withTaskCancellationHandler {
            if orGracefulShutdown {
                await withGracefulShutdownHandler {
                    await stopRequested.wait()
                } onGracefulShutdown: {
                    stopRequested.fire()
                }
            } else {
                await stopRequested.wait()
            }
        } onCancel: {
            stopRequested.fire()
        }
        _ = machine.withLock { $0.shutdown() }
    }

    /// `shutdown()`: signals a running `run()` and waits for it to close the client, runs `close` here when
    /// the client never ran, or waits for a close already under way.
    func shutdown(closingHere close: () async -> Void) async {
        switch machine.withLock({ $0.shutdown() }) {
        case .signalRunner:
            stopRequested.fire()
            await closedSignal.wait()
        case .closeHere:
            await close()
        case .waitForClose:
            await closedSignal.wait()
        }
    }

    /// `run()` could not start polling: the client is closing, and `run()` closes it.
    func abandonRun() {
        _ = machine.withLock { $0.shutdown() }
    }

    /// The client is closed: `shutdown()` calls waiting for it return.
    func markClosed() {
        machine.withLock { $0.closed() }
        closedSignal.fire()
    }
}

/// A Kafka client with a `run()` that polls and a `shutdown()` that ends it.
public protocol KafkaClient: Sendable {
    func run() async throws
    func shutdown() async
}

extension KafkaClient {
    /// Runs the client around `body` and shuts it down after (a producer flushes), for a client outside a
    /// `ServiceGroup` or a consume loop: a command, a benchmark, a test.
    public func whileRunning<T>(_ body: () async throws -> T) async throws -> T {
        let running = Task { try await self.run() }
        do {
            let result = try await body()
            await shutdown()
            _ = try? await running.value
            return result
        } catch {
            await shutdown()
            _ = try? await running.value
            throw error
        }
    }
}
