import Foundation
import RAGCore
import Synchronization

/// What this gateway instance knows about questions: which are pending, the answers that arrived (kept
/// for polling, oldest evicted first), and the requests waiting for an answer.
///
/// A class over one `Mutex`, not an actor: every question passes through it twice (when it is accepted and
/// when the listener reads it back), each a few dictionary operations, and an actor made each of those an
/// executor hop on the front door's hottest path.
public final class AnswerStore: Sendable {
    public enum Lookup: Sendable, Equatable {
        case unknown
        case pending
        case answered(AnswerReady)
    }

    /// One waiting request. It is entered before its timer starts, so a timeout or cancellation that comes
    /// before the request has parked (`starting`) is not lost: it marks it `abandoned`.
    private enum Waiter {
        case starting
        case abandoned
        case waiting(CheckedContinuation<AnswerReady?, Never>)
    }

    private struct State {
        var answers: [String: AnswerReady] = [:]
        var pending: Set<String> = []
        var order: [String] = []
        var orderStart = 0
        var waiters: [String: [UInt64: Waiter]] = [:]
        var nextWaiter: UInt64 = 0

        mutating func removeWaiter(_ id: String, _ token: UInt64) {
            waiters[id]?[token] = nil
            if waiters[id]?.isEmpty == true { waiters[id] = nil }
        }

        mutating func remember(_ id: String, capacity: Int) {
            order.append(id)
            while order.count - orderStart > capacity {
                let evicted = order[orderStart]
                orderStart += 1
                answers[evicted] = nil
                pending.remove(evicted)
            }
            if orderStart > capacity {
                order.removeFirst(orderStart)
                orderStart = 0
            }
        }
    }

    private let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public func lookup(_ id: String) -> Lookup {
        state.withLock { state in
            if let answer = state.answers[id] { return .answered(answer) }
            if state.pending.contains(id) || state.waiters[id] != nil { return .pending }
            return .unknown
        }
    }

    /// A question was accepted (by this or another instance). An answer already here stays.
    public func recordPending(_ id: String) {
        state.withLock { state in
            guard state.answers[id] == nil else { return }
            if state.pending.insert(id).inserted { state.remember(id, capacity: capacity) }
        }
    }

    /// An answer arrived. Duplicates (at-least-once delivery) replace nothing but wake no one twice.
    public func record(_ answer: AnswerReady) {
        let waiting = state.withLock { state in
            if state.answers[answer.id] == nil, !state.pending.contains(answer.id) { state.remember(answer.id, capacity: capacity) }
            state.pending.remove(answer.id)
            state.answers[answer.id] = answer
            return state.waiters.removeValue(forKey: answer.id)
        }
        // A waiter still `starting` finds the answer when it parks.
        for case .waiting(let continuation) in waiting?.values ?? [:].values { continuation.resume(returning: answer) }
    }

    /// Waits for the answer to `id` until `timeout`; nil when it did not arrive in time or the waiting
    /// task was cancelled (a request whose question could not be published stops waiting at once).
    public func wait(for id: String, timeout: Duration) async -> AnswerReady? {
        let (token, answered): (UInt64, AnswerReady?) = state.withLock { state in
            if let answer = state.answers[id] { return (0, answer) }
            state.nextWaiter += 1
            state.waiters[id, default: [:]][state.nextWaiter] = .starting
            return (state.nextWaiter, nil)
        }
        if let answered { return answered }
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.stopWaiting(id, token)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let outcome: AnswerReady?? = state.withLock { state in
                    if let answer = state.answers[id] {
                        state.removeWaiter(id, token)
                        return .some(answer)
                    }
                    guard case .starting? = state.waiters[id]?[token], !Task.isCancelled else {
                        state.removeWaiter(id, token)
                        return .some(nil)
                    }
                    state.waiters[id]?[token] = .waiting(continuation)
                    return .none
                }
                if case .some(let answer) = outcome { continuation.resume(returning: answer) }
            }
        } onCancel: {
            self.stopWaiting(id, token)
        }
    }

    /// Ends a wait (its timeout or cancellation): resumes it with nil, or marks it abandoned if it has not
    /// parked yet.
    private func stopWaiting(_ id: String, _ token: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<AnswerReady?, Never>? in
            switch state.waiters[id]?[token] {
            case .waiting(let continuation)?:
                state.removeWaiter(id, token)
                return continuation
            case .starting?:
                state.waiters[id]?[token] = .abandoned
                return nil
            case .abandoned?, nil:
                return nil
            }
        }
        continuation?.resume(returning: nil)
    }
}
