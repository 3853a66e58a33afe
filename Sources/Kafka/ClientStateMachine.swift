/// The lifecycle of a producer or consumer, as swift-kafka-client models it: a value type behind the
/// client's lock whose transitions return what the client must do, so that every path through `run`,
/// `send` and `shutdown` is decided in one place and tested without librdkafka.
///
/// `initial` -> `running` (`run()` polls on its own thread) -> `closing` -> `closed`; `shutdown()` on a client
/// that never ran closes it at once.
struct ClientStateMachine: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case initial, running, closing, closed
    }

    private(set) var state = State.initial

    enum RunAction: Equatable {
        /// Start the poll thread (and, for a consumer, subscribe), then wait for the signal to close.
        case startPolling
        case fail(reason: String)
    }

    mutating func run() -> RunAction {
        switch state {
        case .initial:
            state = .running
            return .startPolling
        case .running:
            return .fail(reason: "run() was already called")
        case .closing, .closed:
            return .fail(reason: "the client is shut down")
        }
    }

    /// Whether new work (a record to send, a record to mark) is accepted.
    var acceptsWork: Bool {
        state == .initial || state == .running
    }

    enum ShutdownAction: Equatable {
        /// `run()` is polling: signal it, and wait until it has closed the client.
        case signalRunner
        /// Never ran: close here.
        case closeHere
        /// Another call is closing it, or it is closed: wait for that.
        case waitForClose
    }

    mutating func shutdown() -> ShutdownAction {
        switch state {
        case .initial:
            state = .closing
            return .closeHere
        case .running:
            state = .closing
            return .signalRunner
        case .closing, .closed:
            return .waitForClose
        }
    }

    mutating func closed() {
        state = .closed
    }
}
