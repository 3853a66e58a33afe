import Synchronization

/// Whether a role takes work: `/readyz` answers 503 until it is ready and again once shutdown begins.
public final class Readiness: Sendable {
    public enum State: String, Sendable {
        case starting, ready, stopping
    }

    private let state = Mutex(State.starting)

    public init() {}

    public var current: State { state.withLock { $0 } }

    public func markReady() {
        state.withLock { if $0 == .starting { $0 = .ready } }
    }

    public func markStopping() {
        state.withLock { $0 = .stopping }
    }
}
