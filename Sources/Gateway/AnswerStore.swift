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
    private var waiters: [String: [CheckedContinuation<AnswerReady?, Never>]] = [:]

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
            for continuation in waiting { continuation.resume(returning: answer) }
        }
    }

    /// Waits for the answer to `id` until `timeout`; nil when it did not arrive in time.
    public func wait(for id: String, timeout: Duration) async -> AnswerReady? {
        if let answer = answers[id] { return answer }
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.expireWaiters(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            waiters[id, default: []].append(continuation)
        }
    }

    private func expireWaiters(_ id: String) {
        if let waiting = waiters.removeValue(forKey: id) {
            for continuation in waiting { continuation.resume(returning: nil) }
        }
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
