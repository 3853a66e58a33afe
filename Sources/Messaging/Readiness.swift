import Synchronization

/// Whether a role takes work: `/readyz` answers 503 until it is ready, while a dependency it needs is
/// unavailable (a check fails, for example no Kafka broker answers), and again once shutdown begins.
public final class Readiness: Sendable {
    public enum State: String, Sendable {
        case starting, ready, unavailable, stopping
    }

    private struct Check: Sendable {
        let name: String
        let passes: @Sendable () -> Bool
    }

    private let state = Mutex(State.starting)
    private let checks = Mutex<[Check]>([])

    public init() {}

    /// The role's own state, then its checks: a ready role whose check fails is `unavailable`.
    public var current: State {
        let own = state.withLock { $0 }
        guard own == .ready else { return own }
        return failingChecks.isEmpty ? .ready : .unavailable
    }

    /// The names of the checks that fail now.
    public var failingChecks: [String] {
        checks.withLock { $0 }.filter { !$0.passes() }.map(\.name)
    }

    /// Adds a condition readiness depends on while the role runs, e.g. `kafka` (a broker answers).
    public func addCheck(_ name: String, _ passes: @escaping @Sendable () -> Bool) {
        checks.withLock { $0.append(Check(name: name, passes: passes)) }
    }

    public func markReady() {
        state.withLock { if $0 == .starting { $0 = .ready } }
    }

    public func markStopping() {
        state.withLock { $0 = .stopping }
    }
}
