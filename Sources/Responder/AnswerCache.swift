import Foundation
import RAGCore
import Synchronization

/// Generated answers, so that FAQ traffic, which repeats itself, pays for generation once per question and
/// knowledge. The key is the normalised question, the model, and each grounding entry's namespace, id and
/// content (question, answer, context): the content is the entry's version, so an entry that changes, or
/// is deleted (it is no longer retrieved), matches no cached answer that cited it. Entries expire after
/// `ttl`, and the oldest go first beyond `capacity`.
public final class AnswerCache: Sendable {
    public struct Answer: Sendable, Hashable {
        public var text: String
        public var references: [AnswerReference]

        public init(text: String, references: [AnswerReference]) {
            self.text = text
            self.references = references
        }
    }

    private struct Stored {
        var answer: Answer
        var storedAt: ContinuousClock.Instant
    }

    private struct State {
        var answers: [String: Stored] = [:]
        var order: [String] = []
        var orderStart = 0
    }

    public let capacity: Int
    public let ttl: Duration
    private let state = Mutex(State())

    public init(capacity: Int, ttl: Duration) {
        self.capacity = max(1, capacity)
        self.ttl = ttl
    }

    /// Lowercased, whitespace collapsed, trailing punctuation dropped: "How do I pay? " and "how do i pay"
    /// are one question.
    public static func normalise(_ question: String) -> String {
        let words = question.lowercased().split(whereSeparator: { $0.isWhitespace })
        var text = words.joined(separator: " ")
        while let last = text.last, last.isPunctuation { text.removeLast() }
        return text
    }

    public static func key(question: String, model: String, grounding: [RetrievedMatch]) -> String {
        // Unit separators between fields: no text can make two different keys equal.
        var key = normalise(question) + "\u{1F}" + model
        for entry in grounding {
            key += "\u{1E}" + [entry.namespace, entry.id, entry.question, entry.answer, entry.context].joined(separator: "\u{1F}")
        }
        return key
    }

    public func answer(for key: String, now: ContinuousClock.Instant = .now) -> Answer? {
        state.withLock { state in
            guard let stored = state.answers[key] else { return nil }
            guard now - stored.storedAt < ttl else {
                state.answers[key] = nil
                return nil
            }
            return stored.answer
        }
    }

    public func store(_ answer: Answer, for key: String, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            if state.answers.updateValue(Stored(answer: answer, storedAt: now), forKey: key) == nil {
                state.order.append(key)
            }
            // Oldest first; keys already expired and removed are skipped.
            while state.answers.count > capacity, state.orderStart < state.order.count {
                state.answers[state.order[state.orderStart]] = nil
                state.orderStart += 1
            }
            if state.orderStart > 1024, state.orderStart * 2 > state.order.count {
                state.order.removeFirst(state.orderStart)
                state.orderStart = 0
            }
        }
    }

    public var count: Int { state.withLock { $0.answers.count } }
}
