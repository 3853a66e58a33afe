import Foundation
import RAGCore

/// One record as read from a topic, without the Kafka client: what the reports decode.
public struct ReportRecord: Sendable, Hashable {
    public var topic: String
    public var key: String?
    public var value: Data
    /// The CloudEvents `ce_type` header, when the record carries one.
    public var eventType: String?
    /// The broker's (or producer's) timestamp, when present.
    public var timestamp: Date?

    public init(topic: String, key: String? = nil, value: Data, eventType: String? = nil, timestamp: Date? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.eventType = eventType
        self.timestamp = timestamp
    }
}

/// An entry of the knowledge base as the events name it: its namespace (empty when an event did not say)
/// and its id.
public struct EntryKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var namespace: String
    public var id: String

    public init(namespace: String?, id: String) {
        self.namespace = namespace ?? ""
        self.id = id
    }

    public static func < (lhs: EntryKey, rhs: EntryKey) -> Bool {
        (lhs.namespace, lhs.id) < (rhs.namespace, rhs.id)
    }

    /// `namespace/id`, or the id alone when the namespace is unknown.
    public var description: String { namespace.isEmpty ? id : "\(namespace)/\(id)" }
}

/// What the reports need from the topics, decoded and joined by question id: the questions, each one's
/// latest answer and latest rating, what is known of each entry, and how many records could not be used.
public struct ReportEvents: Sendable {
    /// `rag.questions` (and the questions inside `rag.retrievals`), by lowercased question id.
    public var questions: [String: QuestionAsked] = [:]
    /// `rag.answers`: the latest answer of each question (by `answered_at`), by lowercased question id,
    /// without its text (`answer` is empty).
    public var answers: [String: AnswerReady] = [:]
    /// `rag.feedback`: the latest rating of each question (by `given_at`), by lowercased question id. A
    /// customer who rates the same answer again changes their rating; it does not count twice.
    public var feedback: [String: FeedbackGiven] = [:]
    /// Each entry's question, from the retrieved matches and the answers' references.
    public var entryQuestions: [EntryKey: String] = [:]
    /// Every wording known to reach each entry (its question and the alternate questions that matched),
    /// normalised (`QuestionText.normalized`).
    public var knownWordings: [EntryKey: Set<String>] = [:]
    /// Records read per topic.
    public var recordsRead: [String: Int] = [:]
    /// Records skipped per topic: not JSON, not the topic's event, another `ce_type`, or missing an id.
    public var malformed: [String: Int] = [:]
    /// The first reason a record of each topic was skipped, to show what is wrong.
    public var malformedExample: [String: String] = [:]

    public init() {}

    /// The topics the reports read.
    public static let topics = [Topics.questions, Topics.retrievals, Topics.answers, Topics.feedback]

    public var malformedTotal: Int { malformed.values.reduce(0, +) }

    /// Decodes `records` of the topics the reports read; records of other topics are ignored. Never throws:
    /// a record that cannot be used is counted in `malformed`.
    public static func decode(_ records: [ReportRecord]) -> ReportEvents {
        var events = ReportEvents()
        for record in records { events.add(record) }
        return events
    }

    /// Decodes and adds one record.
    public mutating func add(_ record: ReportRecord) {
        let expected: String
        switch record.topic {
        case Topics.questions: expected = EventTypes.questionAsked
        case Topics.retrievals: expected = EventTypes.contextRetrieved
        case Topics.answers: expected = EventTypes.answerReady
        case Topics.feedback: expected = EventTypes.feedbackGiven
        default: return
        }
        recordsRead[record.topic, default: 0] += 1
        if let type = record.eventType, type != expected {
            skip(record, "ce_type \(type), expected \(expected)")
            return
        }
        do {
            switch record.topic {
            case Topics.questions:
                let question = try Self.decoder.decode(QuestionAsked.self, from: record.value)
                guard !question.id.isEmpty else { return skip(record, "question without an id") }
                questions[question.id.lowercased()] = question
            case Topics.retrievals:
                let retrieved = try Self.decoder.decode(ContextRetrieved.self, from: record.value)
                guard !retrieved.question.id.isEmpty else { return skip(record, "retrieval without a question id") }
                let id = retrieved.question.id.lowercased()
                if questions[id] == nil { questions[id] = retrieved.question }
                for match in retrieved.matches where !match.id.isEmpty {
                    let key = EntryKey(namespace: match.namespace, id: match.id)
                    learn(key, question: match.question)
                    if let wording = match.matchedQuestion { knownWordings[key, default: []].insert(QuestionText.normalized(wording)) }
                }
            case Topics.answers:
                var answer = try Self.decoder.decode(AnswerReady.self, from: record.value)
                guard !answer.id.isEmpty else { return skip(record, "answer without an id") }
                // The reports never show the answer's text: not keeping it keeps a week of answers small.
                answer.answer = ""
                let id = answer.id.lowercased()
                if let earlier = answers[id], earlier.answeredAt > answer.answeredAt { break }
                answers[id] = answer
                for reference in answer.references where !reference.id.isEmpty {
                    learn(EntryKey(namespace: reference.namespace, id: reference.id), question: reference.question)
                }
            default:
                let given = try Self.decoder.decode(FeedbackGiven.self, from: record.value)
                guard !given.questionID.isEmpty else { return skip(record, "feedback without a question id") }
                let id = given.questionID.lowercased()
                if let earlier = feedback[id], earlier.givenAt > given.givenAt { break }
                feedback[id] = given
                for reference in given.references where !reference.id.isEmpty {
                    learn(EntryKey(namespace: reference.namespace, id: reference.id), question: reference.question)
                }
            }
        } catch {
            skip(record, Self.describe(error))
        }
    }

    /// The question text of a question id, when any record carried it.
    public func questionText(_ id: String) -> String? {
        questions[id.lowercased()]?.question
    }

    private mutating func learn(_ key: EntryKey, question: String) {
        guard !question.isEmpty else { return }
        entryQuestions[key] = question
        knownWordings[key, default: []].insert(QuestionText.normalized(question))
    }

    private mutating func skip(_ record: ReportRecord, _ reason: String) {
        malformed[record.topic, default: 0] += 1
        if malformedExample[record.topic] == nil {
            let key = record.key.map { " (key \($0.prefix(64)))" } ?? ""
            malformedExample[record.topic] = reason + key
        }
    }

    private static var decoder: JSONDecoder { EventCoding.decoder() }

    /// One line for a decoding error: what was wrong and where.
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "not decodable: \(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "the value" : names.joined(separator: ".")
        }
        switch decoding {
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not JSON" : "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, _): return "missing field \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)) has the wrong type"
        @unknown default: return "not decodable"
        }
    }
}

/// Question texts compared as customers mean them: case, spacing and closing punctuation ignored.
public enum QuestionText {
    public static func normalized(_ text: String) -> String {
        let words = text.lowercased().split(whereSeparator: { $0.isWhitespace })
        var joined = words.joined(separator: " ")
        while let last = joined.last, "?!.,;:".contains(last) { joined.removeLast() }
        return joined.trimmingCharacters(in: .whitespaces)
    }

    /// `text` cut to `limit` characters with an ellipsis, on one line.
    public static func short(_ text: String, _ limit: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count <= limit ? line : String(line.prefix(max(1, limit - 1))) + "…"
    }
}
