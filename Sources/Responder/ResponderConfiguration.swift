import Configuration
import RAGCore

/// Settings of the Responder role. Each property's default is written here once; `Settings` documents it.
public struct ResponderConfiguration: Sendable {
    /// `RAGLINE_RESPONDER_CONCURRENCY`: answers generated at once per instance.
    public var concurrency = 8
    /// `RAGLINE_ADMIN_PORT`: `/healthz`, `/readyz` and `/metrics` (0 turns it off).
    public var adminPort = 9102
    /// `RAGLINE_NO_MATCH_ANSWER`: the text of a `no_match` answer, whatever the chat model.
    public var noMatchAnswer = "Sorry, I could not find an answer to that in our knowledge base. Please rephrase, or contact our support team."
    /// Attempts per model call when it fails transiently (always within the deadline).
    public var providerAttempts = 4
    /// `RAGLINE_GENERATED_ANSWER_CACHE_SIZE`: generated answers kept per instance (0: no cache). The extractive
    /// model is never cached: its answers cost nothing.
    public var answerCacheSize = 10_000
    /// `RAGLINE_GENERATED_ANSWER_CACHE_TTL_SECONDS`: how long a generated answer is served again.
    public var answerCacheTTL: Duration = .seconds(3600)
    /// For events that carry no selection (from a retriever that predates it): the wiring sets it.
    public var scoring = AnswerScoring.default

    public init() {}

    public static let `default` = ResponderConfiguration()
}

extension Settings {
    public static let responderConcurrency = Setting("ragline.responder.concurrency", default: "\(ResponderConfiguration.default.concurrency)", roles: "responder", "Answers generated at once per instance.")
    public static let generatedAnswerCacheSize = Setting("ragline.generated.answer.cache.size", default: "\(ResponderConfiguration.default.answerCacheSize)", roles: "responder", "Generated answers kept per instance, keyed by the normalised question, the model and the content of the entries sent to it (an entry that changes or goes no longer matches). 0 turns the cache off; extractive answers are never cached.")
    public static let generatedAnswerCacheTTL = Setting("ragline.generated.answer.cache.ttl.seconds", default: "\(Int(ResponderConfiguration.default.answerCacheTTL.seconds))", roles: "responder", "How long a cached generated answer is served again.")
    public static let noMatchAnswer = Setting("ragline.no.match.answer", default: ResponderConfiguration.default.noMatchAnswer, roles: "responder", "Text of a `no_match` answer.")
}

extension ResponderConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [Settings.responderConcurrency, Settings.noMatchAnswer, Settings.generatedAnswerCacheSize, Settings.generatedAnswerCacheTTL]

    public init(reader: ConfigReader) throws {
        self.init()
        concurrency = try reader.positiveInt(Settings.responderConcurrency, default: Self.default.concurrency)
        noMatchAnswer = reader.string(Settings.noMatchAnswer, default: Self.default.noMatchAnswer)
        answerCacheSize = try reader.int(Settings.generatedAnswerCacheSize, default: Self.default.answerCacheSize)
        guard answerCacheSize >= 0 else { throw ConfigurationError(setting: Settings.generatedAnswerCacheSize, problem: "must be 0 or more, got \(answerCacheSize)") }
        answerCacheTTL = try reader.positiveSeconds(Settings.generatedAnswerCacheTTL, default: Self.default.answerCacheTTL)
    }
}
