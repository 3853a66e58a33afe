import Configuration
import Foundation
import RAGCore

/// How every role reaches Kafka: brokers, topic shape, fetch tuning and security. `KafkaClientFactory`
/// turns it into librdkafka properties. Each property's default is written here once.
public struct KafkaSettings: Sendable {
    /// `KAFKA_BROKERS`; nil means "embedded" for `dev`, or the file `ragline broker` wrote.
    public var brokers: String?
    /// `KAFKA_PARTITIONS`: partitions of each topic `dev`, `broker` and `topics` create.
    public var partitions = 4
    /// `KAFKA_REPLICATION_FACTOR`: for topics created on a real cluster.
    public var replicationFactor = 1
    /// `KAFKA_FETCH_WAIT_MAX_MS`: `fetch.wait.max.ms`.
    public var fetchWaitMaxMilliseconds = 5
    /// `KAFKA_SESSION_TIMEOUT_MS`: how long a silent group member keeps its partitions. A killed role's
    /// (or gateway's callbacks') partitions move to the others after about this long; shorter moves them
    /// sooner but makes a broker stall more likely to cause a rebalance.
    public var sessionTimeoutMilliseconds = 10_000
    /// `KAFKA_PROPERTIES`: extra librdkafka properties, applied last.
    public var properties: [String: String] = [:]
    /// `KAFKA_SECURITY`: plaintext, tls, scram or iam.
    public var security = "plaintext"
    /// `KAFKA_SASL_USERNAME`, with scram.
    public var saslUsername: String?
    /// `KAFKA_SASL_PASSWORD`, with scram.
    public var saslPassword: String?
    /// `KAFKA_TLS_CA_LOCATION`: `ssl.ca.location`.
    public var tlsCALocation: String?

    public init() {}

    public static let `default` = KafkaSettings()

    /// librdkafka properties for the chosen security, validated (one clear line when incomplete).
    /// `iam` also needs a token provider, which `KafkaClientFactory` adds.
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

extension Settings {
    public static let kafkaBrokers = Setting("kafka.brokers", default: "embedded in `dev`; else `$RAGLINE_DATA_DIR/kafka-bootstrap`", roles: "all", "Kafka bootstrap servers (`host:port,...`). `ragline broker` writes its address to the file named in the default.")
    public static let kafkaPartitions = Setting("kafka.partitions", default: "\(KafkaSettings.default.partitions)", roles: "dev, broker, topics", "Partitions of each topic that `ragline dev`, `ragline broker` and `ragline topics` create.")
    public static let kafkaReplicationFactor = Setting("kafka.replication.factor", default: "\(KafkaSettings.default.replicationFactor)", roles: "topics", "Replication factor for topics created on a real cluster.")
    public static let kafkaFetchWaitMaxMilliseconds = Setting("kafka.fetch.wait.max.ms", default: "\(KafkaSettings.default.fetchWaitMaxMilliseconds)", roles: "all", "`fetch.wait.max.ms`. The embedded broker answers a fetch only when it expires, so keep it at 1-5 there; 100-500 suits a real broker.")
    public static let kafkaSessionTimeout = Setting("kafka.session.timeout.ms", default: "\(KafkaSettings.default.sessionTimeoutMilliseconds)", roles: "all", "`session.timeout.ms` of every consumer group (heartbeats every third of it, at most 1 s). A killed member's partitions move to the others after about this long on Kafka and MSK (MSK refuses less than 6000), and after about twice this long minus 1 s on the embedded broker, whose coordinator waits S - 1 s before it reassigns (the fault tests measure it).")
    public static let kafkaSecurity = Setting("kafka.security", default: KafkaSettings.default.security, roles: "all", "`plaintext`, `tls` (MSK port 9094), `scram` (SASL/SCRAM-SHA-512 over TLS, 9096) or `iam` (SASL/OAUTHBEARER with an MSK IAM token, 9098, refreshed in the background).")
    public static let kafkaSASLUsername = Setting("kafka.sasl.username", default: "(none)", roles: "all", "SCRAM user name, with `KAFKA_SECURITY=scram`.")
    public static let kafkaSASLPassword = Setting("kafka.sasl.password", default: "(none)", roles: "all", "SCRAM password, with `KAFKA_SECURITY=scram`.", secret: true)
    public static let kafkaTLSCALocation = Setting("kafka.tls.ca.location", default: "(system CAs)", roles: "all", "CA bundle for the brokers' certificates (`ssl.ca.location`).")
    public static let kafkaProperties = Setting("kafka.properties", default: "(none)", roles: "all", "Extra librdkafka properties, `key=value;key=value` (TLS, SASL, tuning).")
}

extension KafkaSettings: ConfigurationSection {
    public static let settings: [Setting] = [
        Settings.kafkaBrokers, Settings.kafkaPartitions, Settings.kafkaReplicationFactor, Settings.kafkaFetchWaitMaxMilliseconds, Settings.kafkaSessionTimeout, Settings.kafkaSecurity,
        Settings.kafkaSASLUsername, Settings.kafkaSASLPassword, Settings.kafkaTLSCALocation, Settings.kafkaProperties,
    ]

    public init(reader: ConfigReader) throws {
        self.init()
        let d = Self.default
        brokers = reader.optionalString(Settings.kafkaBrokers)
        partitions = try reader.positiveInt(Settings.kafkaPartitions, default: d.partitions)
        replicationFactor = try reader.positiveInt(Settings.kafkaReplicationFactor, default: d.replicationFactor)
        fetchWaitMaxMilliseconds = try reader.positiveInt(Settings.kafkaFetchWaitMaxMilliseconds, default: d.fetchWaitMaxMilliseconds)
        sessionTimeoutMilliseconds = try reader.positiveInt(Settings.kafkaSessionTimeout, default: d.sessionTimeoutMilliseconds)
        properties = try Self.properties(reader.optionalString(Settings.kafkaProperties))
        security = reader.string(Settings.kafkaSecurity, default: d.security)
        saslUsername = reader.optionalString(Settings.kafkaSASLUsername)
        saslPassword = reader.optionalString(Settings.kafkaSASLPassword)
        tlsCALocation = reader.optionalString(Settings.kafkaTLSCALocation)
        _ = try securityProperties()
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
