import Foundation

/// Settings shared by producers and consumers. Becomes librdkafka properties only at the C boundary.
public struct KafkaClientConfiguration: Sendable {
    /// Comma-separated `host:port` list (`KAFKA_BROKERS`).
    public var bootstrapServers: String
    /// Reported to brokers, shows up in broker logs and quotas.
    public var clientID: String
    /// Extra librdkafka properties, applied last: the escape hatch for anything not modelled here
    /// (TLS, SASL, tuning).
    public var additionalProperties: [String: String]
    /// For `sasl.mechanism=OAUTHBEARER` (Amazon MSK IAM): called on a librdkafka thread whenever a token
    /// is due, including in the background while the client is idle.
    public var oauthBearerTokenProvider: KafkaOAuthBearerTokenProvider?

    public init(bootstrapServers: String, clientID: String = "ragline", additionalProperties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.additionalProperties = additionalProperties
    }

    var baseProperties: [String: String] {
        [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "socket.nagle.disable": "true",
        ]
    }
}

public struct KafkaProducerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// `linger.ms`: 0-1 keeps a request/response pipeline fast; the default 5 adds up over three hops.
    public var lingerMilliseconds: Int = 1
    /// `message.timeout.ms`: how long librdkafka retries a record before reporting it failed.
    public var messageTimeoutMilliseconds: Int = 30_000
    /// `message.max.bytes`: the largest record; knowledge models of large namespaces need several MB (the
    /// topic's own `max.message.bytes` must allow it too).
    public var messageMaxBytes: Int = 8 * 1024 * 1024

    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    var properties: [String: String] {
        var properties = client.baseProperties
        properties["enable.idempotence"] = "true"
        properties["acks"] = "all"
        properties["linger.ms"] = String(lingerMilliseconds)
        properties["message.timeout.ms"] = String(messageTimeoutMilliseconds)
        properties["message.max.bytes"] = String(messageMaxBytes)
        properties.merge(client.additionalProperties) { _, new in new }
        return properties
    }
}

public struct KafkaConsumerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    public var groupID: String
    /// Records handed out but not yet marked processed, per consumer. Bounds concurrent processing.
    public var maxInFlight: Int = 16
    /// `auto.offset.reset` for a group without committed offsets.
    public var startFromEarliest: Bool = true
    /// `fetch.wait.max.ms`. The embedded mock broker answers a waiting fetch only when this expires, so
    /// keep it small there (DESIGN 9, WIRE.md); a real broker answers as soon as data arrives.
    public var fetchWaitMaxMilliseconds: Int = 5
    public var sessionTimeoutMilliseconds: Int = 10_000
    /// `max.poll.interval.ms`: above the worst processing time of one record.
    public var maxPollIntervalMilliseconds: Int = 300_000
    /// `auto.commit.interval.ms` for offsets stored after processing.
    public var autoCommitIntervalMilliseconds: Int = 1_000
    /// Where each assigned partition is read from, ignoring committed offsets (and committing nothing),
    /// for listeners that do not share work: nil reads from the group's committed offsets.
    public var startOnAssign: StartPosition?

    /// A start position fixed at assignment, so that nothing produced after `assignment` is non-empty is missed.
    public enum StartPosition: Sendable, Hashable {
        /// What is produced from now on (the high watermark).
        case end
        /// Everything stamped at or after this long ago (`offsetsForTimes`), then live: how a new gateway
        /// rebuilds the answers of the async deadline window.
        case recent(Duration)
    }

    public init(client: KafkaClientConfiguration, groupID: String) {
        self.client = client
        self.groupID = groupID
    }

    var properties: [String: String] {
        var properties = client.baseProperties
        properties["group.id"] = groupID
        properties["enable.auto.commit"] = startOnAssign == nil ? "true" : "false"
        properties["enable.auto.offset.store"] = "false"
        properties["auto.commit.interval.ms"] = String(autoCommitIntervalMilliseconds)
        properties["auto.offset.reset"] = startFromEarliest ? "earliest" : "latest"
        properties["fetch.wait.max.ms"] = String(fetchWaitMaxMilliseconds)
        properties["session.timeout.ms"] = String(sessionTimeoutMilliseconds)
        // A third of the session timeout at most, 1 s at most: a survivor learns of a rebalance within a
        // second, and on the embedded broker a heartbeat slower than S - 1 s would miss its join window and
        // cost another S - 1 s (librdkafka 2.0.2's mock coordinator, DESIGN 9).
        properties["heartbeat.interval.ms"] = String(max(100, min(1_000, sessionTimeoutMilliseconds / 3)))
        properties["max.poll.interval.ms"] = String(maxPollIntervalMilliseconds)
        properties["allow.auto.create.topics"] = "true"
        // Eager assignment: cooperative-sticky aborts in Debian's librdkafka 2.0.2 (WIRE.md).
        properties["partition.assignment.strategy"] = "range,roundrobin"
        properties.merge(client.additionalProperties) { _, new in new }
        return properties
    }
}

/// A SASL/OAUTHBEARER token and when it expires.
public struct KafkaOAuthBearerToken: Sendable {
    public var value: String
    public var expiry: Date
    public var principal: String

    public init(value: String, expiry: Date, principal: String) {
        self.value = value
        self.expiry = expiry
        self.principal = principal
    }
}

public typealias KafkaOAuthBearerTokenProvider = @Sendable () throws -> KafkaOAuthBearerToken
