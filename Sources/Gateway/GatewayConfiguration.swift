import Configuration
import Foundation
import RAGCore

/// Settings of the Gateway role. Each property's default is written here once; `Settings` documents it.
public struct GatewayConfiguration: Sendable {
    /// `RAGLINE_HOST`: the address the HTTP servers bind to.
    public var host = "0.0.0.0"
    /// `RAGLINE_PORT`: the API's port.
    public var port = 8080
    /// `RAGLINE_INSTANCE_ID`: names this gateway's own answers consumer group.
    public var instanceID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    /// `RAGLINE_CHAT_TIMEOUT_SECONDS`: deadline of `POST /v1/chat`.
    public var chatTimeout: Duration = .seconds(30)
    /// `RAGLINE_ASYNC_TIMEOUT_SECONDS`: deadline of questions asked with `POST /v1/questions`.
    public var asyncTimeout: Duration = .seconds(300)
    /// `RAGLINE_PUBLISH_TIMEOUT_SECONDS`: how long a request waits for the broker to take its question
    /// before it is refused with 503 `queue_unavailable` and `Retry-After`.
    public var publishTimeout: Duration = .seconds(2)
    /// `RAGLINE_MAX_QUESTION_CHARS`.
    public var maxQuestionLength = 2_000
    /// `RAGLINE_MAX_BODY_BYTES`.
    public var maxBodyBytes = 65_536
    /// `RAGLINE_TOP_K`: entries retrieved unless the request says `top_k`.
    public var defaultTopK = 3
    /// The largest `top_k` a request may ask for (not a setting).
    public var maxTopK = 20
    /// `RAGLINE_API_KEYS`: when not empty, `/v1/*` needs one of them as a bearer token.
    public var apiKeys: Set<String> = []
    /// `RAGLINE_ANSWER_CACHE_SIZE`: answers kept for polling.
    public var answerCacheSize = 10_000
    /// `RAGLINE_CALLBACK_SECRET`. Nil: a random secret is made at start (fine for one instance; set it for several).
    public var callbackSecret: String?
    /// `RAGLINE_CALLBACK_ALLOWED_HOSTS`: callback hosts allowed although they resolve to internal addresses.
    public var callbackAllowedHosts: Set<String> = []
    /// `RAGLINE_CALLBACK_MAX_ATTEMPTS`.
    public var callbackMaxAttempts = 6
    /// Question ids whose callbacks each gateway remembers, to drop repeats (not a setting).
    public var deliveredCallbacksRemembered = 100_000
    /// Backoff between callback attempts: doubling from the first delay up to the last (not settings).
    public var callbackRetryDelays: ClosedRange<Duration> = .milliseconds(250) ... .seconds(30)
    /// Connecting to a callback receiver, reading its answer, and the whole request (not settings).
    public var callbackConnectTimeout: Duration = .seconds(5)
    public var callbackReadTimeout: Duration = .seconds(10)
    public var callbackRequestTimeout: Duration = .seconds(15)
    /// `RAGLINE_RATE_LIMIT_PER_SECOND`: requests per second each API key (without keys: all clients
    /// together) may make to `/v1/*` on each gateway instance; 0 turns rate limiting off.
    public var rateLimitPerSecond: Double = 0
    /// `RAGLINE_RATE_LIMIT_BURST`: requests a client may make at once (its token bucket's size). Nil (or 0
    /// in the environment): twice the rate, at least 1.
    public var rateLimitBurst: Int?
    /// Token buckets each instance keeps at most (not a setting): full ones are dropped first.
    public var rateLimitMaxBuckets = 10_000

    /// The bucket size in force: `rateLimitBurst`, else twice the rate rounded up, at least 1.
    public var effectiveRateLimitBurst: Int {
        max(1, rateLimitBurst ?? Int(min(max(rateLimitPerSecond, 0) * 2, 1_000_000).rounded(.up)))
    }

    public init() {}

    public static let `default` = GatewayConfiguration()
}

extension Settings {
    public static let port = Setting("ragline.port", default: "\(GatewayConfiguration.default.port)", roles: "gateway, dev", "HTTP port of the gateway API.")
    public static let host = Setting("ragline.host", default: GatewayConfiguration.default.host, roles: "gateway, dev", "Address the HTTP servers bind to.")
    public static let instanceID = Setting("ragline.instance.id", default: "<hostname>-<pid>", roles: "gateway", "Names this gateway's own answers consumer group.")
    public static let chatTimeout = Setting("ragline.chat.timeout.seconds", default: "\(Int(GatewayConfiguration.default.chatTimeout.seconds))", roles: "gateway", "Deadline of `POST /v1/chat`; past it the answer is 504 with the question id.")
    public static let asyncTimeout = Setting("ragline.async.timeout.seconds", default: "\(Int(GatewayConfiguration.default.asyncTimeout.seconds))", roles: "gateway", "Deadline of questions asked with `POST /v1/questions`.")
    public static let publishTimeout = Setting("ragline.publish.timeout.seconds", default: "\(Int(GatewayConfiguration.default.publishTimeout.seconds))", roles: "gateway", "How long a request waits for Kafka to take its question; past it the answer is 503 `queue_unavailable` with `Retry-After`.")
    public static let maxQuestionLength = Setting("ragline.max.question.chars", default: "\(GatewayConfiguration.default.maxQuestionLength)", roles: "gateway", "Longest question accepted (characters).")
    public static let maxBodyBytes = Setting("ragline.max.body.bytes", default: "\(GatewayConfiguration.default.maxBodyBytes)", roles: "gateway", "Largest request body accepted.")
    public static let defaultTopK = Setting("ragline.top.k", default: "\(GatewayConfiguration.default.defaultTopK)", roles: "gateway", "Entries retrieved per question unless the request says `top_k` (1-\(GatewayConfiguration.default.maxTopK)).")
    public static let apiKeys = Setting("ragline.api.keys", default: "(none: no auth)", roles: "gateway", "Comma-separated API keys; when set, `/v1/*` needs `Authorization: Bearer <key>`.", secret: true)
    public static let answerCacheSize = Setting("ragline.answer.cache.size", default: "\(GatewayConfiguration.default.answerCacheSize)", roles: "gateway", "Answers each gateway keeps for polling.")
    public static let callbackSecret = Setting("ragline.callback.secret", default: "(random per process)", roles: "gateway", "HMAC-SHA256 key that signs callbacks; set the same value on every gateway.", secret: true)
    public static let callbackAllowedHosts = Setting("ragline.callback.allowed.hosts", default: "(none)", roles: "gateway", "Hosts allowed as callback targets even though they resolve to loopback or private addresses.")
    public static let rateLimitPerSecond = Setting(
        "ragline.rate.limit.per.second", default: "`\(Int(GatewayConfiguration.default.rateLimitPerSecond))` (off)", roles: "gateway",
        "Requests per second each API key (without keys: all clients together) may make to `/v1/*` on each gateway; past it 429 `rate_limited` with `Retry-After`."
    )
    public static let rateLimitBurst = Setting("ragline.rate.limit.burst", default: "(twice the rate, at least 1)", roles: "gateway", "Requests a client may make at once: the size of its token bucket.")
    public static let callbackMaxAttempts = Setting("ragline.callback.max.attempts", default: "\(GatewayConfiguration.default.callbackMaxAttempts)", roles: "gateway", "Delivery attempts per callback, with exponential backoff.")
}

extension GatewayConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [
        Settings.port, Settings.host, Settings.instanceID, Settings.chatTimeout, Settings.asyncTimeout, Settings.publishTimeout, Settings.maxQuestionLength,
        Settings.maxBodyBytes, Settings.defaultTopK, Settings.apiKeys, Settings.answerCacheSize, Settings.callbackSecret,
        Settings.callbackAllowedHosts, Settings.callbackMaxAttempts, Settings.rateLimitPerSecond, Settings.rateLimitBurst,
    ]

    public init(reader: ConfigReader) throws {
        self.init()
        let d = Self.default
        host = reader.string(Settings.host, default: d.host)
        port = try reader.port(Settings.port, default: d.port)
        instanceID = reader.string(Settings.instanceID, default: d.instanceID)
        chatTimeout = try reader.positiveSeconds(Settings.chatTimeout, default: d.chatTimeout)
        asyncTimeout = try reader.positiveSeconds(Settings.asyncTimeout, default: d.asyncTimeout)
        publishTimeout = try reader.positiveSeconds(Settings.publishTimeout, default: d.publishTimeout)
        maxQuestionLength = try reader.positiveInt(Settings.maxQuestionLength, default: d.maxQuestionLength)
        maxBodyBytes = try reader.positiveInt(Settings.maxBodyBytes, default: d.maxBodyBytes)
        defaultTopK = try reader.int(Settings.defaultTopK, default: d.defaultTopK)
        guard (1...d.maxTopK).contains(defaultTopK) else {
            throw ConfigurationError(setting: Settings.defaultTopK, problem: "must be between 1 and \(d.maxTopK)")
        }
        apiKeys = Set(reader.list(Settings.apiKeys))
        answerCacheSize = try reader.positiveInt(Settings.answerCacheSize, default: d.answerCacheSize)
        callbackSecret = reader.optionalString(Settings.callbackSecret)
        callbackAllowedHosts = Set(reader.list(Settings.callbackAllowedHosts).map { $0.lowercased() })
        callbackMaxAttempts = try reader.positiveInt(Settings.callbackMaxAttempts, default: d.callbackMaxAttempts)
        rateLimitPerSecond = try reader.double(Settings.rateLimitPerSecond, default: d.rateLimitPerSecond)
        guard rateLimitPerSecond >= 0 else {
            throw ConfigurationError(setting: Settings.rateLimitPerSecond, problem: "must be 0 (off) or positive, got \(rateLimitPerSecond)")
        }
        let burst = try reader.int(Settings.rateLimitBurst, default: 0)
        guard burst >= 0 else { throw ConfigurationError(setting: Settings.rateLimitBurst, problem: "must be positive (or 0: twice the rate), got \(burst)") }
        rateLimitBurst = burst == 0 ? nil : burst
    }
}
