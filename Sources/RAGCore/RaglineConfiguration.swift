import Configuration
import Foundation

/// All of Ragline's configuration, read once at start from a `ConfigReader` (environment variables, and
/// the same keys from a config file). Each property names its setting; `Settings` documents them.
public struct RaglineConfiguration: Sendable {
    public struct Kafka: Sendable {
        public init() {}

        /// `KAFKA_BROKERS`; nil means "embedded" for `dev`, or the file `ragline broker` wrote.
        public var brokers: String?
        public var partitions = 4
        public var replicationFactor = 1
        public var fetchWaitMaxMilliseconds = 5
        public var properties: [String: String] = [:]
        public var security = "plaintext"
        public var saslUsername: String?
        public var saslPassword: String?
        public var tlsCALocation: String?

        /// librdkafka properties for the chosen security, validated (one clear line when incomplete).
        /// `iam` also needs a token provider, which the wiring adds.
        public func securityProperties() throws -> [String: String] {
            var properties: [String: String] = [:]
            switch security {
            case "plaintext":
                return [:]
            case "tls":
                properties["security.protocol"] = "ssl"
            case "scram":
                guard let saslUsername, let saslPassword else {
                    throw ConfigurationError(setting: Settings.kafkaSASLUsername, problem: "and KAFKA_SASL_PASSWORD must be set with KAFKA_SECURITY=scram")
                }
                properties["security.protocol"] = "sasl_ssl"
                properties["sasl.mechanism"] = "SCRAM-SHA-512"
                properties["sasl.username"] = saslUsername
                properties["sasl.password"] = saslPassword
            case "iam":
                properties["security.protocol"] = "sasl_ssl"
                properties["sasl.mechanism"] = "OAUTHBEARER"
            default:
                throw ConfigurationError(setting: Settings.kafkaSecurity, problem: "must be plaintext, tls, scram or iam, got \"\(security)\"")
            }
            if let tlsCALocation { properties["ssl.ca.location"] = tlsCALocation }
            return properties
        }
    }

    public struct Gateway: Sendable {
        public init() {}

        public var host = "0.0.0.0"
        public var port = 8080
        public var instanceID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        public var chatTimeout: Duration = .seconds(30)
        public var asyncTimeout: Duration = .seconds(300)
        public var maxQuestionLength = 2_000
        public var maxBodyBytes = 65_536
        public var defaultTopK = 3
        public var maxTopK = 20
        public var apiKeys: Set<String> = []
        public var answerCacheSize = 10_000
        /// Nil: a random secret is made at start (fine for one instance; set it for several).
        public var callbackSecret: String?
        public var callbackAllowedHosts: Set<String> = []
        public var callbackMaxAttempts = 6
    }

    public struct Retriever: Sendable {
        public init() {}

        public var embedder = "minilm"
        public var modelDirectory = "models/all-MiniLM-L6-v2"
        public var embedderThreads = 1
        public var concurrency = 8
        public var adminPort = 9101
    }

    public struct Responder: Sendable {
        public init() {}

        public var chatModel = "extractive"
        public var concurrency = 8
        public var noMatchAnswer = Settings.noMatchAnswer.defaultDescription
        public var adminPort = 9102
    }

    /// The OpenAI-compatible chat server and the hosted embedder.
    public struct Hosted: Sendable {
        public init() {}

        public var llmBaseURL = "https://router.huggingface.co/v1"
        public var llmModel = "meta-llama/Llama-3.1-8B-Instruct"
        public var llmAPIKey: String?
        public var huggingFaceToken: String?
        public var llmMaxTokens = 512
        public var llmTemperature = 0.2
        public var llmTimeout: Duration = .seconds(30)
        public var llmStream = false
        public var embeddingsURL: String?
        public var embeddingsModel = "sentence-transformers/all-MiniLM-L6-v2"
        public var embeddingsDimensions = 384
        public var embeddingsAPIKey: String?
        public var vectorIndex = "local"
        public var pineconeAPIKey: String?
        public var pineconeIndex: String?
        public var pineconeIndexHost: String?
        public var pineconeControlURL = "https://api.pinecone.io"
        public var pineconeEmbedModel = "multilingual-e5-large"
        public var pineconeEmbedDimensions = 1024
    }

    public struct Ingest: Sendable {
        public init() {}

        public var objectStore = "folder"
        public var source = "kafka"
        public var awsRegion = "us-east-1"
        public var awsAccessKeyID: String?
        public var awsSecretAccessKey: String?
        public var awsSessionToken: String?
        public var s3EndpointURL: String?
        public var s3ForcePathStyle: Bool?
        public var sqsQueueURL: String?
        public var sqsWaitTimeSeconds = 20
        public var sqsVisibilityTimeoutSeconds = 300

        public var embedBatchSize = 32
        public var bucket = "local"
        public var watchInterval: Duration = .milliseconds(1000)
        public var seedDirectory = "examples/knowledge"
        public var adminPort = 9103
    }

    public var dataDirectory = "./data"
    public var logLevel = "info"
    public var kafka = Kafka()
    public var gateway = Gateway()
    public var retriever = Retriever()
    public var responder = Responder()
    /// Answer selection (grouping, fusion, thresholds), shared by the retriever and the responder.
    public var scoring = AnswerScoring.default
    public var ingest = Ingest()
    public var hosted = Hosted()

    public static let `default` = RaglineConfiguration()

    public init() {}

    /// Reads every setting; what is not set keeps its default. Throws one clear line for a bad value.
    public init(reader: ConfigReader) throws {
        let d = RaglineConfiguration.default
        dataDirectory = reader.string(Settings.dataDirectory, default: d.dataDirectory)
        logLevel = reader.string(Settings.logLevel, default: d.logLevel)

        kafka.brokers = reader.optionalString(Settings.kafkaBrokers)
        kafka.partitions = try Self.positive(reader.int(Settings.kafkaPartitions, default: d.kafka.partitions), Settings.kafkaPartitions)
        kafka.replicationFactor = try Self.positive(reader.int(Settings.kafkaReplicationFactor, default: d.kafka.replicationFactor), Settings.kafkaReplicationFactor)
        kafka.fetchWaitMaxMilliseconds = try Self.positive(reader.int(Settings.kafkaFetchWaitMaxMilliseconds, default: d.kafka.fetchWaitMaxMilliseconds), Settings.kafkaFetchWaitMaxMilliseconds)
        kafka.properties = try Self.properties(reader.optionalString(Settings.kafkaProperties))
        kafka.security = reader.string(Settings.kafkaSecurity, default: d.kafka.security)
        kafka.saslUsername = reader.optionalString(Settings.kafkaSASLUsername)
        kafka.saslPassword = reader.optionalString(Settings.kafkaSASLPassword)
        kafka.tlsCALocation = reader.optionalString(Settings.kafkaTLSCALocation)
        _ = try kafka.securityProperties()

        gateway.host = reader.string(Settings.host, default: d.gateway.host)
        gateway.port = try Self.port(reader.int(Settings.port, default: d.gateway.port), Settings.port)
        gateway.instanceID = reader.string(Settings.instanceID, default: d.gateway.instanceID)
        gateway.chatTimeout = .seconds(try Self.positive(reader.double(Settings.chatTimeout, default: 30), Settings.chatTimeout))
        gateway.asyncTimeout = .seconds(try Self.positive(reader.double(Settings.asyncTimeout, default: 300), Settings.asyncTimeout))
        gateway.maxQuestionLength = try Self.positive(reader.int(Settings.maxQuestionLength, default: d.gateway.maxQuestionLength), Settings.maxQuestionLength)
        gateway.maxBodyBytes = try Self.positive(reader.int(Settings.maxBodyBytes, default: d.gateway.maxBodyBytes), Settings.maxBodyBytes)
        gateway.defaultTopK = reader.int(Settings.defaultTopK, default: d.gateway.defaultTopK)
        guard (1...d.gateway.maxTopK).contains(gateway.defaultTopK) else {
            throw ConfigurationError(setting: Settings.defaultTopK, problem: "must be between 1 and \(d.gateway.maxTopK)")
        }
        gateway.apiKeys = Set(reader.list(Settings.apiKeys))
        gateway.answerCacheSize = try Self.positive(reader.int(Settings.answerCacheSize, default: d.gateway.answerCacheSize), Settings.answerCacheSize)
        gateway.callbackSecret = reader.optionalString(Settings.callbackSecret)
        gateway.callbackAllowedHosts = Set(reader.list(Settings.callbackAllowedHosts).map { $0.lowercased() })
        gateway.callbackMaxAttempts = try Self.positive(reader.int(Settings.callbackMaxAttempts, default: d.gateway.callbackMaxAttempts), Settings.callbackMaxAttempts)

        retriever.embedder = reader.string(Settings.embedder, default: d.retriever.embedder)
        retriever.modelDirectory = reader.string(Settings.modelDirectory, default: d.retriever.modelDirectory)
        retriever.embedderThreads = try Self.positive(reader.int(Settings.embedderThreads, default: d.retriever.embedderThreads), Settings.embedderThreads)
        retriever.concurrency = try Self.positive(reader.int(Settings.retrieverConcurrency, default: d.retriever.concurrency), Settings.retrieverConcurrency)
        responder.chatModel = reader.string(Settings.chatModel, default: d.responder.chatModel)
        responder.concurrency = try Self.positive(reader.int(Settings.responderConcurrency, default: d.responder.concurrency), Settings.responderConcurrency)
        if let text = reader.optionalString(Settings.noMatchThreshold) {
            guard let threshold = Double(text) else { throw ConfigurationError(setting: Settings.noMatchThreshold, problem: "must be a number, got \"\(text)\"") }
            scoring.noMatchThreshold = threshold
        }
        scoring.clarifyMargin = reader.double(Settings.clarifyMargin, default: d.scoring.clarifyMargin)
        guard scoring.clarifyMargin >= 0 else { throw ConfigurationError(setting: Settings.clarifyMargin, problem: "must be 0 or more") }
        scoring.candidates = try Self.positive(reader.int(Settings.retrievalCandidates, default: d.scoring.candidates), Settings.retrievalCandidates)
        scoring.temperature = try Self.positive(reader.double(Settings.scoringTemperature, default: d.scoring.temperature), Settings.scoringTemperature)
        scoring.hubnessWeight = reader.double(Settings.hubnessWeight, default: d.scoring.hubnessWeight)
        scoring.lexicalWeight = reader.double(Settings.lexicalWeight, default: d.scoring.lexicalWeight)
        scoring.classifierWeight = reader.double(Settings.classifierWeight, default: d.scoring.classifierWeight)
        scoring.classifierPenalty = reader.double(Settings.classifierPenalty, default: d.scoring.classifierPenalty)
        scoring.calibrationQuantile = reader.double(Settings.calibrationQuantile, default: d.scoring.calibrationQuantile)
        guard (0...1).contains(scoring.calibrationQuantile) else { throw ConfigurationError(setting: Settings.calibrationQuantile, problem: "must be between 0 and 1") }
        responder.noMatchAnswer = reader.string(Settings.noMatchAnswer, default: d.responder.noMatchAnswer)

        hosted.llmBaseURL = reader.string(Settings.llmBaseURL, default: d.hosted.llmBaseURL)
        hosted.llmModel = reader.string(Settings.llmModel, default: d.hosted.llmModel)
        hosted.llmAPIKey = reader.optionalString(Settings.llmAPIKey)
        hosted.huggingFaceToken = reader.optionalString(Settings.huggingFaceToken)
        hosted.llmMaxTokens = try Self.positive(reader.int(Settings.llmMaxTokens, default: d.hosted.llmMaxTokens), Settings.llmMaxTokens)
        hosted.llmTemperature = reader.double(Settings.llmTemperature, default: d.hosted.llmTemperature)
        hosted.llmTimeout = .milliseconds(Int(try Self.positive(reader.double(Settings.llmTimeout, default: 30), Settings.llmTimeout) * 1000))
        hosted.llmStream = try Self.boolean(reader.optionalString(Settings.llmStream), Settings.llmStream) ?? d.hosted.llmStream
        hosted.embeddingsURL = reader.optionalString(Settings.embeddingsURL)
        hosted.embeddingsModel = reader.string(Settings.embeddingsModel, default: d.hosted.embeddingsModel)
        hosted.embeddingsDimensions = try Self.positive(reader.int(Settings.embeddingsDimensions, default: d.hosted.embeddingsDimensions), Settings.embeddingsDimensions)
        hosted.embeddingsAPIKey = reader.optionalString(Settings.embeddingsAPIKey)
        hosted.vectorIndex = reader.string(Settings.vectorIndex, default: d.hosted.vectorIndex)
        hosted.pineconeAPIKey = reader.optionalString(Settings.pineconeAPIKey)
        hosted.pineconeIndex = reader.optionalString(Settings.pineconeIndex)
        hosted.pineconeIndexHost = reader.optionalString(Settings.pineconeIndexHost)
        hosted.pineconeControlURL = reader.string(Settings.pineconeControlURL, default: d.hosted.pineconeControlURL)
        hosted.pineconeEmbedModel = reader.string(Settings.pineconeEmbedModel, default: d.hosted.pineconeEmbedModel)
        hosted.pineconeEmbedDimensions = try Self.positive(reader.int(Settings.pineconeEmbedDimensions, default: d.hosted.pineconeEmbedDimensions), Settings.pineconeEmbedDimensions)

        ingest.objectStore = reader.string(Settings.objectStore, default: d.ingest.objectStore)
        ingest.source = reader.string(Settings.ingestSource, default: d.ingest.source)
        ingest.awsRegion = reader.string(Settings.awsRegion, default: d.ingest.awsRegion)
        ingest.awsAccessKeyID = reader.optionalString(Settings.awsAccessKeyID)
        ingest.awsSecretAccessKey = reader.optionalString(Settings.awsSecretAccessKey)
        ingest.awsSessionToken = reader.optionalString(Settings.awsSessionToken)
        ingest.s3EndpointURL = reader.optionalString(Settings.s3EndpointURL)
        ingest.s3ForcePathStyle = try Self.boolean(reader.optionalString(Settings.s3ForcePathStyle), Settings.s3ForcePathStyle)
        ingest.sqsQueueURL = reader.optionalString(Settings.sqsQueueURL)
        ingest.sqsWaitTimeSeconds = reader.int(Settings.sqsWaitTime, default: d.ingest.sqsWaitTimeSeconds)
        guard (0...20).contains(ingest.sqsWaitTimeSeconds) else { throw ConfigurationError(setting: Settings.sqsWaitTime, problem: "must be 0-20") }
        ingest.sqsVisibilityTimeoutSeconds = try Self.positive(reader.int(Settings.sqsVisibilityTimeout, default: d.ingest.sqsVisibilityTimeoutSeconds), Settings.sqsVisibilityTimeout)

        ingest.embedBatchSize = try Self.positive(reader.int(Settings.embedBatchSize, default: d.ingest.embedBatchSize), Settings.embedBatchSize)
        ingest.bucket = reader.string(Settings.knowledgeBucket, default: d.ingest.bucket)
        ingest.watchInterval = .milliseconds(try Self.positive(reader.int(Settings.watchInterval, default: 1000), Settings.watchInterval))
        ingest.seedDirectory = reader.string(Settings.seedDirectory, default: d.ingest.seedDirectory)

        // One admin port setting; each role has its own default so that roles can share a host.
        if let adminPort = reader.int(forKey: Settings.adminPort.key) {
            let port = try Self.port(adminPort, Settings.adminPort, allowZero: true)
            retriever.adminPort = port
            responder.adminPort = port
            ingest.adminPort = port
        }
    }

    /// Where `ragline broker` publishes its bootstrap address for roles started without `KAFKA_BROKERS`.
    public var brokerAddressFile: String { (dataDirectory as NSString).appendingPathComponent("kafka-bootstrap") }
    public var knowledgeDirectory: String { (dataDirectory as NSString).appendingPathComponent("knowledge") }
    public var indexDirectory: String { (dataDirectory as NSString).appendingPathComponent("index") }

    private static func positive<T: Comparable & Numeric>(_ value: T, _ setting: Setting) throws -> T {
        guard value > 0 else { throw ConfigurationError(setting: setting, problem: "must be positive, got \(value)") }
        return value
    }

    private static func boolean(_ text: String?, _ setting: Setting) throws -> Bool? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(setting: setting, problem: "must be true or false, got \"\(text)\"")
        }
    }

    private static func port(_ value: Int, _ setting: Setting, allowZero: Bool = false) throws -> Int {
        guard (allowZero ? 0 : 1)...65535 ~= value else { throw ConfigurationError(setting: setting, problem: "is not a TCP port: \(value)") }
        return value
    }

    private static func properties(_ text: String?) throws -> [String: String] {
        guard let text else { return [:] }
        var result: [String: String] = [:]
        for pair in text.split(separator: ";") where !pair.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else {
                throw ConfigurationError(setting: Settings.kafkaProperties, problem: "expected key=value, got \"\(pair)\"")
            }
            result[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}

/// A setting with a value Ragline cannot use. Its description is the one line printed at start.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let setting: String
    public let problem: String

    public init(setting: Setting, problem: String) {
        self.setting = setting.environmentVariable
        self.problem = problem
    }

    public init(variable: String, problem: String) {
        self.setting = variable
        self.problem = problem
    }

    public var description: String { "configuration error: \(setting) \(problem)" }
}
