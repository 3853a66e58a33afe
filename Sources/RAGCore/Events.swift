import Foundation

/// Version of the event schemas below. Consumers ignore fields they do not know.
public let eventSchemaVersion = 1

/// `rag.questions`: a customer asked something (Gateway -> Retriever).
public struct QuestionAsked: Sendable, Hashable, Codable {
    public var schemaVersion: Int = eventSchemaVersion
    public var id: String
    public var question: String
    /// Search only this namespace; nil searches all of them.
    public var namespace: String?
    public var topK: Int
    public var askedAt: Date
    /// After this instant no stage does work for the question; it publishes `expired` instead.
    public var deadline: Date
    /// Where to POST the answer, for asynchronous questions.
    public var callbackURL: String?
    /// A client streams the answer: the Responder also publishes `AnswerDelta`s to `rag.answer.deltas`.
    public var stream: Bool?

    public init(id: String, question: String, namespace: String?, topK: Int, askedAt: Date, deadline: Date, callbackURL: String?, stream: Bool? = nil) {
        self.id = id
        self.question = question
        self.namespace = namespace
        self.topK = topK
        self.askedAt = askedAt
        self.deadline = deadline
        self.callbackURL = callbackURL
        self.stream = stream
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", id, question, namespace, topK = "top_k", askedAt = "asked_at", deadline
        case callbackURL = "callback_url", stream
    }
}

/// One knowledge entry found for a question, with what the Responder needs to answer from it.
public struct RetrievedMatch: Sendable, Hashable, Codable {
    public var id: String
    public var namespace: String
    public var score: Double
    public var question: String
    public var answer: String
    public var context: String
    public var source: String?
    /// The index's id of the vector that matched: the entry's id, or `<id>#alt-<n>` for an alternate question.
    public var vectorID: String?
    /// The question that vector embeds, when it is one of the entry's alternate questions.
    public var matchedQuestion: String?

    public init(
        id: String, namespace: String, score: Double, question: String, answer: String, context: String, source: String?,
        vectorID: String? = nil, matchedQuestion: String? = nil
    ) {
        self.id = id
        self.namespace = namespace
        self.score = score
        self.question = question
        self.answer = answer
        self.context = context
        self.source = source
        self.vectorID = vectorID
        self.matchedQuestion = matchedQuestion
    }

    enum CodingKeys: String, CodingKey {
        case id, namespace, score, question, answer, context, source, vectorID = "vector_id", matchedQuestion = "matched_question"
    }
}

/// Milliseconds spent in each stage; each stage fills in its own.
public struct StageTimings: Sendable, Hashable, Codable {
    public var embeddingMilliseconds: Double?
    public var searchMilliseconds: Double?
    public var generationMilliseconds: Double?
    /// From `asked_at` to the answer's publication.
    public var pipelineMilliseconds: Double?

    public init(embeddingMilliseconds: Double? = nil, searchMilliseconds: Double? = nil, generationMilliseconds: Double? = nil, pipelineMilliseconds: Double? = nil) {
        self.embeddingMilliseconds = embeddingMilliseconds
        self.searchMilliseconds = searchMilliseconds
        self.generationMilliseconds = generationMilliseconds
        self.pipelineMilliseconds = pipelineMilliseconds
    }

    /// These timings with `pipeline_ms` filled in: from `askedAt` to `now`, when the answer is published.
    public func finished(askedAt: Date, at now: Date) -> StageTimings {
        var timings = self
        timings.pipelineMilliseconds = now.timeIntervalSince(askedAt) * 1000
        return timings
    }

    enum CodingKeys: String, CodingKey {
        case embeddingMilliseconds = "embedding_ms", searchMilliseconds = "search_ms"
        case generationMilliseconds = "generation_ms", pipelineMilliseconds = "pipeline_ms"
    }
}

/// `rag.retrievals`: the question and its closest entries (Retriever -> Responder).
public struct ContextRetrieved: Sendable, Hashable, Codable {
    public var schemaVersion: Int = eventSchemaVersion
    public var question: QuestionAsked
    public var matches: [RetrievedMatch]
    public var embeddingModel: String
    public var timings: StageTimings
    /// The retriever's decision over the candidates (`AnswerSelector`); nil from a retriever that predates it,
    /// in which case the Responder selects from `matches` itself.
    public var selection: AnswerSelection?

    public init(question: QuestionAsked, matches: [RetrievedMatch], embeddingModel: String, timings: StageTimings, selection: AnswerSelection? = nil) {
        self.question = question
        self.matches = matches
        self.embeddingModel = embeddingModel
        self.timings = timings
        self.selection = selection
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", question, matches, embeddingModel = "embedding_model", timings, selection
    }
}

public struct AnswerStatus: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let answered = AnswerStatus(rawValue: "answered")
    /// No entry was close enough; the answer is the polite fallback text.
    public static let noMatch = AnswerStatus(rawValue: "no_match")
    /// Two answers were too close to call; the answer asks "did you mean" and the references are the candidates.
    public static let clarify = AnswerStatus(rawValue: "clarify")
    public static let failed = AnswerStatus(rawValue: "failed")
    /// The deadline passed before the work was done.
    public static let expired = AnswerStatus(rawValue: "expired")
    /// Not an event status: what polling reports before the answer arrives.
    public static let pending = AnswerStatus(rawValue: "pending")

    public var description: String { rawValue }
}

/// An entry the answer is grounded in.
public struct AnswerReference: Sendable, Hashable, Codable {
    public var id: String
    public var question: String
    public var namespace: String?
    public var score: Double?

    public init(id: String, question: String, namespace: String? = nil, score: Double? = nil) {
        self.id = id
        self.question = question
        self.namespace = namespace
        self.score = score
    }
}

public struct TokenUsage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }
}

/// `rag.answers`: the outcome for a question (Responder, or any stage that gives up -> Gateway).
public struct AnswerReady: Sendable, Hashable, Codable {
    public var schemaVersion: Int = eventSchemaVersion
    public var id: String
    public var status: AnswerStatus
    public var answer: String
    public var references: [AnswerReference]
    public var model: String?
    public var askedAt: Date
    public var answeredAt: Date
    public var callbackURL: String?
    public var timings: StageTimings
    public var usage: TokenUsage?
    /// Why the question failed or expired.
    public var error: String?
    /// How the answer was chosen: the decision's reason, threshold and candidate scores.
    public var diagnostics: AnswerDiagnostics?
    /// True when the responder served a generated answer from its cache (same question, same entries)
    /// instead of asking the model again; absent otherwise.
    public var cached: Bool?

    public init(
        id: String, status: AnswerStatus, answer: String, references: [AnswerReference], model: String?,
        askedAt: Date, answeredAt: Date, callbackURL: String?, timings: StageTimings, usage: TokenUsage? = nil, error: String? = nil,
        diagnostics: AnswerDiagnostics? = nil, cached: Bool? = nil
    ) {
        self.diagnostics = diagnostics
        self.cached = cached
        self.id = id
        self.status = status
        self.answer = answer
        self.references = references
        self.model = model
        self.askedAt = askedAt
        self.answeredAt = answeredAt
        self.callbackURL = callbackURL
        self.timings = timings
        self.usage = usage
        self.error = error
    }

    /// The answer a stage publishes when it gives up on `question` without a model's answer.
    public static func unanswered(_ question: QuestionAsked, status: AnswerStatus, reason: String, timings: StageTimings = StageTimings(), now: Date = Date()) -> AnswerReady {
        let timings = timings.finished(askedAt: question.askedAt, at: now)
        return AnswerReady(
            id: question.id, status: status,
            answer: status == .expired
                ? "Sorry, we could not answer in time. Please try again."
                : "Sorry, something went wrong while answering. Please try again later.",
            references: [], model: nil, askedAt: question.askedAt, answeredAt: now,
            callbackURL: question.callbackURL, timings: timings, error: reason
        )
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", id, status, answer, references, model
        case askedAt = "asked_at", answeredAt = "answered_at", callbackURL = "callback_url", timings, usage, error, diagnostics, cached
    }

    /// Where an answer's callback goes, and nothing else of it: what the gateways' callback consumer reads of
    /// every answer, before it decodes in full the few that have a callback (the whole answer, with its
    /// references and diagnostics, costs several times more to decode).
    public struct CallbackTarget: Sendable, Hashable, Decodable {
        public var id: String
        public var callbackURL: String?

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnswerReady.CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            callbackURL = try container.decodeIfPresent(String.self, forKey: .callbackURL)
        }
    }
}

/// JSON coding shared by every event: RFC 3339 dates with milliseconds.
public enum EventCoding {
    /// The encoder `encode` uses, made once. swift-foundation's `JSONEncoder` is `Sendable`: its options sit
    /// behind a lock and every `encode` call has its own state, so concurrent use is safe. Never change its
    /// options (that would change every event); configure an `encoder()` of your own instead.
    public static let sharedEncoder: JSONEncoder = encoder()

    /// The decoder `decode` uses, made once; `Sendable` like `sharedEncoder`, and likewise never to be changed.
    public static let sharedDecoder: JSONDecoder = decoder()

    /// ISO 8601 styles for `formatDate`'s fallback and `parseDate` (values: `Sendable`, made once).
    private static let millisecondStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let secondStyle = Date.ISO8601FormatStyle()

    /// A new encoder, configured as every event is encoded (sorted keys, slashes as they are, RFC 3339 dates).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        return encoder
    }

    /// A new decoder, configured as every event is decoded (RFC 3339 dates, with or without fractional seconds).
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = parseDate(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date: \(text)")
        }
        return decoder
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ`, UTC. Written by `RFC3339Milliseconds` (no calendar), which gives the text
    /// `Date.ISO8601FormatStyle(includingFractionalSeconds: true)` gives; the style itself writes the dates
    /// that one does not handle (before 1601 or from 10000 on).
    public static func formatDate(_ date: Date) -> String {
        // The formatter truncates to milliseconds; add half of one so that a parsed date (stored as a
        // binary fraction just under its millisecond) formats back to the same text.
        let date = date.addingTimeInterval(0.0005)
        return RFC3339Milliseconds.string(from: date) ?? date.formatted(millisecondStyle)
    }

    /// Every record's `ce_time` header is parsed, so the text `formatDate` writes takes a byte path (the
    /// style's parse was 0.3% of a loaded pipeline's samples); any other RFC 3339 text goes to the style.
    public static func parseDate(_ text: String) -> Date? {
        if let date = RFC3339Milliseconds.date(from: text) { return date }
        if let date = try? millisecondStyle.parse(text) { return date }
        return try? secondStyle.parse(text)
    }

    public static func encode(_ value: some Encodable) throws -> Data {
        try sharedEncoder.encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try sharedDecoder.decode(type, from: data)
    }
}

/// `rag.feedback`, keyed by question id: a customer's rating of an answer (Gateway -> the operator's
/// reports), with what the answer was, so that a report needs no other topic.
public struct FeedbackGiven: Sendable, Hashable, Codable {
    public enum Rating: String, Sendable, Hashable, Codable, CaseIterable {
        case up, down
    }

    public var schemaVersion: Int = eventSchemaVersion
    public var questionID: String
    public var rating: Rating
    public var comment: String?
    /// The rated answer's status and references (its entries, best first).
    public var status: AnswerStatus
    public var references: [AnswerReference]
    public var givenAt: Date

    public init(questionID: String, rating: Rating, comment: String?, status: AnswerStatus, references: [AnswerReference], givenAt: Date) {
        self.questionID = questionID
        self.rating = rating
        self.comment = comment
        self.status = status
        self.references = references
        self.givenAt = givenAt
    }
    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", questionID = "question_id", rating, comment, status, references, givenAt = "given_at"
    }
}

/// `rag.answer.deltas`, keyed by question id: a piece of an answer being written, for the gateway that
/// streams it (Responder -> Gateway). Sequence numbers start at 0 per question. The final `AnswerReady`
/// stays the source of truth: a stream that missed deltas still ends with the whole answer.
public struct AnswerDelta: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The entries the answer is grounded on, before any text.
        case references
        /// A piece of the answer's text.
        case text
    }

    public var schemaVersion: Int = eventSchemaVersion
    public var questionID: String
    public var sequence: Int
    public var kind: Kind
    public var text: String?
    public var references: [AnswerReference]?

    public init(questionID: String, sequence: Int, kind: Kind, text: String? = nil, references: [AnswerReference]? = nil) {
        self.questionID = questionID
        self.sequence = sequence
        self.kind = kind
        self.text = text
        self.references = references
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", questionID = "question_id", sequence, kind, text, references
    }
}

/// `rag.ingest.reports`, keyed by object key: what applying one object event did (IngestWorker -> the
/// operator, and through the optional webhook a CI pipeline that waits for its upload). `ragline ingest`
/// prints the same report. Built from the ingestor's `IngestReport`.
public struct KnowledgeIngested: Sendable, Hashable, Codable {
    public enum Operation: String, Sendable, Hashable, Codable {
        /// The object was created or replaced: its lines were ingested.
        case put
        /// The object was deleted: its entries were removed.
        case delete
    }

    public enum Status: String, Sendable, Hashable, Codable {
        case completed
        /// The object could not be applied (its event went to the dead-letter topic); `error` says why.
        case failed
    }

    /// A line of the file that was not ingested, and why.
    public struct RejectedLine: Sendable, Hashable, Codable {
        public var line: Int
        public var reason: String

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    /// Rejected lines a report lists at most; the others are only counted (`rejected_lines_truncated`).
    public static let maxRejectedLines = 100

    public var schemaVersion: Int = eventSchemaVersion
    /// Unique per report (a lowercase UUID); the webhook's `webhook-id`, the same on every delivery attempt.
    public var id: String
    /// The object key (decoded), e.g. `knowledge/transport/transport.jsonl`.
    public var key: String
    /// The namespace the key implies (lines may name others).
    public var namespace: String
    /// Absent only in a failed report of a notification that could not be read far enough to say.
    public var operation: Operation?
    public var status: Status
    /// Valid lines ingested (the unchanged ones included).
    public var accepted: Int
    /// Lines not ingested (bad JSON, missing or oversized fields, ...), each also dead-lettered.
    public var rejected: Int
    /// Vectors removed: the entries (and alternate questions) an earlier version had and this one lacks, or
    /// all of the object's when it was deleted.
    public var deleted: Int
    /// Accepted entries whose questions, answer and context equal what the index held for them before.
    public var unchanged: Int
    /// The first `maxRejectedLines` rejected lines, in file order.
    public var rejectedLines: [RejectedLine]
    /// Rejected lines left out of `rejectedLines`.
    public var rejectedLinesTruncated: Int
    /// The embedder the entries were embedded with (`Embedder.modelID`).
    public var embeddingModel: String
    public var startedAt: Date
    public var finishedAt: Date
    public var durationMilliseconds: Double
    /// Why the object could not be applied (failed reports only).
    public var error: String?

    public init(
        id: String = RandomIDs.uuid(), key: String, namespace: String, operation: Operation?, status: Status,
        accepted: Int, rejected: Int, deleted: Int, unchanged: Int, rejectedLines: [RejectedLine], rejectedLinesTruncated: Int,
        embeddingModel: String, startedAt: Date, finishedAt: Date, durationMilliseconds: Double, error: String? = nil
    ) {
        self.id = id
        self.key = key
        self.namespace = namespace
        self.operation = operation
        self.status = status
        self.accepted = accepted
        self.rejected = rejected
        self.deleted = deleted
        self.unchanged = unchanged
        self.rejectedLines = rejectedLines
        self.rejectedLinesTruncated = rejectedLinesTruncated
        self.embeddingModel = embeddingModel
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMilliseconds = durationMilliseconds
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", id, key, namespace, operation, status, accepted, rejected, deleted, unchanged
        case rejectedLines = "rejected_lines", rejectedLinesTruncated = "rejected_lines_truncated", embeddingModel = "embedding_model"
        case startedAt = "started_at", finishedAt = "finished_at", durationMilliseconds = "duration_ms", error
    }
}
