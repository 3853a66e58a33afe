import Foundation
import RAGCore

/// What this gateway instance knows about questions: which are pending, the answers that arrived (kept
/// for polling, oldest evicted first), and the requests waiting for an answer.
public actor AnswerStore {
    public enum Lookup: Sendable, Equatable {
        case unknown
        case pending
        case answered(AnswerReady)
    }

    private let capacity: Int
    private var answers: [String: AnswerReady] = [:]
    private var pending: [String: Date] = [:]
    private var order: [String] = []
    private var orderStart = 0
    private var waiters: [String: [UInt64: CheckedContinuation<AnswerReady?, Never>]] = [:]
    private var nextWaiter: UInt64 = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public func lookup(_ id: String) -> Lookup {
        if let answer = answers[id] { return .answered(answer) }
        if pending[id] != nil || waiters[id] != nil { return .pending }
        return .unknown
    }

    /// A question was accepted (by this or another instance).
    public func recordPending(_ id: String, askedAt: Date) {
        guard answers[id] == nil else { return }
        if pending[id] == nil { remember(id) }
        pending[id] = askedAt
    }

    /// An answer arrived. Duplicates (at-least-once delivery) replace nothing but wake no one twice.
    public func record(_ answer: AnswerReady) {
        if answers[answer.id] == nil, pending[answer.id] == nil { remember(answer.id) }
        pending[answer.id] = nil
        answers[answer.id] = answer
        if let waiting = waiters.removeValue(forKey: answer.id) {
            for continuation in waiting.values { continuation.resume(returning: answer) }
        }
    }

    /// Waits for the answer to `id` until `timeout`; nil when it did not arrive in time or the waiting
    /// task was cancelled (a request whose question could not be published stops waiting at once).
    public func wait(for id: String, timeout: Duration) async -> AnswerReady? {
        if let answer = answers[id] { return answer }
        nextWaiter += 1
        let token = nextWaiter
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.stopWaiting(id, token)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: nil)
                } else {
                    waiters[id, default: [:]][token] = continuation
                }
            }
        } onCancel: {
            Task { await self.stopWaiting(id, token) }
        }
    }

    private func stopWaiting(_ id: String, _ token: UInt64) {
        guard let continuation = waiters[id]?.removeValue(forKey: token) else { return }
        if waiters[id]?.isEmpty == true { waiters[id] = nil }
        continuation.resume(returning: nil)
    }

    private func remember(_ id: String) {
        order.append(id)
        while order.count - orderStart > capacity {
            let evicted = order[orderStart]
            orderStart += 1
            answers[evicted] = nil
            pending[evicted] = nil
        }
        if orderStart > capacity {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
